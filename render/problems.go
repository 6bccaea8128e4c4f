package render

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

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
	ProblemError   = "error"
	ProblemWarning = "warning"
)

// problemSeverities are the drawn severities, most serious first.
var problemSeverities = []string{ProblemError, ProblemWarning}

// problemColors are the diagrams' colours for a problem's border and mark.
var problemColors = map[string]string{
	ProblemError:   "#dc2626",
	ProblemWarning: "#d97706",
}

// problemGlyphs go before the IDs of a mark in diagrams and the Unicode tree.
var problemGlyphs = map[string]string{
	ProblemError:   "✖",
	ProblemWarning: "⚠",
}

var problemLegend = map[string]string{
	ProblemError:   "error found by netviz doctor, with its ID",
	ProblemWarning: "warning found by netviz doctor, with its ID",
}

func problemRank(severity string) int {
	if i := slices.Index(problemSeverities, severity); i >= 0 {
		return i
	}
	return len(problemSeverities)
}

// problemPlace is where a problem is marked: a container (link ""), a link in
// a container, or a host link (container "").
type problemPlace struct {
	container, link string
}

// problemMarks places problems on a snapshot and records which a view drew,
// so that the rest can be marked on the host.
type problemMarks struct {
	problems []Problem // errors, then warnings, each in the order given
	at       map[problemPlace][]int
	placed   []bool
}

func newProblemMarks(s *topo.Snapshot, given []Problem) *problemMarks {
	m := &problemMarks{at: map[problemPlace][]int{}}
	for _, p := range given {
		if problemRank(p.Severity) < len(problemSeverities) {
			m.problems = append(m.problems, p)
		}
	}
	slices.SortStableFunc(m.problems, func(a, b Problem) int { return cmp.Compare(problemRank(a.Severity), problemRank(b.Severity)) })
	m.placed = make([]bool, len(m.problems))
	if len(m.problems) == 0 {
		return m
	}

	containers := map[string]bool{}
	links := map[string]map[string]bool{} // container → names of its links
	addLink := func(c, name string) {
		if c == "" || name == "" {
			return
		}
		if links[c] == nil {
			links[c] = map[string]bool{}
		}
		links[c][name] = true
	}
	for _, c := range s.Containers {
		containers[c.Name] = true
		for _, i := range c.Interfaces {
			addLink(c.Name, i.Name)
		}
	}
	hostLinks := map[string]bool{s.Host.Uplink: true}
	for _, i := range s.Interfaces {
		hostLinks[i.Name] = true
	}
	for _, br := range s.Bridges {
		hostLinks[br.Name] = true
	}
	for _, p := range s.Pairs {
		hostLinks[p.HostInterface] = true
		addLink(p.Container, p.ContainerInterface)
		for _, c := range p.SharedWith {
			addLink(c, p.ContainerInterface)
		}
	}
	delete(hostLinks, "")
	bridgeOf := map[string]string{}
	for _, n := range s.Networks {
		if n.Bridge != "" {
			bridgeOf[n.Name] = n.Bridge
		}
	}

	for i, p := range m.problems {
		var places []problemPlace
		for j := 0; j < len(p.Subject); j++ {
			name := p.Subject[j]
			switch {
			case containers[name] && j+1 < len(p.Subject) && links[name][p.Subject[j+1]]:
				places = append(places, problemPlace{name, p.Subject[j+1]})
				j++
			case containers[name]:
				places = append(places, problemPlace{container: name})
			case hostLinks[name]:
				places = append(places, problemPlace{link: name})
			case bridgeOf[name] != "":
				places = append(places, problemPlace{link: bridgeOf[name]})
			}
		}
		for _, pl := range places {
			if !slices.Contains(m.at[pl], i) {
				m.at[pl] = append(m.at[pl], i)
			}
		}
	}
	return m
}

func (m *problemMarks) take(pl problemPlace) []int {
	ix := m.at[pl]
	for _, i := range ix {
		m.placed[i] = true
	}
	return ix
}

// host returns the problems marked on a host link.
func (m *problemMarks) host(link string) []int {
	if link == "" {
		return nil
	}
	return m.take(problemPlace{link: link})
}

// container returns the problems marked on a container as a whole.
func (m *problemMarks) container(name string) []int {
	return m.take(problemPlace{container: name})
}

// link returns the problems marked on a link inside a container.
func (m *problemMarks) link(container, name string) []int {
	if name == "" {
		return nil
	}
	return m.take(problemPlace{container, name})
}

// rest returns the problems marked on links of a container that the view
// has not drawn anywhere yet: the view marks them on the container.
func (m *problemMarks) rest(container string) []int {
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
	return problemUnion(out)
}

// hostWide returns the problems the view has drawn nowhere.
func (m *problemMarks) hostWide() []int {
	var out []int
	for i, done := range m.placed {
		if !done {
			out = append(out, i)
			m.placed[i] = true
		}
	}
	return out
}

// list returns the problems at ix, most serious first.
func (m *problemMarks) list(ix []int) []Problem {
	ix = problemUnion(ix)
	if len(ix) == 0 {
		return nil
	}
	out := make([]Problem, 0, len(ix))
	for _, i := range ix {
		out = append(out, m.problems[i])
	}
	return out
}

// problemUnion merges lists of problem indices into one, sorted, each once.
func problemUnion(lists ...[]int) []int {
	var out []int
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// problemWorst is the most serious severity among ps, "" for none.
func problemWorst(ps []Problem) string {
	worst := ""
	for _, p := range ps {
		if worst == "" || problemRank(p.Severity) < problemRank(worst) {
			worst = p.Severity
		}
	}
	return worst
}

// problemMark is one line of a mark: a glyph and IDs of one severity.
type problemMark struct {
	severity, text string
}

// problemMarkLines writes the IDs of ps by severity, most serious first, each
// ID once, after the severity's glyph; a line longer than width (if > 0)
// goes on in another, glyph first again.
func problemMarkLines(ps []Problem, glyphs map[string]string, width int) []problemMark {
	var out []problemMark
	for _, sev := range problemSeverities {
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
				line = glyphs[sev] + " " + id
			case width > 0 && len([]rune(line+", "+id)) > width:
				out = append(out, problemMark{sev, line})
				line = glyphs[sev] + " " + id
			default:
				line += ", " + id
			}
		}
		if line != "" {
			out = append(out, problemMark{sev, line})
		}
	}
	return out
}

// problemSummary counts ps by severity with their IDs:
// "1 error (bridge-down), 2 warnings (mtu-mismatch)".
func problemSummary(ps []Problem) string {
	var parts []string
	for _, sev := range problemSeverities {
		n := 0
		var ids []string
		for _, p := range ps {
			if p.Severity == sev {
				n++
				if !slices.Contains(ids, p.ID) {
					ids = append(ids, p.ID)
				}
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s (%s)", diagramPlural(n, sev, sev+"s"), strings.Join(ids, ", ")))
		}
	}
	return strings.Join(parts, ", ")
}

// problemFields are the details of ps for the HTML panel: each message
// under its ID, then its fix.
func problemFields(ps []Problem) []Field {
	var out []Field
	for _, p := range ps {
		out = append(out, Field{Key: problemGlyphs[p.Severity] + " " + p.ID + " (" + p.Severity + ")", Value: p.Message})
		if p.Fix != "" {
			out = append(out, Field{Key: "fix", Value: p.Fix})
		}
	}
	return out
}
