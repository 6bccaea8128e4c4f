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
	project   string
	// firewall is set by commands that need the packet filter and sysctls.
	firewall bool
}

func (o *sourceOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.from, "from", "", "read a saved snapshot (netviz docker --format json) instead of the live host; - for stdin")
	addDaemonFlags(fs, &o.host, "Docker daemon to inspect")
	fs.BoolVarP(&o.all, "all", "a", false, "include stopped and created containers")
	o.addFilterFlags(fs, "show")
}

// addFilterFlags adds the flags that pick part of the host: --network,
// --container, --project. verb is what the command does with it ("show",
// "draw").
func (o *sourceOptions) addFilterFlags(fs *pflag.FlagSet, verb string) {
	fs.StringVar(&o.network, "network", "", verb+" only this Docker network (name or ID)")
	fs.StringVar(&o.container, "container", "", verb+" only this container (name or ID) and those sharing its namespace")
	fs.StringVar(&o.project, "project", "", verb+" only this Docker Compose project: its containers and networks")
}

// filter is the part of the host the flags pick.
func (o *sourceOptions) filter() topo.Filter {
	return topo.Filter{Network: o.network, Container: o.container, Project: o.project}
}

// unfiltered is o without the flags that pick part of the host, for
// commands that must read the whole host and pick afterwards.
func (o sourceOptions) unfiltered() sourceOptions {
	o.network, o.container, o.project = "", "", ""
	return o
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
	s, err = o.filter().Apply(whole)
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
