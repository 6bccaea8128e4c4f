package diagram

import (
	"cmp"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/topo"
)

// namespaceCluster draws a namespace: its containers (or its name when no
// container owns it), then one node per link, tied to the host end of its
// veth pair or to its macvlan/ipvlan parent.
func (b *builder) namespaceCluster(n *netns) {
	c := b.clusterHead(n)
	for _, i := range b.namespaceLinks(n) {
		c.Nodes = append(c.Nodes, b.linkNode(n, i))
	}
	var marked []int
	for _, o := range n.containers {
		marked = marks.Union(marked, b.marks.Container(o.Name), b.marks.Rest(o.Name))
	}
	c.Problems = b.marks.List(marked)
	n.clusterID = c.ID
	b.nsClusters = append(b.nsClusters, c)
}

// clusterHead is a namespace's cluster without its nodes: title, lines
// and details of the containers in it.
func (b *builder) clusterHead(n *netns) Cluster {
	c := Cluster{Kind: ClusterNetns, Lines: []string{}}
	c.ID = b.newID("cluster_" + n.id)
	if len(n.containers) > 0 {
		c.Kind = ClusterContainer
		owner := n.containers[0]
		c.Title = clip(owner.Name)
		c.Lines = append(c.Lines, containerLine(owner))
		if owner.NetworkMode == "none" {
			c.Lines = append(c.Lines, "network: none")
		}
		for _, o := range n.containers[1:] {
			c.Lines = append(c.Lines, clip("+ "+o.Name+" ("+o.Image+")"))
		}
		if len(n.containers) > 1 {
			c.Lines = append(c.Lines, "containers share one network namespace")
		}
		for _, o := range n.containers {
			c.Lines = append(c.Lines, portLines(o)...)
		}
		for _, o := range n.containers {
			c.Details = append(c.Details, containerFields(o)...)
		}
	} else {
		name := ""
		if n.ns != nil {
			name = n.ns.Name
		}
		c.Title = clip(namespaceName(n.id, name))
		if n.ns != nil && n.ns.Role != "" {
			b.dockerNamespaceHead(&c, n.ns)
		} else {
			c.Lines = append(c.Lines, "no container")
		}
	}
	c.Details = append(c.Details, namespaceFields(n)...)
	b.explainContainers(c.ID, n)
	return c
}

// namespaceLinks are the links to draw in a namespace: all but lo (lo
// alone in a none-mode container), then the container ends of pairs the
// namespace's link list lacks.
func (b *builder) namespaceLinks(n *netns) []topo.Interface {
	var links []topo.Interface
	for _, i := range n.ifaces {
		if i.Kind != topo.KindLoopback {
			links = append(links, i)
		}
	}
	if len(links) == 0 {
		links = n.ifaces // only lo: a none-mode container
	}
	drawn := map[string]bool{}
	for _, i := range links {
		drawn[i.Name] = true
	}
	for _, name := range slices.Sorted(maps.Keys(n.pairs)) {
		if !drawn[name] {
			p := n.pairs[name]
			links = append(links, topo.Interface{
				Name: name, Index: p.ContainerIfindex, Kind: topo.KindVeth, MAC: p.MAC,
				Addresses: append(nonEmpty(p.IPv4), p.IPv6...), HostPeer: p.HostInterface, Network: p.Network,
			})
		}
	}
	if len(links) == 0 {
		links = []topo.Interface{{Name: "(links not readable)"}}
	}
	return links
}

// linkNode draws link i of namespace n and the edge that ties it to the
// host: to the host end of its veth pair, or to its macvlan/ipvlan parent.
func (b *builder) linkNode(n *netns, i topo.Interface) Node {
	id := b.newID("if_" + n.id + "_" + i.Name)
	kind := NodeInterface
	switch i.Kind {
	case topo.KindLoopback:
		kind = NodeLoopback
	case topo.KindMacvlan:
		kind = NodeMacvlan
	case topo.KindIpvlan:
		kind = NodeIpvlan
	}
	p := n.pairs[i.Name]
	if p == nil && i.HostPeer != "" {
		p = b.pairOfHost[i.HostPeer]
	}
	lines := ifaceLines(&i)
	network := i.Network
	if network == "" && p != nil {
		network = p.Network
	}
	if network != "" {
		lines = append(lines, clip("network "+network))
	}
	details := ifaceFields(&i)
	if p != nil {
		details = append(details, pairFields(p)...)
	}
	marked := b.markSandboxLinks(n, i.Name)
	for _, o := range n.containers {
		marked = marks.Union(marked, b.marks.Link(o.Name, i.Name))
	}
	node := Node{ID: id, Kind: kind, Title: clip(i.Name), Lines: orEmpty(lines), Details: details,
		Problems: b.marks.List(marked)}
	b.explainLink(id, n, i)

	switch {
	case p != nil:
		kind := EdgePair
		if p.Container == "" && p.Sandbox == "" {
			kind = EdgeOrphanPair
		}
		b.edge(b.pairEnd(p), id, kind, "")
	case kind == NodeMacvlan || kind == NodeIpvlan:
		parent := i.Parent
		if parent == "" {
			if nw := b.networks[i.Network]; nw != nil {
				parent = nw.Parent
			}
		}
		if parent != "" {
			b.edge(b.hostLink(parent), id, EdgeParent, i.Kind)
		}
	}
	return node
}

func (b *builder) groupNodes() {
	for _, g := range b.grouped {
		network := g.bridge
		if n := b.netOfBridge[g.bridge]; n != nil {
			network = n.Name
		}
		var addrs []netip.Addr
		images := map[string]int{}
		var details []Field
		var marked []int
		for _, n := range g.members {
			c := n.containers[0]
			marked = marks.Union(marked, b.marks.Container(c.Name), b.marks.Rest(c.Name))
			images[c.Image]++
			p, _ := b.groupable(n)
			ip := p.IPv4
			if pfx, err := netip.ParsePrefix(ip); err == nil {
				addrs = append(addrs, pfx.Addr())
			} else if a, err := netip.ParseAddr(ip); err == nil {
				addrs = append(addrs, a)
			}
			details = append(details, Field{Key: c.Name, Value: strings.TrimSpace(ip + " " + c.Image)})
		}
		lines := []string{}
		if len(addrs) > 0 {
			slices.SortFunc(addrs, netip.Addr.Compare)
			lines = append(lines, addrs[0].String()+"–"+addrs[len(addrs)-1].String())
		}
		lines = append(lines, topImages(images)...)
		lines = append(lines, "drawn as one: --expand draws each")
		id := b.newID("group_" + g.bridge)
		b.d.Nodes = append(b.d.Nodes, Node{
			ID: id, Kind: NodeGroup,
			Title:    clip(strconv.Itoa(len(g.members)) + " containers on " + network),
			Lines:    lines,
			Details:  append(fieldsOf("bridge", g.bridge, "network", network, "containers", strconv.Itoa(len(g.members))), details...),
			Problems: b.marks.List(marked),
		})
		if br, ok := b.hostNode[g.bridge]; ok {
			b.edge(br, id, EdgeGroup, plural(len(g.members), "veth pair", "veth pairs"))
		}
	}
}

func (b *builder) stoppedNodes() {
	for _, c := range b.stopped {
		id := b.newID("ctr_" + c.Name)
		lines := []string{clip(c.Image), clip(cmp.Or(c.State, "not running") + ": no network namespace")}
		var nets []string
		for _, e := range c.Endpoints {
			nets = append(nets, e.Network)
		}
		if len(nets) == 0 && c.NetworkMode != "" {
			nets = append(nets, c.NetworkMode)
		}
		if len(nets) > 0 {
			lines = append(lines, clip("networks: "+strings.Join(nets, ", ")))
		}
		b.explain(id, b.ex.Container(c))
		b.d.Nodes = append(b.d.Nodes, Node{ID: id, Kind: NodeStoppedContainer, Title: clip(c.Name), Lines: lines, Details: containerFields(c),
			Problems: b.marks.List(marks.Union(b.marks.Container(c.Name), b.marks.Rest(c.Name)))})
		for _, e := range c.Endpoints {
			if n := b.networks[e.Network]; n != nil && n.Bridge != "" {
				if br, ok := b.hostNode[n.Bridge]; ok {
					b.edge(br, id, EdgeStopped, "")
				}
			}
		}
	}
}

func (b *builder) edge(from, to string, kind EdgeKind, label string) {
	b.d.Edges = append(b.d.Edges, Edge{ID: b.newID("e_" + from + "__" + to), From: from, To: to, Kind: kind, Label: label})
}

// newID turns base into an identifier made of [A-Za-z0-9_] only, so that it
// is safe unquoted in Mermaid and as an HTML id, and unique in the diagram.
func (b *builder) newID(base string) string {
	var sb strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	id := sb.String()
	for n := 2; b.ids[id]; n++ {
		id = sb.String() + "_" + strconv.Itoa(n)
	}
	b.ids[id] = true
	return id
}

// pairEnd is the node of a pair's "host" end: a host link, or a veth on an
// overlay sandbox's bridge.
func (b *builder) pairEnd(p *topo.Pair) string {
	if b.sandboxOf(p) {
		if id, ok := b.sandboxNode[sandboxKey(p.HostNamespace, p.HostInterface)]; ok {
			return id
		}
	}
	return b.hostLink(p.HostInterface)
}
