// Package marks places netviz doctor's findings on what a view draws: the
// tree's lines, a diagram's nodes and clusters. It decides where a finding
// goes and remembers which a view has drawn, so that the rest can be marked
// on the host; how a mark looks is the view's business.
//
// A finding is placed by the typed refs of its subject, never by parsing
// names:
//   - a container ref marks the container: its cluster in a diagram (or
//     the node it is drawn in when it is grouped, stopped or in the host's
//     namespace), in the tree the line of its first link, or its name where
//     the tree lists it without one;
//   - an interface ref with a container marks that link of that container
//     (the container itself when the view does not draw the link);
//   - an interface ref in the host namespace, or a bridge ref, marks that
//     host link (the uplink, a bridge, the host end of a veth, a NIC);
//   - a network ref marks its bridge.
//
// Other refs (settings, rules, routes, ports, addresses, the host) mark
// nothing. A finding that marks nothing a view draws is about the host as
// a whole and is marked on the host: the host cluster of a diagram, the
// first line of the tree. Only errors and warnings are drawn.
package marks

import (
	"cmp"
	"slices"

	"github.com/netviz/netviz/topo"
)

// Severities are the drawn severities, most serious first: a finding of
// any other severity (info) is left out of every view.
func Severities() []topo.Severity { return []topo.Severity{topo.SeverityError, topo.SeverityWarning} }

// Look is how a drawn severity looks, in every view.
type Look struct {
	// Glyph goes before the IDs of a mark in diagrams and the Unicode tree;
	// ASCII in the ASCII tree.
	Glyph, ASCII string
	// Color is the diagrams' colour of a marked border and its IDs.
	Color string
	// Legend is what a diagram's legend says the mark means.
	Legend string
}

// LookOf is how severity is drawn; the zero Look for one that is not.
func LookOf(severity topo.Severity) Look {
	switch severity {
	case topo.SeverityError:
		return Look{Glyph: "✖", ASCII: "!!", Color: "#dc2626", Legend: "error found by netviz doctor, with its ID"}
	case topo.SeverityWarning:
		return Look{Glyph: "⚠", ASCII: "!", Color: "#d97706", Legend: "warning found by netviz doctor, with its ID"}
	}
	return Look{}
}

// Glyph is the sign before the IDs of a mark in diagrams and the Unicode
// tree.
func Glyph(severity topo.Severity) string { return LookOf(severity).Glyph }

// ASCIIGlyph is Glyph in the ASCII tree.
func ASCIIGlyph(severity topo.Severity) string { return LookOf(severity).ASCII }

func drawn(severity topo.Severity) bool { return severity.Rank() < len(Severities()) }

// place is where a problem is marked: a container (link ""), a link in a
// container, or a host link (container ""); on a Swarm node also a link in
// one of Docker's own namespaces (ns set: an overlay sandbox's vxlan0 or
// br0, ingress_sbox's legs) or an overlay network as a whole (overlay set).
type place struct {
	container, link string
	ns, overlay     string
}

// Marks places findings on a snapshot and records which a view drew, so
// that the rest can be marked on the host. A finding is known by its index
// in Problems.
type Marks struct {
	problems []topo.Finding // errors, then warnings, each in the order given
	at       map[place][]int
	placed   []bool
}

// New places the errors and warnings among given on s.
func New(s *topo.Snapshot, given []topo.Finding) *Marks {
	m := &Marks{at: map[place][]int{}}
	for _, f := range given {
		if drawn(f.Severity) {
			m.problems = append(m.problems, f)
		}
	}
	slices.SortStableFunc(m.problems, func(a, b topo.Finding) int { return cmp.Compare(a.Severity.Rank(), b.Severity.Rank()) })
	m.placed = make([]bool, len(m.problems))
	bridgeOf := map[string]string{} // network → its bridge
	overlays := map[string]bool{}   // overlay networks this node holds a sandbox of
	for _, n := range s.Networks {
		if n.Bridge != "" {
			bridgeOf[n.Name] = n.Bridge
		}
	}
	for _, o := range s.Overlays {
		overlays[o.Network] = true
	}
	for i, f := range m.problems {
		for _, r := range f.Subject {
			pl, ok := placeOf(r, s.Host.Namespace, bridgeOf, overlays)
			if ok && !slices.Contains(m.at[pl], i) {
				m.at[pl] = append(m.at[pl], i)
			}
		}
	}
	return m
}

// placeOf is where ref r marks, as the package doc says.
func placeOf(r topo.Ref, hostNS string, bridgeOf map[string]string, overlays map[string]bool) (place, bool) {
	switch {
	case r.Name == "":
		return place{}, false
	case r.Kind == topo.RefContainer:
		return place{container: r.Name}, true
	case r.Kind == topo.RefInterface && r.Container != "":
		return place{container: r.Container, link: r.Name}, true
	case r.InHost(hostNS), r.Kind == topo.RefBridge:
		return place{link: r.Name}, true
	case r.Kind == topo.RefInterface:
		// A link of a namespace no container owns: an overlay sandbox's
		// br0 or vxlan0, a leg of ingress_sbox or of a load balancer.
		return place{ns: r.Namespace, link: r.Name}, true
	case r.Kind == topo.RefNetwork && bridgeOf[r.Name] != "":
		return place{link: bridgeOf[r.Name]}, true
	case r.Kind == topo.RefNetwork && overlays[r.Name]:
		return place{overlay: r.Name}, true
	}
	return place{}, false
}

// Problems are the problems to draw: errors, then warnings, each in the
// order given.
func (m *Marks) Problems() []topo.Finding { return m.problems }

func (m *Marks) take(pl place) []int {
	ix := m.at[pl]
	for _, i := range ix {
		m.placed[i] = true
	}
	return ix
}

// Host returns the problems marked on a host link.
func (m *Marks) Host(link string) []int {
	if link == "" {
		return nil
	}
	return m.take(place{link: link})
}

// Namespaced returns the problems marked on a link in namespace ns that
// belongs to no container: Docker's overlay sandboxes, ingress_sbox, lb_.
func (m *Marks) Namespaced(ns, link string) []int {
	if ns == "" || link == "" {
		return nil
	}
	return m.take(place{ns: ns, link: link})
}

// Overlay returns the problems marked on an overlay network as a whole
// (overlay-mtu, overlay-partitioned name the network).
func (m *Marks) Overlay(network string) []int {
	if network == "" {
		return nil
	}
	return m.take(place{overlay: network})
}

// Container returns the problems marked on a container as a whole.
func (m *Marks) Container(name string) []int {
	return m.take(place{container: name})
}

// Link returns the problems marked on a link inside a container.
func (m *Marks) Link(container, name string) []int {
	if name == "" {
		return nil
	}
	return m.take(place{container: container, link: name})
}

// Rest returns the problems marked on links of a container that the view
// has not drawn anywhere yet: the view marks them on the container.
func (m *Marks) Rest(container string) []int {
	var out []int
	for pl, ix := range m.at {
		if pl.container != container || pl.link == "" {
			continue
		}
		for _, i := range ix {
			if !m.placed[i] {
				out = append(out, i)
			}
		}
	}
	for _, i := range out {
		m.placed[i] = true
	}
	return Union(out)
}

// HostWide returns the problems the view has drawn nowhere.
func (m *Marks) HostWide() []int {
	var out []int
	for i, done := range m.placed {
		if !done {
			out = append(out, i)
			m.placed[i] = true
		}
	}
	return out
}

// List returns the problems at ix, most serious first.
func (m *Marks) List(ix []int) []topo.Finding {
	ix = Union(ix)
	if len(ix) == 0 {
		return nil
	}
	out := make([]topo.Finding, 0, len(ix))
	for _, i := range ix {
		out = append(out, m.problems[i])
	}
	return out
}

// Union merges lists of problem indices into one, sorted, each once.
func Union(lists ...[]int) []int {
	var out []int
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Worst is the most serious severity among ps, "" for none.
func Worst(ps []topo.Finding) topo.Severity {
	var worst topo.Severity
	for _, p := range ps {
		if worst == "" || p.Severity.Rank() < worst.Rank() {
			worst = p.Severity
		}
	}
	return worst
}

// Line is one line of a mark: a glyph and the IDs of one severity.
type Line struct {
	Severity topo.Severity
	Text     string
}

// Lines writes the IDs of ps by severity, most serious first, each ID once,
// after the severity's glyph; a line longer than width (if > 0) goes on in
// another, glyph first again.
func Lines(ps []topo.Finding, glyph func(topo.Severity) string, width int) []Line {
	var out []Line
	for _, sev := range Severities() {
		var ids []string
		for _, p := range ps {
			if p.Severity == sev && !slices.Contains(ids, p.ID) {
				ids = append(ids, p.ID)
			}
		}
		line := ""
		for _, id := range ids {
			switch {
			case line == "":
				line = glyph(sev) + " " + id
			case width > 0 && len([]rune(line+", "+id)) > width:
				out = append(out, Line{sev, line})
				line = glyph(sev) + " " + id
			default:
				line += ", " + id
			}
		}
		if line != "" {
			out = append(out, Line{sev, line})
		}
	}
	return out
}
