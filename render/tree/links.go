package tree

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/render/termtext"
	"github.com/netviz/netviz/topo"
)

func (b *builder) uplinkNode(name string) *node {
	desc := "uplink"
	i, ok := b.s.HostInterface(name)
	if ok && i.Kind == topo.KindVeth {
		// Docker in LXC/LXD or in a container, a dockerd in a namespace of
		// its own: the way out is a veth whose peer is outside.
		desc = "uplink (veth, peer in the namespace outside)"
	}
	n := &node{cells: []cell{cellOf(textUplink, name), cellOf(textPlain, desc)}, problems: b.marks.Host(name)}
	if ok {
		n.cells = append(n.cells,
			cellOf(textPlain, i.State),
			cellOf(textPlain, strings.Join(topo.GlobalAddrs(i.Addresses), " ")),
			cellOf(textPlain, b.gateway(name)),
			cellOf(textPlain, mtu(i.MTU)))
	}
	n.add(b.subNodes(name)...)
	b.explainUplink(n, name)
	return n
}

// gateway is "via <gateway>" of the default route through link, IPv4 first.
func (b *builder) gateway(link string) string {
	var best *topo.Route
	for i, r := range b.s.Routes {
		if r.Dst == "default" && r.Interface == link && r.Gateway != "" &&
			(best == nil || r.Family < best.Family || r.Family == best.Family && r.Metric < best.Metric) {
			best = &b.s.Routes[i]
		}
	}
	if best == nil {
		return ""
	}
	return "via " + best.Gateway
}

func (b *builder) bridgeNode(br topo.Bridge) *node {
	desc := cellOf(textPlain, "bridge")
	if br.Network != "" {
		desc = cellOf(textPlain, fmt.Sprintf("bridge %q", br.Network))
	}
	if br.Name == b.s.Host.Uplink {
		desc = cell{spans: []span{{"uplink", textUplink}, {" bridge", textPlain}}}
	}
	n := &node{group: "bridge", problems: b.marks.Host(br.Name), cells: []cell{
		cellOf(textBridge, br.Name),
		desc,
		cellOf(textPlain, br.State),
		cellOf(textPlain, strings.Join(topo.GlobalAddrs(br.Addresses), " ")),
		cellOf(textPlain, mtu(br.MTU)),
	}}
	if br.Index > 0 { // a bridge the snapshot lists, not one only a pair names
		stp := "stp off"
		if br.STP {
			stp = "stp on"
		}
		n.cells = append(n.cells, cellOf(textPlain, stp), cellOf(textPlain, countOf(len(br.Ports), "port", "ports", "no ports")))
	}
	n.cells = append(n.cells, cellOf(textPlain, b.gateway(br.Name)))

	veths := map[string]bool{}
	for _, p := range b.pairs(br.Name) {
		veths[p.HostInterface] = true
		n.add(b.pairNode(p, &br))
	}
	for _, port := range br.Ports {
		if !veths[port] {
			n.add(b.linkNode(port))
		}
	}
	n.add(b.subNodes(br.Name)...)
	b.explainBridge(n, br)
	return n
}

// linkNode is a host link with no more to it than its own facts: a NIC on
// a bridge, a veth whose peer is in the host namespace too.
func (b *builder) linkNode(name string) *node {
	n := &node{group: "link", cells: []cell{cellOf(textHostLink, name), {}}, problems: b.marks.Host(name)}
	if i, ok := b.s.HostInterface(name); ok {
		n.cells[1] = cellOf(textPlain, i.Kind)
		n.cells = append(n.cells,
			cellOf(textPlain, i.State),
			cellOf(textPlain, strings.Join(topo.GlobalAddrs(i.Addresses), " ")),
			cellOf(textPlain, mtu(i.MTU)))
	}
	b.explainLink(n, name)
	return n
}

// parentNode is a host link that macvlan or ipvlan links sit on.
func (b *builder) parentNode(name string) *node {
	role := b.parentRole(name)
	var n *node
	if name == "" {
		n = &node{cells: []cell{cellOf(textWarning, role+" unknown")}}
	} else {
		n = b.linkNode(name)
		n.group = ""
		n.cells[1] = cellOf(textPlain, role)
	}
	n.add(b.subNodes(name)...)
	return n
}

// parentRole is "macvlan parent", "ipvlan parent" or "" for a host link.
func (b *builder) parentRole(name string) string {
	var kinds []string
	for _, sub := range b.subs[name] {
		if !slices.Contains(kinds, sub.iface.Kind) {
			kinds = append(kinds, sub.iface.Kind)
		}
	}
	if len(kinds) == 0 {
		return ""
	}
	slices.Sort(kinds)
	return strings.Join(kinds, "/") + " parent"
}

// subNodes are the macvlan and ipvlan links on host link parent.
func (b *builder) subNodes(parent string) []*node {
	var out []*node
	for _, sub := range b.subs[parent] {
		c, i := sub.c, sub.iface
		desc := i.Kind
		if net := b.subNetwork(c, i); net != "" {
			desc = fmt.Sprintf("%s %q", i.Kind, net)
		}
		n := &node{group: "sub", problems: b.marks.Link(c.Name, i.Name), cells: []cell{
			{spans: []span{{c.Name, textContainer}, {":" + i.Name, textPlain}}},
			cellOf(textPlain, desc),
			cellOf(textPlain, strings.Join(topo.GlobalAddrs(i.Addresses), " ")),
			cellOf(textPlain, i.MAC),
		}}
		if c.State != topo.StateRunning {
			n.cells = append(n.cells, cellOf(textStopped, c.State))
		}
		b.explainSub(n, c, i)
		b.details(n, c.Name)
		out = append(out, n)
	}
	return out
}

// subNetwork names the Docker network of a macvlan or ipvlan link: the
// inspector matches endpoints by MAC, which ipvlan links share with their
// parent, so fall back to the container's network of that driver and parent.
func (b *builder) subNetwork(c *topo.Container, i topo.Interface) string {
	if i.Network != "" {
		return i.Network
	}
	var found string
	for _, e := range c.Endpoints {
		if n, ok := b.s.Network(e.Network); ok && n.Driver == i.Kind && n.Parent == i.Parent {
			if found != "" {
				return ""
			}
			found = n.Name
		}
	}
	return found
}

// pairNode is one veth pair: host end ⇄ container end, addresses, MAC and
// whatever is odd about it. br is the bridge it is a port of, if any.
func (b *builder) pairNode(p topo.Pair, br *topo.Bridge) *node {
	iface := p.ContainerInterface
	if iface == "" && p.ContainerIfindex > 0 {
		iface = "if" + strconv.Itoa(p.ContainerIfindex) // as `ip link` writes an unknown peer
	}
	peer := cell{tight: true, spans: []span{{b.glyphs.pair + " ", textPlain}}}
	switch {
	case p.Container != "":
		peer.spans = append(peer.spans, span{p.Container, textContainer})
	case p.Sandbox != "":
		peer.spans = append(peer.spans, span{p.Sandbox, textSandbox})
	case p.NamespaceName != "":
		peer.spans = append(peer.spans, span{fmt.Sprintf("netns %q", p.NamespaceName), textOrphan})
	default:
		peer.spans = append(peer.spans, span{"netns " + termtext.PeerNamespace(p), textOrphan})
	}
	if iface != "" {
		peer.spans = append(peer.spans, span{":" + iface, textPlain})
	}
	addrs := topo.GlobalAddrs(p.IPv6)
	if p.IPv4 != "" {
		addrs = append([]string{p.IPv4}, addrs...)
	}
	group := "pair"
	if p.Container == "" && p.Sandbox == "" {
		group = "orphan" // their longer peer names would spread the ports of a bridge
	}
	n := &node{group: group, cells: []cell{
		cellOf(textVeth, p.HostInterface),
		peer,
		cellOf(textPlain, strings.Join(addrs, " ")),
		cellOf(textPlain, p.MAC),
	}}
	n.cells = append(n.cells, b.serviceCells(p)...)
	if p.Sandbox != "" {
		n.cells = append(n.cells, cellOf(textPlain, sandboxPeer(p, b.s)))
	}
	if b.inSandbox(p) {
		n.problems = b.marks.Namespaced(p.HostNamespace, p.HostInterface)
	} else {
		n.problems = b.marks.Host(p.HostInterface)
	}
	if p.Sandbox != "" {
		n.problems = marks.Union(n.problems, b.marks.Namespaced(p.Namespace, p.ContainerInterface))
	}
	if p.Container != "" {
		n.problems = marks.Union(n.problems, b.marks.Link(p.Container, p.ContainerInterface))
		for _, c := range p.SharedWith {
			n.problems = marks.Union(n.problems, b.marks.Link(c, p.ContainerInterface))
		}
	}

	if c, ok := b.containers[p.Container]; ok && c.State != topo.StateRunning {
		n.cells = append(n.cells, cellOf(textStopped, c.State))
	}
	if p.Namespace != "" && !p.Verified {
		n.cells = append(n.cells, cellOf(textWarning, "unverified"))
	}
	if hi, ok := b.s.HostInterface(p.HostInterface); ok && !b.inSandbox(p) {
		if hi.State != "" && hi.State != "up" {
			n.cells = append(n.cells, cellOf(textWarning, hi.State))
		}
		if br != nil && br.MTU > 0 && hi.MTU > 0 && hi.MTU != br.MTU {
			n.cells = append(n.cells, cellOf(textWarning, mtu(hi.MTU)))
		}
		if a := topo.GlobalAddrs(hi.Addresses); len(a) > 0 {
			n.cells = append(n.cells, cellOf(textPlain, "host end "+strings.Join(a, " ")))
		}
	}
	b.explainPair(n, p)
	if p.Container != "" {
		b.details(n, p.Container)
	}
	// A host veth can itself carry macvlans (labs do this to get a parent
	// that needs no NIC): they hang under its line, not under a second one.
	if role := b.parentRole(p.HostInterface); role != "" {
		n.cells = append(n.cells, cellOf(textPlain, role))
		n.add(b.subNodes(p.HostInterface)...)
	}
	return n
}

// details hangs what belongs to a container's namespace rather than to one
// of its links under the container's first link in the tree.
func (b *builder) details(n *node, name string) {
	if b.shown[name] {
		return
	}
	b.shown[name] = true
	b.firstLine[name] = n
	if others := b.sharers[name]; len(others) > 0 {
		line := &node{cells: []cell{{spans: []span{{"also in this namespace: ", textPlain}}}}}
		for i, o := range others {
			b.shown[o] = true
			b.firstLine[o] = line
			if i > 0 {
				line.cells[0].spans = append(line.cells[0].spans, span{", ", textPlain})
			}
			line.cells[0].spans = append(line.cells[0].spans, span{o, textContainer})
			b.explainOther(line, o)
		}
		n.add(line)
	}
	if c, ok := b.containers[name]; ok && len(c.Ports) > 0 {
		ports := &node{cells: []cell{cellOf(textPlain, "published "+termtext.PublishedPorts(c.Ports))}}
		n.add(ports)
		b.explainPorts(ports, c)
	}
	b.explainContainer(n, name)
}

// firewallNode says where Docker's rules are and whether the kernel
// forwards, when the snapshot holds the firewall (netviz docker reads it;
// older snapshots and netviz veth do not).
