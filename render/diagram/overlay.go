package diagram

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/topo"
)

// A Swarm node's overlays. Each overlay network this node holds a sandbox
// of is a cluster of its own (ClusterOverlay): the sandbox's bridge (br0),
// its VXLAN device, and the veths on br0 whose other ends are the
// containers' overlay links, ingress_sbox's or a load balancer's. The
// VXLAN device has a tunnel edge to each remote node it sends to (a
// NodeRemoteVTEP outside every cluster, one per address, shared by the
// overlays). ingress_sbox and lb_<netid> are namespace clusters of kind
// ClusterDocker: Docker's own, never orphans.
//
// Tunnels lists the tunnel edges with their ends, so that a view of
// several nodes (netviz cluster) can tie one node's VXLAN device to the
// other node's instead of to a stand-in; Prefix makes the IDs of one
// node's diagram distinct from another's before they are put together.

// Tunnel is one VXLAN tunnel edge of a diagram: from an overlay's VXLAN
// device on this node to a remote node.
type Tunnel struct {
	Network string `json:"network"`
	VNI     int    `json:"vni"`
	Port    int    `json:"port"`
	// Local is this node's address (the swarm's advertised one unless the
	// VXLAN device has a local address of its own); Remote the peer's.
	Local  string `json:"local"`
	Remote string `json:"remote"`
	// VXLANNode is the ID of the VXLAN device's node, RemoteNode that of
	// the remote node's stand-in, Edge that of the tunnel edge.
	VXLANNode  string `json:"vxlanNode"`
	RemoteNode string `json:"remoteNode"`
	Edge       string `json:"edge"`
	Encrypted  bool   `json:"encrypted,omitempty"`
}

// sandboxOf says whether a pair's "host" end is in an overlay sandbox.
func (b *builder) sandboxOf(p *topo.Pair) bool {
	return p.HostNamespace != "" && p.HostNamespace != b.s.Host.Namespace
}

// sandboxKey names a link in one of Docker's namespaces.
func sandboxKey(ns, link string) string { return ns + "\x00" + link }

// isOverlaySandbox says whether namespace n is drawn as an overlay's
// cluster rather than as a namespace of its own.
func (b *builder) isOverlaySandbox(n *netns) bool {
	return slices.ContainsFunc(b.s.Overlays, func(o topo.Overlay) bool { return o.Namespace == n.id })
}

// overlays draws each overlay's cluster and the remote nodes.
func (b *builder) overlays() {
	for i := range b.s.Overlays {
		b.overlayCluster(&b.s.Overlays[i])
	}
}

func (b *builder) overlayCluster(o *topo.Overlay) {
	c := Cluster{ID: b.newID("cluster_overlay_" + o.Network), Kind: ClusterOverlay, Title: clip("overlay " + o.Network)}
	c.Lines = []string{clip("sandbox " + o.NamespaceName)}
	if o.Ingress {
		c.Lines = append(c.Lines, "ingress: the routing mesh")
	}
	if o.Encrypted {
		c.Lines = append(c.Lines, "encrypted (IPsec)")
	}
	for _, sv := range o.Services {
		c.Lines = append(c.Lines, clip(strings.TrimSpace("service "+sv.Service+" vip "+sv.VIP+" "+servicePorts(sv.Ports))))
	}
	c.Details = fieldsOf("network", o.Network, "network ID", o.NetworkID, "sandbox", o.NamespaceName, "namespace", o.Namespace,
		"encrypted", strconv.FormatBool(o.Encrypted), "mtu", intField(o.MTU))
	for _, sv := range o.Services {
		c.Details = append(c.Details, Field{Key: "service " + sv.Service,
			Value: strings.Join(nonEmpty("vip "+sv.VIP, servicePorts(sv.Ports), strings.Join(sv.Tasks, " ")), ", ")})
	}
	c.Problems = b.marks.List(b.marks.Overlay(o.Network))
	b.explain(c.ID, b.ex.Overlay(*o))
	if nw := b.networks[o.Network]; nw != nil {
		details := networkFields(nw)
		c.Details = append(c.Details, details...)
	}

	ifs := b.s.NamespaceInterfaces(o.Namespace)
	find := func(name string) topo.Interface {
		if k := slices.IndexFunc(ifs, func(i topo.Interface) bool { return i.Name == name }); k >= 0 {
			return ifs[k]
		}
		return topo.Interface{Name: name}
	}
	br := find(o.Bridge)
	brID := b.newID("ovl_" + o.Network + "_" + o.Bridge)
	c.Nodes = append(c.Nodes, Node{ID: brID, Kind: NodeOverlayBridge, Title: clip(o.Bridge),
		Lines: orEmpty(append(clipAll(br.Addresses), "mtu "+strconv.Itoa(o.MTU))), Details: ifaceFields(&br),
		Problems: b.marks.List(b.marks.Namespaced(o.Namespace, o.Bridge))})
	b.explain(brID, b.ex.NamespaceInterface(o.Namespace, br))

	vx := o.VXLAN
	vxIf := find(vx.Name)
	if vxIf.Kind == "" { // the sandbox's links were not listed: the overlay's facts
		vxIf.Kind, vxIf.MTU, vxIf.State = "vxlan", vx.MTU, vx.State
	}
	// Named as a namespace's link is (if_<namespace>_<name>), so that a
	// view that looks for the device by its namespace finds it.
	vxID := b.newID("if_" + o.Namespace + "_" + vx.Name)
	lines := []string{"vni " + strconv.Itoa(vx.VNI), fmt.Sprintf("udp/%d", vx.Port)}
	if vx.Local != "" {
		lines = append(lines, "local "+vx.Local)
	}
	if len(o.Peers) == 0 {
		lines = append(lines, "no remote VTEPs")
	}
	c.Nodes = append(c.Nodes, Node{ID: vxID, Kind: NodeVXLAN, Title: clip(vx.Name), Lines: lines,
		// The link's own facts (mtu, state) come with ifaceFields.
		Details:  append(fieldsOf("vni", strconv.Itoa(vx.VNI), "udp port", strconv.Itoa(vx.Port), "local", vx.Local), ifaceFields(&vxIf)...),
		Problems: b.marks.List(b.marks.Namespaced(o.Namespace, vx.Name))})
	b.explain(vxID, b.ex.Overlay(*o))
	b.edge(brID, vxID, EdgePort, "")

	for _, p := range b.sandboxPairs(o) {
		id := b.sandboxLink(&c, p)
		b.edge(brID, id, EdgePort, "")
	}
	b.nsClusters = append(b.nsClusters, c)
	for _, peer := range o.Peers {
		b.tunnel(o, vxID, peer)
	}
}

// sandboxPairs are the pairs on an overlay's bridge, containers first.
func (b *builder) sandboxPairs(o *topo.Overlay) []*topo.Pair {
	var out []*topo.Pair
	for i := range b.s.Pairs {
		if p := &b.s.Pairs[i]; p.HostNamespace == o.Namespace && b.sandboxOf(p) {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(x, y *topo.Pair) int {
		if (x.Container == "") != (y.Container == "") {
			if x.Container == "" {
				return 1
			}
			return -1
		}
		return compareNames(x.Container+x.Sandbox, y.Container+y.Sandbox)
	})
	return out
}

// sandboxLink draws the veth of pair p that is a port of an overlay
// sandbox's bridge, once, in cluster c.
func (b *builder) sandboxLink(c *Cluster, p *topo.Pair) string {
	key := sandboxKey(p.HostNamespace, p.HostInterface)
	if id, ok := b.sandboxNode[key]; ok {
		return id
	}
	id := b.newID("ovl_" + p.HostNamespace + "_" + p.HostInterface)
	b.sandboxNode[key] = id
	far := cmp.Or(p.Container, p.Sandbox)
	c.Nodes = append(c.Nodes, Node{ID: id, Kind: NodeHostVeth, Title: clip(p.HostInterface),
		Lines:    []string{clip("⇄ " + far + ":" + p.ContainerInterface)},
		Details:  append(fieldsOf("sandbox namespace", p.HostNamespace), pairFields(p)...),
		Problems: b.marks.List(b.marks.Namespaced(p.HostNamespace, p.HostInterface))})
	b.explain(id, b.ex.Pair(*p))
	return id
}

// tunnel ties an overlay's VXLAN device to the node at the other end.
func (b *builder) tunnel(o *topo.Overlay, vxID string, peer topo.VTEPPeer) {
	remote, ok := b.remoteNode[peer.VTEP]
	if !ok {
		remote = b.newID("vtep_" + peer.VTEP)
		b.remoteNode[peer.VTEP] = remote
		b.d.Nodes = append(b.d.Nodes, Node{ID: remote, Kind: NodeRemoteVTEP, Title: clip("node " + peer.VTEP),
			Lines: []string{"another swarm node"}, Details: fieldsOf("vtep", peer.VTEP)})
		b.explain(remote, b.ex.Swarm(b.s.Swarm))
	}
	k := slices.IndexFunc(b.d.Nodes, func(n Node) bool { return n.ID == remote })
	n := &b.d.Nodes[k]
	n.Lines = append(n.Lines, clip(fmt.Sprintf("%s: %s", o.Network, plural(len(peer.IPs), "address", "addresses"))))
	n.Details = append(n.Details, Field{Key: o.Network, Value: strings.Join(nonEmpty(strings.Join(peer.IPs, " "), strings.Join(peer.MACs, " ")), ", ")})

	label := fmt.Sprintf("VNI %d", o.VXLAN.VNI)
	if o.Encrypted {
		label += " encrypted"
	}
	kind := EdgeRemoteTunnel
	if o.Encrypted {
		kind = EdgeEncryptedTunnel
	}
	// From the remote node, the end farther from the containers, so that
	// the stand-ins are drawn left of the host, outside it.
	b.edge(remote, vxID, kind, label)
	local := o.VXLAN.Local
	if local == "" && b.s.Swarm != nil {
		local = cmp.Or(b.s.Swarm.DataAddr, b.s.Swarm.Addr)
	}
	b.d.Tunnels = append(b.d.Tunnels, Tunnel{Network: o.Network, VNI: o.VXLAN.VNI, Port: o.VXLAN.Port, Local: local, Remote: peer.VTEP,
		VXLANNode: vxID, RemoteNode: remote, Edge: b.d.Edges[len(b.d.Edges)-1].ID, Encrypted: o.Encrypted})
}

// servicePorts is "8080→80/tcp" for each published port.
func servicePorts(ports []topo.ServicePort) string {
	var out []string
	for _, p := range ports {
		s := fmt.Sprintf("%d→%d/%s", p.Published, p.Target, p.Protocol)
		if p.Mode == "host" {
			s += " (host)"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

// dockerNamespaceHead titles a namespace Docker made for itself, with
// what it balances: the published ports of the routing mesh (ingress_sbox),
// a network's service VIPs (lb_<netid>), and its IPVS services.
func (b *builder) dockerNamespaceHead(c *Cluster, ns *topo.Namespace) {
	c.Kind = ClusterDocker
	c.Title = clip(ns.Name)
	switch ns.Role {
	case topo.RoleIngressSandbox:
		c.Lines = append(c.Lines, "routing mesh: published ports enter here")
	case topo.RoleLoadBalancer:
		c.Lines = append(c.Lines, "load balancer of the network's service VIPs")
	default:
		c.Lines = append(c.Lines, "Docker's own namespace")
	}
	for _, o := range b.s.Overlays {
		if !b.balances(ns, &o) {
			continue
		}
		for _, sv := range o.Services {
			line := sv.Service + " vip " + sv.VIP
			if ns.Role == topo.RoleIngressSandbox {
				line = sv.Service + " " + servicePorts(sv.Ports)
			}
			c.Lines = append(c.Lines, clip(line+" → "+plural(len(sv.Tasks), "task", "tasks")))
		}
	}
	for _, v := range b.s.IPVS {
		if v.Namespace != ns.ID {
			continue
		}
		service := v.Address + ":" + strconv.Itoa(v.Port) + "/" + v.Protocol
		if v.FWMark != 0 {
			service = "fwmark " + strconv.Itoa(v.FWMark)
		}
		c.Details = append(c.Details, Field{Key: "ipvs " + service, Value: strings.Join(v.Reals, " ")})
	}
	b.explain(c.ID, b.ex.IPVS(ns.ID))
}

// balances says whether Docker's namespace ns balances overlay o's
// services: ingress_sbox the routing mesh's, a load balancer its network's.
func (b *builder) balances(ns *topo.Namespace, o *topo.Overlay) bool {
	if ns.Role == topo.RoleIngressSandbox {
		return o.Ingress
	}
	if ns.Role != topo.RoleLoadBalancer {
		return false
	}
	return slices.ContainsFunc(b.s.Pairs, func(p topo.Pair) bool { return p.Namespace == ns.ID && p.Network == o.Network })
}

// markSandboxLinks are the problems on a link of a namespace no container
// owns, placed by namespace.
func (b *builder) markSandboxLinks(n *netns, link string) []int {
	if len(n.containers) > 0 {
		return nil
	}
	return marks.Union(b.marks.Namespaced(n.id, link))
}

// Prefix puts prefix before every ID of the diagram (clusters, nodes,
// edges and the references to them), so that the diagrams of several
// nodes can be drawn as one (netviz cluster) without their IDs meeting:
// every node has a cluster_host and an ovl_appnet_vxlan0. prefix should
// be made of [A-Za-z0-9_], as every ID is.
func (d *Diagram) Prefix(prefix string) {
	if prefix == "" {
		return
	}
	for i := range d.Clusters {
		c := &d.Clusters[i]
		c.ID = prefix + c.ID
		for k := range c.Nodes {
			c.Nodes[k].ID = prefix + c.Nodes[k].ID
		}
	}
	for k := range d.Nodes {
		d.Nodes[k].ID = prefix + d.Nodes[k].ID
	}
	for k := range d.Edges {
		e := &d.Edges[k]
		e.ID, e.From, e.To = prefix+e.ID, prefix+e.From, prefix+e.To
	}
	for k := range d.Projects {
		p := &d.Projects[k]
		p.ID = prefix + p.ID
		for j := range p.Clusters {
			p.Clusters[j] = prefix + p.Clusters[j]
		}
	}
	for k := range d.Tunnels {
		t := &d.Tunnels[k]
		t.VXLANNode, t.RemoteNode, t.Edge = prefix+t.VXLANNode, prefix+t.RemoteNode, prefix+t.Edge
	}
}

// WithoutRemoteNodes drops the stand-ins for remote nodes and the tunnel
// edges to them, and empties Tunnels: a view of several nodes draws the
// tunnels between the nodes' own VXLAN devices instead (call it before
// Prefix, or after: it goes by kind).
func (d *Diagram) WithoutRemoteNodes() {
	remote := map[string]bool{}
	d.Nodes = slices.DeleteFunc(d.Nodes, func(n Node) bool {
		if n.Kind == NodeRemoteVTEP {
			remote[n.ID] = true
		}
		return remote[n.ID]
	})
	d.Edges = slices.DeleteFunc(d.Edges, func(e Edge) bool { return remote[e.From] || remote[e.To] })
	d.Tunnels = nil
}
