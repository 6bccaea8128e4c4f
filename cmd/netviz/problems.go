package main

import (
	"slices"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/render"
	"github.com/netviz/netviz/topo"
)

// viewProblems runs netviz doctor's checks and returns, for the renderer to
// mark, the findings that concern view, the part of whole that is drawn.
//
// The checks see the whole host, not the view: on a filtered snapshot they
// would take what the filter left out for missing (a published port of a
// container not drawn would be forwarded to "no container"). A finding
// concerns the view when the object it is about — the first of its subjects
// that names a container, network or host link — is in it; one about no
// such object (a sysctl, the firewall, the host) concerns every view.
func viewProblems(whole, view *topo.Snapshot) []render.Problem {
	var out []render.Problem
	for _, f := range diagnose.Run(whole) {
		if view != whole && !concerns(f, whole, view) {
			continue
		}
		out = append(out, render.Problem{ID: f.ID, Severity: f.Severity, Subject: f.Subject, Message: f.Message, Fix: f.Fix})
	}
	return out
}

func concerns(f diagnose.Finding, whole, view *topo.Snapshot) bool {
	for _, name := range f.Subject {
		if names(whole, name) {
			return names(view, name)
		}
	}
	return true
}

// names reports whether name is a container, network or host link of s.
func names(s *topo.Snapshot, name string) bool {
	return slices.ContainsFunc(s.Containers, func(c topo.Container) bool { return c.Name == name }) ||
		slices.ContainsFunc(s.Networks, func(n topo.Network) bool { return n.Name == name }) ||
		slices.ContainsFunc(s.Interfaces, func(i topo.Interface) bool { return i.Name == name }) ||
		slices.ContainsFunc(s.Bridges, func(b topo.Bridge) bool { return b.Name == name }) ||
		slices.ContainsFunc(s.Pairs, func(p topo.Pair) bool { return p.HostInterface == name })
}
