// Package marks places netviz doctor's problems on what a view draws: the
// tree's lines, a diagram's nodes and clusters. It decides where a problem
// goes and remembers which problems a view has drawn, so that the rest can
// be marked on the host; how a mark looks is the view's business.
package marks

import (
	"cmp"
	"slices"

	"github.com/netviz/netviz/topo"
)

// Problem is something wrong on the host, marked by the tree and the
// diagrams where it is: one of netviz doctor's findings, which the command
// hands over (render does not run the checks). Only errors and warnings are
// drawn; a problem of any other severity (info) is left out of every view.
//
// A view places a problem by the names in its Subject:
//   - a container's name marks the container: its cluster in a diagram (or
//     the node it is drawn in when it is grouped, stopped or in the host's
//     namespace), in the tree the line of its first link, or its name where
//     the tree lists it without one;
//   - but a container's name followed by the name of one of its links
//     ("web1", "eth0") marks that link instead;
//   - the name of a host link (the uplink, a bridge, the host end of a veth,
//     a NIC) marks that link;
//   - a Docker network's name marks its bridge.
//
// Other names (sysctls, chains, routes, ports, addresses) mark nothing. A
// problem that marks nothing a view draws is about the host as a whole and
// is marked on the host: the host cluster of a diagram, the first line of
// the tree.
type Problem struct {
	ID       string   `json:"id"`
	Severity string   `json:"severity"`
	Subject  []string `json:"subject"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix,omitempty"`
}

// Problem severities that are drawn.
const (
	Error   = "error"
	Warning = "warning"
)

// Severities are the drawn severities, most serious first.
func Severities() []string { return []string{Error, Warning} }

// Glyph is the sign before the IDs of a mark in diagrams and the Unicode
// tree.
func Glyph(severity string) string {
	switch severity {
	case Error:
		return "✖"
	case Warning:
		return "⚠"
	}
	return ""
}

// Rank orders severities: 0 for an error, 1 for a warning, 2 for what is
// not drawn.
func Rank(severity string) int {
	if i := slices.Index(Severities(), severity); i >= 0 {
		return i
	}
	return len(Severities())
}

// place is where a problem is marked: a container (link ""), a link in a
// container, or a host link (container "").
type place struct {
	container, link string
}

// Marks places problems on a snapshot and records which a view drew, so
// that the rest can be marked on the host. A problem is known by its index
// in Problems.
type Marks struct {
	problems []Problem // errors, then warnings, each in the order given
	at       map[place][]int
	placed   []bool
}

// New places the errors and warnings among given on s.
func New(s *topo.Snapshot, given []Problem) *Marks {
	m := &Marks{at: map[place][]int{}}
	for _, p := range given {
		if Rank(p.Severity) < len(Severities()) {
			m.problems = append(m.problems, p)
		}
	}
	slices.SortStableFunc(m.problems, func(a, b Problem) int { return cmp.Compare(Rank(a.Severity), Rank(b.Severity)) })
	m.placed = make([]bool, len(m.problems))
	if len(m.problems) == 0 {
		return m
	}
	names := indexNames(s)
	for i, p := range m.problems {
		for _, pl := range names.places(p.Subject) {
			if !slices.Contains(m.at[pl], i) {
				m.at[pl] = append(m.at[pl], i)
			}
		}
	}
	return m
}

// names are what the names in a subject can stand for in one snapshot.
type names struct {
	containers map[string]bool
	links      map[string]map[string]bool // container → names of its links
	hostLinks  map[string]bool
	bridgeOf   map[string]string // network → its bridge
}

func indexNames(s *topo.Snapshot) names {
	n := names{containers: map[string]bool{}, links: map[string]map[string]bool{},
		hostLinks: map[string]bool{s.Host.Uplink: true}, bridgeOf: map[string]string{}}
	addLink := func(c, name string) {
		if c == "" || name == "" {
			return
		}
		if n.links[c] == nil {
			n.links[c] = map[string]bool{}
		}
		n.links[c][name] = true
	}
	for _, c := range s.Containers {
		n.containers[c.Name] = true
		for _, i := range c.Interfaces {
			addLink(c.Name, i.Name)
		}
	}
	for _, i := range s.Interfaces {
		n.hostLinks[i.Name] = true
	}
	for _, br := range s.Bridges {
		n.hostLinks[br.Name] = true
	}
	for _, p := range s.Pairs {
		n.hostLinks[p.HostInterface] = true
		addLink(p.Container, p.ContainerInterface)
		for _, c := range p.SharedWith {
			addLink(c, p.ContainerInterface)
		}
	}
	delete(n.hostLinks, "")
	for _, nw := range s.Networks {
		if nw.Bridge != "" {
			n.bridgeOf[nw.Name] = nw.Bridge
		}
	}
	return n
}

// places reads a subject as Problem describes.
func (n names) places(subject []string) []place {
	var out []place
	for j := 0; j < len(subject); j++ {
		name := subject[j]
		switch {
		case n.containers[name] && j+1 < len(subject) && n.links[name][subject[j+1]]:
			out = append(out, place{name, subject[j+1]})
			j++
		case n.containers[name]:
			out = append(out, place{container: name})
		case n.hostLinks[name]:
			out = append(out, place{link: name})
		case n.bridgeOf[name] != "":
			out = append(out, place{link: n.bridgeOf[name]})
		}
	}
	return out
}

// Problems are the problems to draw: errors, then warnings, each in the
// order given.
func (m *Marks) Problems() []Problem { return m.problems }

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

// Container returns the problems marked on a container as a whole.
func (m *Marks) Container(name string) []int {
	return m.take(place{container: name})
}

// Link returns the problems marked on a link inside a container.
func (m *Marks) Link(container, name string) []int {
	if name == "" {
		return nil
	}
	return m.take(place{container, name})
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
func (m *Marks) List(ix []int) []Problem {
	ix = Union(ix)
	if len(ix) == 0 {
		return nil
	}
	out := make([]Problem, 0, len(ix))
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
func Worst(ps []Problem) string {
	worst := ""
	for _, p := range ps {
		if worst == "" || Rank(p.Severity) < Rank(worst) {
			worst = p.Severity
		}
	}
	return worst
}

// Line is one line of a mark: a glyph and the IDs of one severity.
type Line struct {
	Severity, Text string
}

// Lines writes the IDs of ps by severity, most serious first, each ID once,
// after the severity's glyph; a line longer than width (if > 0) goes on in
// another, glyph first again.
func Lines(ps []Problem, glyph func(severity string) string, width int) []Line {
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
