package main

import (
	"cmp"
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

// liveSnapshot inspects the host netviz runs on.
func liveSnapshot(ctx context.Context, o liveOptions) (*topo.Snapshot, error) {
	var fw inspect.Firewall
	if o.firewall {
		fw = netfilter.New(netfilter.Options{})
	}
	return inspectLive(ctx, o, fw)
}

// runtimeSource is a container runtime to inspect, open until Close.
type runtimeSource interface {
	inspect.Runtime
	Close() error
}

// runtimes open each runtime netviz can inspect, by the name it gives
// itself, at host ("": the runtime's default).
var runtimes = map[string]func(host string) (runtimeSource, error){
	docker.Name: openDocker,
}

// defaultRuntime is the runtime inspected when none is named.
const defaultRuntime = docker.Name

func openDocker(host string) (runtimeSource, error) {
	src, err := docker.New(docker.Options{Host: host, PIDs: docker.RuntimePIDs{}})
	if err != nil {
		return nil, withCode(exitDaemon, fmt.Errorf("%w: %v", inspect.ErrDaemonUnreachable, err))
	}
	return src, nil
}

// inspectLive inspects the host's runtime and kernel, reading the packet
// filter and sysctls through fw (tests point it at a throwaway namespace).
func inspectLive(ctx context.Context, o liveOptions, fw inspect.Firewall) (*topo.Snapshot, error) {
	name := cmp.Or(o.runtime, defaultRuntime)
	open, ok := runtimes[name]
	if !ok {
		return nil, usageErrorf("unknown container runtime %q", name)
	}
	src, err := open(o.host)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	in := &inspect.Inspector{
		Runtime:  src,
		Kernel:   kernel.New(),
		Firewall: fw,
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
