package diagram

import (
	"slices"

	"github.com/netviz/netviz/explain"
	"github.com/netviz/netviz/topo"
)

// Each node and cluster carries the commands that show its facts by hand
// (package explain): the HTML page lists them in its details panel, and any
// page built from the diagram's data gets them too. The builder's hooks
// note them by element ID as the elements are made; attachExplain puts
// them on the elements at the end, with the commands of their problems.

// explain notes the commands of the element id.
func (b *builder) explain(id string, cmds ...[]explain.Command) {
	for _, c := range cmds {
		b.explained[id] = append(b.explained[id], c...)
	}
}

// explainHostLink notes the commands of a host link: the uplink's, a host
// veth's (its pair), or any other link's.
func (b *builder) explainHostLink(id, name string, p *topo.Pair) {
	switch {
	case name == b.s.Host.Uplink:
		b.explain(id, b.ex.Uplink(name))
	case p != nil:
		b.explain(id, b.ex.Pair(*p))
	default:
		b.explain(id, b.ex.HostLink(name))
	}
}

// explainContainers notes, on a namespace's cluster, the commands of the
// containers in it and their published ports, or of the namespace itself
// when no container owns it.
func (b *builder) explainContainers(id string, n *netns) {
	for _, c := range n.containers {
		b.explain(id, b.ex.Container(c), b.ex.Ports(c))
	}
	if len(n.containers) == 0 && n.ns != nil {
		b.explain(id, b.ex.Namespace(n.ns))
	}
}

// explainLink notes the commands of link i in namespace n; none for the
// stand-in drawn when the namespace's links could not be read.
func (b *builder) explainLink(id string, n *netns, i topo.Interface) {
	if i.Kind == "" && i.Index == 0 {
		return
	}
	if len(n.containers) > 0 {
		b.explain(id, b.ex.ContainerInterface(n.containers[0], i))
		return
	}
	b.explain(id, b.ex.NamespaceInterface(n.id, i))
}

func (b *builder) attachExplain() {
	attach := func(id string, problems []topo.Finding) []explain.Command {
		cmds := b.explained[id]
		for _, f := range problems {
			for _, c := range b.ex.Finding(f) {
				if !slices.ContainsFunc(cmds, func(o explain.Command) bool { return o.Line == c.Line }) {
					c.What = f.ID + ": " + c.What
					cmds = append(cmds, c)
				}
			}
		}
		return cmds
	}
	for i := range b.d.Clusters {
		c := &b.d.Clusters[i]
		if note := b.ex.HostNote(); note != "" && c.Kind == ClusterHost {
			c.Details = append(c.Details, Field{Key: "commands", Value: note})
		}
		c.Explain = attach(c.ID, c.Problems)
		for j := range c.Nodes {
			c.Nodes[j].Explain = attach(c.Nodes[j].ID, c.Nodes[j].Problems)
		}
	}
	for j := range b.d.Nodes {
		b.d.Nodes[j].Explain = attach(b.d.Nodes[j].ID, b.d.Nodes[j].Problems)
	}
}
