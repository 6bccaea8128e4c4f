package main

import (
	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/topo"
)

// viewProblems runs netviz doctor's checks and returns, for the renderer to
// mark, the findings that concern view, the part of whole that is drawn.
// The checks see the whole host, not the view: on a filtered snapshot they
// would take what the filter left out for missing (a published port of a
// container not drawn would be forwarded to "no container"); diagnose.Within
// then keeps what the view is about, as netviz doctor does with its filters.
func viewProblems(whole, view *topo.Snapshot) []marks.Problem {
	fs := diagnose.Run(whole)
	if view != whole {
		fs = diagnose.Within(fs, view)
	}
	out := make([]marks.Problem, 0, len(fs))
	for _, f := range fs {
		out = append(out, marks.Problem{ID: f.ID, Severity: string(f.Severity), Subject: problemNames(f.Subject), Message: f.Message, Fix: f.Fix})
	}
	return out
}

// problemNames spells refs the way marks.Problem places them: a link in a
// container as the container's name followed by the link's.
func problemNames(refs []topo.Ref) []string {
	var out []string
	for _, r := range refs {
		if r.Kind == topo.RefInterface && r.Container != "" {
			out = append(out, r.Container)
		}
		out = append(out, r.Name)
	}
	return out
}
