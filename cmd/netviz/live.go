package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/inspect/docker"
	"github.com/netviz/netviz/inspect/kernel"
	"github.com/netviz/netviz/inspect/netfilter"
	"github.com/netviz/netviz/render/termcolor"
	"github.com/netviz/netviz/topo"
)

// liveSnapshot inspects the Docker host netviz runs on.
func liveSnapshot(ctx context.Context, o liveOptions) (*topo.Snapshot, error) {
	var nf inspect.Netfilter
	if o.firewall {
		nf = netfilter.New(netfilter.Options{})
	}
	return inspectLive(ctx, o, nf)
}

// inspectLive inspects the Docker host, reading the packet filter and
// sysctls through nf (tests point it at a throwaway namespace).
func inspectLive(ctx context.Context, o liveOptions, nf inspect.Netfilter) (*topo.Snapshot, error) {
	src, err := docker.New(docker.Options{Host: o.host, PIDs: docker.RuntimePIDs{}})
	if err != nil {
		return nil, withCode(exitDaemon, fmt.Errorf("%w: %v", inspect.ErrDaemonUnreachable, err))
	}
	defer src.Close()
	in := &inspect.Inspector{
		Docker:    src,
		Kernel:    kernel.New(),
		Netfilter: nf,
		Opts: inspect.Options{All: o.all, Version: netvizVersion(),
			Trace: func(phase string, took time.Duration) { slog.Debug("phase", "name", phase, "took", took) }},
	}
	return in.Snapshot(ctx)
}

// colorable reports whether w is a terminal that may get colour (NO_COLOR
// and TERM=dumb respected).
func colorable(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && termcolor.Enabled(f)
}
