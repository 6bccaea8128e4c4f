package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/pflag"

	"github.com/netviz/netviz/topo"
)

// sourceOptions are the flags every command that shows a host shares: where
// the snapshot comes from and which part of it to show.
type sourceOptions struct {
	from      string
	host      string
	all       bool
	network   string
	container string
	// firewall is set by commands that need the packet filter and sysctls.
	firewall bool
}

func (o *sourceOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.from, "from", "", "read a saved snapshot (netviz docker --format json) instead of the live host; - for stdin")
	fs.StringVarP(&o.host, "host", "H", "", "Docker daemon to inspect (default: $DOCKER_HOST or the local socket)")
	fs.BoolVarP(&o.all, "all", "a", false, "include stopped and created containers")
	fs.StringVar(&o.network, "network", "", "show only this Docker network (name or ID)")
	fs.StringVar(&o.container, "container", "", "show only this container (name or ID) and those sharing its namespace")
}

// load returns the filtered snapshot, from --from or the live host. Its
// warnings go to stderr unless the view shows them itself (the tree).
func (o *sourceOptions) load(ctx context.Context, d deps, viewShowsWarnings bool) (*topo.Snapshot, error) {
	_, s, err := o.loadWhole(ctx, d, viewShowsWarnings)
	return s, err
}

// loadWhole is load that also returns the snapshot before the filter (the
// same one when no filter is set).
func (o *sourceOptions) loadWhole(ctx context.Context, d deps, viewShowsWarnings bool) (whole, s *topo.Snapshot, err error) {
	if o.from != "" {
		whole, err = readSnapshot(d, o.from)
		if err != nil {
			return nil, nil, err
		}
		if !o.all {
			whole = withoutStopped(whole)
		}
	} else {
		whole, err = d.live(ctx, liveOptions{host: o.host, all: o.all, firewall: o.firewall})
		if err != nil {
			return nil, nil, err
		}
	}
	s, err = topo.Filter{Network: o.network, Container: o.container}.Apply(whole)
	if err != nil {
		return nil, nil, err
	}
	if !viewShowsWarnings {
		for _, w := range s.Warnings {
			slog.Warn(w.Message, "code", w.Code)
		}
	}
	return whole, s, nil
}

// readSnapshot decodes a snapshot file; every failure names the file.
func readSnapshot(d deps, path string) (*topo.Snapshot, error) {
	var r io.Reader
	name := path
	if path == "-" {
		r, name = d.stdin, "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, withCode(exitBadSnapshot, fmt.Errorf("cannot read snapshot: %w", err))
		}
		defer f.Close()
		r = f
	}
	s, err := topo.Decode(r)
	if err != nil {
		var de *topo.DecodeError
		if errors.As(err, &de) {
			return nil, withCode(exitBadSnapshot, fmt.Errorf("%s: malformed snapshot: %w", name, err))
		}
		return nil, withCode(exitBadSnapshot, fmt.Errorf("%s: %w", name, err))
	}
	return s, nil
}

// withoutStopped drops containers that are not running, as a live inspection
// without --all would.
func withoutStopped(s *topo.Snapshot) *topo.Snapshot {
	out := *s
	out.Containers = nil
	for _, c := range s.Containers {
		if c.State == topo.StateRunning || c.State == topo.StatePaused || c.Namespace != "" {
			out.Containers = append(out.Containers, c)
		}
	}
	out.Sort()
	return &out
}
