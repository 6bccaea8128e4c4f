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

// liveSnapshot inspects the host of the daemon netviz is pointed at.
func liveSnapshot(ctx context.Context, o liveOptions) (*topo.Snapshot, error) {
	return inspectLive(ctx, o, nil)
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

// addressed is a runtime source that says where its daemon is (a URL such
// as unix:///var/run/docker.sock).
type addressed interface {
	Host() string
}

// inspectLive inspects the runtime and the kernel and firewall of its
// daemon's host (see openHost).
func inspectLive(ctx context.Context, o liveOptions, fw inspect.Firewall) (*topo.Snapshot, error) {
	h, err := openHost(ctx, o, fw)
	if err != nil {
		return nil, err
	}
	defer h.close()
	s, err := h.in.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	if h.warn != nil {
		s.Warnings = append([]topo.Warning{*h.warn}, s.Warnings...)
	}
	return s, nil
}

// liveHost is an open runtime with the kernel and firewall of its daemon's
// host, ready to inspect or follow.
type liveHost struct {
	src runtimeSource
	in  *inspect.Inspector
	// kernel is nil when the daemon's namespace cannot be reached.
	kernel *kernel.Kernel
	// rules is the firewall reader, nil when not asked for or when the
	// caller handed its own.
	rules *netfilter.Reader
	// warn says where the host is, or that it has no kernel view.
	warn *topo.Warning
}

func (h *liveHost) close() { h.src.Close() }

// openHost opens the runtime and finds its daemon's host: the network
// namespace the daemon lives in (locateDaemon), or none at all when that
// cannot be reached. With o.firewall, the packet filter and sysctls are
// read through fw when the daemon shares netviz's namespace (tests point
// it at a throwaway one; nil: netviz's own), in the daemon's namespace
// otherwise.
func openHost(ctx context.Context, o liveOptions, fw inspect.Firewall) (*liveHost, error) {
	name := cmp.Or(o.runtime, defaultRuntime)
	open, ok := runtimes[name]
	if !ok {
		return nil, usageErrorf("unknown container runtime %q", name)
	}
	src, err := open(o.host)
	if err != nil {
		return nil, err
	}
	k := kernel.New()
	var dh daemonHost
	if a, ok := src.(addressed); ok && o.hostNetns == "" {
		dh = locateDaemon(ctx, k, a.Host())
	} else if o.hostNetns != "" {
		dh.netns = o.hostNetns
	}
	h := &liveHost{src: src, warn: dh.warn, in: &inspect.Inspector{
		Runtime: src,
		Opts: inspect.Options{All: o.all, Version: netvizVersion(),
			Trace: func(phase string, took time.Duration) { slog.Debug("phase", "name", phase, "took", took) }},
	}}
	switch {
	case dh.unavailable():
		// No kernel, no firewall: netviz's own would be another host's.
	case dh.netns != "":
		h.kernel = kernel.NewWithOptions(kernel.Options{HostNetns: dh.netns})
		if o.firewall {
			h.rules = netfilter.New(netfilter.Options{Netns: dh.netns})
		}
	default:
		h.kernel = k
		if o.firewall && fw == nil {
			h.rules = netfilter.New(netfilter.Options{})
		}
	}
	if h.kernel != nil {
		h.in.Kernel = h.kernel
	}
	switch {
	case h.rules != nil:
		h.in.Firewall = h.rules
	case o.firewall && h.kernel != nil && fw != nil:
		h.in.Firewall = fw
	}
	return h, nil
}

// colorable reports whether w is a terminal that may get colour (NO_COLOR
// and TERM=dumb respected).
func colorable(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && termcolor.Enabled(f)
}
