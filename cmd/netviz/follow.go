package main

import (
	"context"
	"log/slog"

	"github.com/netviz/netviz/live"
	"github.com/netviz/netviz/topo"
)

// openFollower builds a live.Watcher for the daemon netviz is pointed at,
// with the same daemon and namespace logic as a snapshot (openHost): the
// daemon's host namespace is followed, or only the runtime's events when
// its kernel cannot be reached. An unreachable daemon fails here, with the
// same error and exit code as a snapshot. lo is the view's part of the
// watcher's options: Compare, what it shows changes with (diff.Compare),
// and OnResync; the logger is slog's default. The func closes what was
// opened; call it after Run has returned.
func openFollower(ctx context.Context, o liveOptions, lo live.Options) (*live.Watcher, func(), error) {
	h, err := openHost(ctx, o, nil)
	if err != nil {
		return nil, nil, err
	}
	if _, err := h.src.Describe(ctx); err != nil {
		h.close()
		return nil, nil, err
	}
	src := live.Sources{Inspector: h.in}
	if h.kernel != nil {
		src.Kernel = h.kernel
	}
	if h.rules != nil {
		src.Firewall = h.rules
	}
	if h.warn != nil {
		src.Warnings = []topo.Warning{*h.warn}
	}
	lo.Logger = slog.Default()
	w := live.New(src, lo)
	return w, h.close, nil
}
