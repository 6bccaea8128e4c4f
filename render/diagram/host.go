package diagram

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/topo"
)

func (b *builder) hostCluster() {
	s := b.s
	host := s.Host.Hostname
	if host == "" {
		host = "host"
	}
	b.host = &Cluster{
		ID:    b.newID("cluster_host"),
		Kind:  ClusterHost,
		Title: clip(host),
		Lines: []string{"host network namespace"},
		Details: fieldsOf(
			"hostname", s.Host.Hostname,
			"kernel", s.Host.Kernel,
			runtimeName(s.Host.Runtime.Name), s.Host.Runtime.Version,
			runtimeName(s.Host.Runtime.Name)+" API", s.Host.Runtime.APIVersion,
			"uplink", s.Host.Uplink,
			"namespace", s.Host.Namespace,
		),
	}
	b.explain(b.host.ID, b.ex.Host(), b.ex.Firewall())
	uplink := ""
	if s.Host.Uplink != "" {
		uplink = b.hostLink(s.Host.Uplink)
	}

	bridges := make([]*topo.Bridge, 0, len(s.Bridges))
	for i := range s.Bridges {
		bridges = append(bridges, &s.Bridges[i])
	}
	slices.SortFunc(bridges, func(a, c *topo.Bridge) int { return strings.Compare(a.Name, c.Name) })
	for _, br := range bridges {
		id := b.bridgeNode(br)
		if n := b.netOfBridge[br.Name]; n != nil && !n.Internal && uplink != "" {
			b.edge(uplink, id, EdgeUplink, uplinkLabel(n))
		}
	}
	for _, br := range bridges {
		for _, port := range b.bridgePorts(br) {
			if p := b.pairOfHost[port]; p != nil && b.isGrouped(p) {
				continue
			}
			b.edge(b.hostNode[br.Name], b.hostLink(port), EdgePort, "")
		}
	}
	// Host veths on no bridge (routed, or a bridge the snapshot lacks).
	for i := range s.Pairs {
		if p := &s.Pairs[i]; !b.isGrouped(p) && !b.sandboxOf(p) {
			b.hostLink(p.HostInterface)
		}
	}
	for _, c := range b.hostMode {
		id := b.newID("ctr_" + c.Name)
		lines := []string{clip(c.Image), "network: host (shares the host's links)"}
		if c.State != topo.StateRunning {
			lines = append(lines, c.State)
		}
		b.host.Nodes = append(b.host.Nodes, Node{
			ID: id, Kind: NodeHostContainer, Title: clip(c.Name), Lines: lines,
			Details:  containerFields(c),
			Problems: b.marks.List(marks.Union(b.marks.Container(c.Name), b.marks.Rest(c.Name))),
		})
		b.explain(id, b.ex.Container(c), b.ex.Ports(c))
		if uplink != "" {
			b.edge(uplink, id, EdgeHostNetwork, "")
		}
	}
}

func (b *builder) isGrouped(p *topo.Pair) bool {
	n, ok := b.nsByID[p.Namespace]
	return ok && p.Namespace != "" && n.grouped
}

// bridgePorts lists a bridge's ports in drawing order: those paired with a
// container by container name, then orphans, then other links, so that the
// ports line up with the namespace clusters they lead to.
func (b *builder) bridgePorts(br *topo.Bridge) []string {
	ports := slices.Clone(br.Ports)
	for _, p := range b.s.Pairs {
		if p.Bridge == br.Name && !b.sandboxOf(&p) && !slices.Contains(ports, p.HostInterface) {
			ports = append(ports, p.HostInterface)
		}
	}
	rank := func(port string) int {
		p := b.pairOfHost[port]
		switch {
		case p == nil:
			return 2
		case p.Container == "" && p.Sandbox == "":
			return 1
		}
		return 0
	}
	slices.SortFunc(ports, func(x, y string) int {
		if d := cmp.Compare(rank(x), rank(y)); d != 0 || rank(x) != 0 {
			return cmp.Or(d, strings.Compare(x, y))
		}
		px, py := b.pairOfHost[x], b.pairOfHost[y]
		return cmp.Or(compareNames(px.Container, py.Container),
			strings.Compare(px.ContainerInterface, py.ContainerInterface), strings.Compare(x, y))
	})
	return slices.Compact(ports)
}

func (b *builder) bridgeNode(br *topo.Bridge) string {
	id := b.newID("host_" + br.Name)
	b.hostNode[br.Name] = id
	lines := []string{}
	n := b.netOfBridge[br.Name]
	switch {
	case n != nil:
		lines = append(lines, clip("network "+n.Name))
	case br.Network != "":
		lines = append(lines, clip("network "+br.Network))
	default:
		lines = append(lines, "not a Docker network")
	}
	lines = append(lines, clipAll(br.Addresses)...)
	if br.MTU > 0 {
		lines = append(lines, "mtu "+strconv.Itoa(br.MTU))
	}
	if n != nil && n.Internal {
		lines = append(lines, "internal: no route out")
	}
	if br.State != "" && br.State != "up" {
		lines = append(lines, br.State)
	}
	details := fieldsOf(
		"bridge", br.Name,
		"ifindex", intField(br.Index),
		"mac", br.MAC,
		"addresses", strings.Join(br.Addresses, ", "),
		"mtu", intField(br.MTU),
		"state", br.State,
		"stp", strconv.FormatBool(br.STP),
		"ports", strings.Join(br.Ports, ", "),
	)
	if n != nil {
		details = append(details, networkFields(n)...)
	}
	b.explain(id, b.ex.Bridge(*br))
	if n != nil {
		b.explain(id, b.ex.Network(n))
	}
	b.host.Nodes = append(b.host.Nodes, Node{ID: id, Kind: NodeBridge, Title: clip(br.Name), Lines: lines, Details: details,
		Problems: b.marks.List(b.marks.Host(br.Name))})
	return id
}

// hostLink returns the node of a host link, drawing it in the host cluster
// the first time it is asked for.
func (b *builder) hostLink(name string) string {
	if id, ok := b.hostNode[name]; ok {
		return id
	}
	id := b.newID("host_" + name)
	b.hostNode[name] = id
	i, known := b.hostIfs[name]
	if !known {
		i = &topo.Interface{Name: name}
	}
	p := b.pairOfHost[name]
	kind := NodeHostLink
	var lines []string
	switch {
	case name == b.s.Host.Uplink:
		kind = NodeUplink
		lines = append([]string{"uplink (default route)"}, ifaceLines(i)...)
	case p != nil && p.Container == "" && p.Sandbox != "":
		kind = NodeHostVeth // Docker's own namespace's leg (ingress_sbox), not an orphan
		lines = []string{clip("⇄ " + p.Sandbox + ":" + p.ContainerInterface)}
	case p != nil && p.Container == "":
		kind = NodeOrphanVeth
		peer := "peer: no container"
		if p.Namespace == "" {
			peer = "peer: namespace unknown"
		} else if _, known := b.nsByID[p.Namespace]; !known {
			peer = clip("peer in " + namespaceName(p.Namespace, p.NamespaceName))
		}
		lines = []string{"orphan veth", peer}
	case p != nil:
		kind = NodeHostVeth
		// Which container it leads to, readable without following the line.
		lines = []string{clip("⇄ " + p.Container + ":" + p.ContainerInterface)}
	default:
		lines = ifaceLines(i)
		if !known {
			lines = append(lines, "not in the snapshot")
		}
	}
	details := ifaceFields(i)
	if p != nil {
		details = append(details, pairFields(p)...)
	}
	b.explainHostLink(id, name, p)
	b.host.Nodes = append(b.host.Nodes, Node{ID: id, Kind: kind, Title: clip(name), Lines: orEmpty(lines), Details: details,
		Problems: b.marks.List(b.marks.Host(name))})
	return id
}

// runtimeName names the container runtime of a snapshot ("docker").
func runtimeName(name string) string {
	if name == "" {
		return "runtime"
	}
	return name
}

// runtimeTitle is runtimeName as a heading writes it ("Docker").
func runtimeTitle(name string) string {
	n := runtimeName(name)
	return strings.ToUpper(n[:1]) + n[1:]
}
