package tree

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/netviz/netviz/explain"
	"github.com/netviz/netviz/render/termtext"
	"github.com/netviz/netviz/topo"
)

// With Options.Explain, each line of the tree carries the commands that
// show its facts by hand (package explain), written under it, indented and
// faint on a terminal. The builder's hooks below do nothing without it.

// explainHeader says, before the tree, where the commands run.
func (tw *writer) explainHeader(s *topo.Snapshot, opt Options, ex *explain.Explainer) {
	host := cmp.Or(s.Host.Hostname, "the host")
	line := "commands to see each fact by hand, to run as root on " + host
	if opt.Recorded {
		line += fmt.Sprintf(", with the PIDs and names the snapshot recorded (%s): a restarted container has others",
			s.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	tw.out.WriteString(colorize(tw.color, textCommand, termtext.Printable(line)) + "\n")
	if note := ex.HostNote(); note != "" {
		tw.out.WriteString(colorize(tw.color, textCommand, termtext.Printable(note)) + "\n")
	}
}

// commands writes a line's commands under it: "$ command", then what to
// look for. prefix is that of the line's children, so the branch to them
// runs on past the commands.
func (tw *writer) commands(prefix string, n *node) {
	if len(n.explain) == 0 {
		return
	}
	bar := tw.glyphs.space
	if len(n.children) > 0 {
		bar = tw.glyphs.pipe
	}
	for _, c := range n.explain {
		what := c.What
		if c.Optional {
			what = "(if installed) " + what
		}
		tw.out.WriteString(prefix + bar)
		tw.out.WriteString(colorize(tw.color, textCommand, "$ "+termtext.Printable(c.Line)))
		tw.out.WriteString("\n" + prefix + bar)
		tw.out.WriteString(colorize(tw.color, textCommand, "  "+termtext.Printable(what)))
		tw.out.WriteByte('\n')
	}
}

func (b *builder) explainHost(n *node) {
	if b.ex != nil {
		n.explain = b.ex.Host()
	}
}

func (b *builder) explainUplink(n *node, name string) {
	if b.ex != nil {
		n.explain = b.ex.Uplink(name)
	}
}

func (b *builder) explainLink(n *node, name string) {
	if b.ex != nil {
		n.explain = b.ex.HostLink(name)
	}
}

// explainBridge gives a bridge's line its own commands and its Docker
// network's, which the line names.
func (b *builder) explainBridge(n *node, br topo.Bridge) {
	if b.ex == nil {
		return
	}
	n.explain = b.ex.Bridge(br)
	for i := range b.s.Networks {
		if nw := &b.s.Networks[i]; nw.Bridge == br.Name {
			n.explain = append(n.explain, b.ex.Network(nw)...)
		}
	}
}

// explainSub is a macvlan or ipvlan link in a container.
func (b *builder) explainSub(n *node, c *topo.Container, i topo.Interface) {
	if b.ex != nil {
		n.explain = b.ex.ContainerInterface(c, i)
	}
}

// explainPair gives a veth pair's line the commands of both its ends.
func (b *builder) explainPair(n *node, p topo.Pair) {
	if b.ex == nil {
		return
	}
	n.explain = b.ex.Pair(p)
	i, ok := b.peerInterface(p)
	if !ok {
		return
	}
	if c, ok := b.containers[p.Container]; ok {
		n.explain = append(n.explain, b.ex.ContainerInterface(c, i)...)
		return
	}
	n.explain = append(n.explain, b.ex.NamespaceInterface(p.Namespace, i)...)
	if ns, ok := b.s.Namespace(p.Namespace); ok {
		for _, c := range b.ex.Namespace(ns) {
			// An unnamed namespace's link and the namespace itself are
			// both found with lsns.
			if !slices.ContainsFunc(n.explain, func(o explain.Command) bool { return o.Line == c.Line }) {
				n.explain = append(n.explain, c)
			}
		}
	}
}

// peerInterface is the container end of a pair as its namespace lists it,
// or as the pair describes it.
func (b *builder) peerInterface(p topo.Pair) (topo.Interface, bool) {
	if p.ContainerInterface == "" {
		return topo.Interface{}, false
	}
	ifs := b.s.NamespaceInterfaces(p.Namespace)
	if k := slices.IndexFunc(ifs, func(i topo.Interface) bool { return i.Name == p.ContainerInterface }); k >= 0 {
		return ifs[k], true
	}
	addrs := slices.Concat([]string{p.IPv4}, p.IPv6)
	addrs = slices.DeleteFunc(addrs, func(a string) bool { return a == "" })
	return topo.Interface{Name: p.ContainerInterface, Index: p.ContainerIfindex, Kind: topo.KindVeth,
		PeerIndex: p.HostIfindex, HostPeer: p.HostInterface, Addresses: addrs}, true
}

// explainPorts gives the line of a container's published ports their
// mappings and NAT rules.
func (b *builder) explainPorts(n *node, c *topo.Container) {
	if b.ex != nil {
		n.explain = b.ex.Ports(c)
	}
}

// explainContainer hangs a line for the container's namespace under its
// first link, with the namespace's commands.
func (b *builder) explainContainer(n *node, name string) {
	c, ok := b.containers[name]
	if b.ex == nil || !ok {
		return
	}
	cmds := b.ex.Container(c)
	if len(cmds) == 0 {
		return
	}
	desc := "namespace " + cmp.Or(c.Namespace, "?")
	if c.PID > 0 {
		desc += fmt.Sprintf(" (pid %d)", c.PID)
	}
	n.add(&node{cells: []cell{{spans: []span{{c.Name, textContainer}, {": " + desc, textPlain}}}}, explain: cmds})
}

// explainOther adds to a line that names containers — those sharing a
// namespace, those with no link of their own — the commands of one of them.
func (b *builder) explainOther(n *node, name string) {
	if c, ok := b.containers[name]; ok && b.ex != nil {
		n.explain = append(n.explain, b.ex.Container(c)...)
	}
}

func (b *builder) explainFirewall(n *node) {
	if b.ex != nil {
		n.explain = b.ex.Firewall()
	}
}

// explainProblems adds, under each line with problems, the commands that
// show the rules, settings and routes they are about.
func (b *builder) explainProblems(n *node) {
	if b.ex == nil {
		return
	}
	for _, f := range b.marks.List(n.problems) {
		for _, c := range b.ex.Finding(f) {
			if !slices.ContainsFunc(n.explain, func(o explain.Command) bool { return o.Line == c.Line }) {
				c.What = strings.TrimSpace(f.ID + ": " + c.What)
				n.explain = append(n.explain, c)
			}
		}
	}
	for _, k := range n.children {
		b.explainProblems(k)
	}
}
