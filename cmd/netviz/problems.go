package main

import (
	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/topo"
)

// viewProblems runs netviz doctor's checks and returns, for the renderer to
// mark, the findings that concern view, the part of whole that is drawn.
// The checks see the whole host, not the view: on a filtered snapshot they
// would take what the filter left out for missing (a published port of a
// container not drawn would be forwarded to "no container"); diagnose.Within
// then keeps what the view is about, as netviz doctor does with its filters.
//
// A snapshot without a kernel view has none: every check would be a guess.
func viewProblems(whole, view *topo.Snapshot) []topo.Finding {
	if refuseWithoutKernel(whole, "") != nil {
		return nil
	}
	fs := diagnose.Run(whole)
	if view != whole {
		fs = diagnose.Within(fs, view)
	}
	return fs
}
