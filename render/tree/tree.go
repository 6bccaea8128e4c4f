// Package tree draws a host as the Unicode (or ASCII) tree of netviz
// docker: the uplink, each bridge with its veth pairs and the containers
// at their other ends, macvlan and ipvlan links under their parent, then
// the containers with no link of their own, the firewall, and the
// snapshot's warnings.
//
// Write is a pure function of its input: whether to colour is the
// command's decision (see render/termcolor), and colour follows the kind of
// thing named — bridge, veth, container, orphan, warning — never its name.
// Problems netviz doctor found are marked at the end of the lines they are
// about (see render/marks). IPv6 link-local addresses are left out.
package tree

import (
	"bytes"
	"cmp"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/netviz/netviz/explain"
	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/topo"
)

// Options say how Write draws.
type Options struct {
	// Color paints names by what they are — bridge, veth, container,
	// orphan, warning — with ANSI escapes. The command decides; see
	// render/termcolor.
	Color bool
	// ASCII draws branches with |- and `- and veth pairs with <->, for
	// consoles without box-drawing characters.
	ASCII bool
	// Problems are netviz doctor's findings, marked at the end of the
	// lines their subjects point at (see render/marks), "✖ id" for an error
	// and "⚠ id" for a warning ("!!" and "!" in ASCII); those about no line
	// mark the host's. A line after the tree counts them.
	Problems []topo.Finding
	// ByProject draws the bridges of each Docker Compose project's
	// networks under a "project NAME" heading that counts its services,
	// and names the service on its containers' lines (see group.go).
	ByProject bool
	// Explain writes under each line the commands that show its facts by
	// hand (package explain), with what to look for in their output.
	Explain bool
	// Recorded says the snapshot was read from a file: the explained
	// commands are for the host it was taken on, with the PIDs of then.
	Recorded bool
}

// Write writes the host as a tree: the uplink, then each bridge with
// its ports (the host end of each veth pair, the container end, its
// addresses and MAC), macvlan and ipvlan links under their parent link,
// veths with no bridge, and then the containers that have no link of
// their own — host network, no network, stopped — with warnings last.
//
// Bridges are sorted by name, ports by container then interface, orphans
// (veths whose peer no container owns) after them. IPv6 link-local
// addresses are left out. Things about a container's namespace — who
// else shares it, its published ports, its problems — are shown under or on
// its first link.
func Write(w io.Writer, s *topo.Snapshot, opt Options) error {
	if s == nil {
		return errors.New("render: no snapshot to draw")
	}
	glyphs := unicodeGlyphs
	if opt.ASCII {
		glyphs = asciiGlyphs
	}
	var buf bytes.Buffer
	tw := writer{out: &buf, color: opt.Color, glyphs: glyphs}
	b := newBuilder(s, glyphs, opt.Problems)
	b.byProject = opt.ByProject
	if opt.Explain {
		b.ex = explain.New(s)
		tw.explainHeader(s, opt, b.ex)
	}
	tw.tree(b.build())
	tw.problems(b.marks.Problems())
	tw.warnings(s.Warnings)
	_, err := w.Write(buf.Bytes())
	return err
}

// builder turns a snapshot into tree nodes.
type builder struct {
	s          *topo.Snapshot
	glyphs     glyphSet
	containers map[string]*topo.Container
	// sharers are, by owner, the other containers in the owner's namespace.
	sharers map[string][]string
	// shown are the containers already in the tree.
	shown map[string]bool
	// subs are the macvlan and ipvlan links in containers, by parent link.
	subs  map[string][]subLink
	marks *marks.Marks
	// ex gives each line its commands with Options.Explain; nil without.
	ex *explain.Explainer
	// firstLine is, by container, the line its namespace's problems go on.
	firstLine map[string]*node
	// byProject groups by compose project; bridgeProject is, by bridge, the
	// project whose heading it is drawn under.
	byProject     bool
	bridgeProject map[string]string
}

type subLink struct {
	c     *topo.Container
	iface topo.Interface
}

func newBuilder(s *topo.Snapshot, glyphs glyphSet, problems []topo.Finding) *builder {
	b := &builder{
		s:          s,
		glyphs:     glyphs,
		containers: map[string]*topo.Container{},
		sharers:    map[string][]string{},
		shown:      map[string]bool{},
		subs:       map[string][]subLink{},
		marks:      marks.New(s, problems),
		firstLine:  map[string]*node{},
	}
	for i := range s.Containers {
		b.containers[s.Containers[i].Name] = &s.Containers[i]
	}
	share := func(owner, name string) {
		if owner != "" && name != "" && owner != name && !slices.Contains(b.sharers[owner], name) {
			b.sharers[owner] = append(b.sharers[owner], name)
		}
	}
	for _, ns := range s.Namespaces {
		for _, c := range ns.Containers {
			share(ns.Owner, c)
		}
	}
	for _, c := range s.Containers {
		share(c.SharesNamespaceWith, c.Name)
	}
	for _, p := range s.Pairs {
		for _, c := range p.SharedWith {
			share(p.Container, c)
		}
	}
	for _, names := range b.sharers {
		slices.Sort(names)
	}
	for i := range s.Containers {
		c := &s.Containers[i]
		if c.SharesNamespaceWith != "" {
			continue // its owner lists the namespace's links
		}
		for _, iface := range c.Interfaces {
			if iface.Kind == topo.KindMacvlan || iface.Kind == topo.KindIpvlan {
				b.subs[iface.Parent] = append(b.subs[iface.Parent], subLink{c, iface})
			}
		}
	}
	for _, subs := range b.subs {
		slices.SortStableFunc(subs, func(x, y subLink) int {
			return cmp.Or(strings.Compare(x.c.Name, y.c.Name), strings.Compare(x.iface.Name, y.iface.Name))
		})
	}
	return b
}

func (b *builder) build() *node {
	s := b.s
	root := &node{cells: []cell{{spans: []span{{"host ", textPlain}, {cmp.Or(s.Host.Hostname, "?"), textHost}}}}}
	if s.Host.Kernel != "" {
		root.cells = append(root.cells, cellOf(textPlain, "kernel "+s.Host.Kernel))
	}
	if r := s.Host.Runtime; r.Version != "" {
		root.cells = append(root.cells, cellOf(textPlain, cmp.Or(r.Name, "runtime")+" "+r.Version))
	}

	if n := b.swarmNode(); n != nil {
		root.add(n)
	}
	bridges := b.bridges()
	uplink := s.Host.Uplink
	switch i := slices.IndexFunc(bridges, func(br topo.Bridge) bool { return br.Name == uplink }); {
	case uplink == "" && !slices.ContainsFunc(s.Namespaces, func(n topo.Namespace) bool { return n.Host }):
		// The host's namespace was not read (no kernel view): nothing is
		// known of its routes.
	case uplink == "":
		root.add(&node{cells: []cell{cellOf(textWarning, "no uplink: the host has no default route")}})
	case i >= 0: // a bridge holds the NIC: draw it first
		bridges = slices.Concat(bridges[i:i+1], bridges[:i], bridges[i+1:])
	default:
		root.add(b.uplinkNode(uplink))
	}
	plain, projects := b.splitByProject(bridges)
	for _, br := range plain {
		root.add(b.bridgeNode(br))
	}
	root.add(b.projectNodes(projects)...)
	for _, o := range s.Overlays {
		root.add(b.overlayNode(o))
	}

	drawn := map[string]bool{uplink: true} // host links whose line carries their subs
	for _, br := range bridges {
		drawn[br.Name] = true
	}
	for _, p := range s.Pairs {
		if p.HostNamespace == "" {
			drawn[p.HostInterface] = true
		}
	}
	parents := make([]string, 0, len(b.subs))
	for p := range b.subs {
		if !drawn[p] {
			parents = append(parents, p)
		}
	}
	slices.Sort(parents)
	for _, p := range parents {
		root.add(b.parentNode(p))
	}

	root.add(b.unbridged()...)
	root.add(b.leftovers()...)
	if n := b.firewallNode(); n != nil {
		root.add(n)
	}

	// A container's own problems, and those of its links the tree does not
	// draw, go on the line its namespace's details hang under.
	for _, c := range s.Containers {
		if n := b.firstLine[c.Name]; n != nil {
			n.problems = marks.Union(n.problems, b.marks.Container(c.Name), b.marks.Rest(c.Name))
		}
	}
	root.problems = b.marks.HostWide()
	b.explainHost(root)
	b.explainProblems(root)
	b.markLines(root)
	return root
}

// unbridged are the host veths on no bridge: those of containers (and of
// Docker's own namespaces) one a line, then the orphans under a heading.
func (b *builder) unbridged() []*node {
	var out, orphans []*node
	for _, p := range b.pairs("") {
		if p.Container == "" && p.Sandbox == "" {
			orphans = append(orphans, b.pairNode(p, nil))
		} else {
			out = append(out, b.pairNode(p, nil))
		}
	}
	if len(orphans) > 0 {
		n := &node{cells: []cell{cellOf(textOrphan, "orphan veths"), cellOf(textPlain, "(no container owns the peer)")}}
		n.add(orphans...)
		out = append(out, n)
	}
	return out
}

// markLines turns each line's problems into a last cell.
func (b *builder) markLines(n *node) {
	if ps := b.marks.List(n.problems); len(ps) > 0 {
		n.cells = append(n.cells, b.problemCell(ps))
	}
	for _, k := range n.children {
		b.markLines(k)
	}
}

func (b *builder) problemCell(ps []topo.Finding) cell {
	var c cell
	for _, l := range marks.Lines(ps, b.glyphs.problem, 0) {
		if len(c.spans) > 0 {
			c.spans = append(c.spans, span{" ", textPlain})
		}
		c.spans = append(c.spans, span{l.Text, problemTextKind(l.Severity)})
	}
	return c
}

// bridges are the snapshot's bridges by name, and any a pair names that
// the snapshot does not list.
func (b *builder) bridges() []topo.Bridge {
	out := slices.Clone(b.s.Bridges)
	known := map[string]bool{}
	for _, br := range out {
		known[br.Name] = true
	}
	for _, p := range b.s.Pairs {
		if p.Bridge != "" && !known[p.Bridge] && !b.inSandbox(p) {
			known[p.Bridge] = true
			out = append(out, topo.Bridge{Name: p.Bridge, Network: p.Network})
		}
	}
	slices.SortFunc(out, func(a, b topo.Bridge) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// pairs are the pairs whose host end is on bridge ("" for none) in the
// host namespace, those with a container first by container, interface
// and host veth, then orphans by host veth.
func (b *builder) pairs(bridge string) []topo.Pair {
	return b.pairsIn("", bridge)
}

// inSandbox says whether a pair's "host" end is in one of Docker's own
// namespaces (an overlay sandbox's br0), not in the host's.
func (b *builder) inSandbox(p topo.Pair) bool {
	return p.HostNamespace != "" && p.HostNamespace != b.s.Host.Namespace
}

// pairsIn are the pairs whose "host" end is on bridge in namespace ns
// ("" for the host's), sorted as pairs says.
func (b *builder) pairsIn(ns, bridge string) []topo.Pair {
	var out []topo.Pair
	for _, p := range b.s.Pairs {
		in := ""
		if b.inSandbox(p) {
			in = p.HostNamespace
		}
		if p.Bridge == bridge && in == ns {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(x, y topo.Pair) int {
		if (x.Container == "") != (y.Container == "") {
			if x.Container == "" {
				return 1
			}
			return -1
		}
		if x.Container == "" {
			return strings.Compare(x.HostInterface, y.HostInterface)
		}
		return cmp.Or(
			strings.Compare(x.Container, y.Container),
			strings.Compare(x.ContainerInterface, y.ContainerInterface),
			strings.Compare(x.HostInterface, y.HostInterface),
		)
	})
	return out
}
