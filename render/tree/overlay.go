package tree

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/topo"
)

// A Swarm node: a "swarm" line under the host, then, after the host's
// bridges, one "overlay" line per overlay network this node holds a
// sandbox of: its tunnel, its sandbox with br0 and the veths of the
// containers (and of ingress_sbox or the network's load balancer) on it,
// the remote nodes it tunnels to, and the services with a virtual IP.

// swarmNode is the host's place in its swarm, or nil when it is in none.
func (b *builder) swarmNode() *node {
	sw := b.s.Swarm
	if sw == nil {
		return nil
	}
	role := "worker"
	if sw.Manager {
		role = "manager"
	}
	n := &node{cells: []cell{
		labelled("swarm node ", textPlain, shortID(sw.NodeID)),
		cellOf(textPlain, role),
		cellOf(textPlain, sw.State),
		cellOf(textPlain, "addr "+sw.Addr),
	}}
	if sw.DataAddr != "" && sw.DataAddr != sw.Addr {
		n.cells = append(n.cells, cellOf(textPlain, "data "+sw.DataAddr))
	}
	if b.ex != nil {
		n.explain = b.ex.Swarm(sw)
	}
	return n
}

// labelled is a plain label and a name in the colour of its kind, one cell.
func labelled(label string, kind textKind, name string) cell {
	return cell{spans: []span{{label, textPlain}, {name, kind}}}
}

// shortID is the 12 characters docker node ls shows of an ID.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// overlayNode is one overlay network on this node.
func (b *builder) overlayNode(o topo.Overlay) *node {
	head := []cell{labelled("overlay ", textBridge, o.Network)}
	if o.Ingress {
		head = append(head, cellOf(textPlain, "routing mesh"))
	}
	vx := o.VXLAN
	if vx.Name == "" {
		// A sandbox pairs name that no overlay read describes.
		head = append(head, cellOf(textWarning, "tunnel not read"))
	} else {
		head = append(head,
			cellOf(textPlain, "vni "+strconv.Itoa(vx.VNI)),
			cellOf(textPlain, fmt.Sprintf("%s udp/%d", vx.Name, vx.Port)),
			cellOf(textPlain, mtu(o.MTU)),
			cellOf(textPlain, peersCell(o.Peers)))
	}
	if o.Encrypted {
		head = append(head, cellOf(textPlain, "encrypted"))
	}
	n := &node{cells: head, problems: b.marks.Overlay(o.Network)}
	if b.ex != nil && o.NetworkID != "" {
		n.explain = b.ex.Overlay(o)
	}
	n.add(b.sandboxNode(o))
	for _, p := range o.Peers {
		line := &node{group: "peer", cells: []cell{
			labelled("peer ", textHostLink, p.VTEP),
			cellOf(textPlain, countOf(len(p.MACs), "MAC", "MACs", "no MACs")),
			cellOf(textPlain, strings.Join(p.IPs, " ")),
		}}
		n.add(line)
	}
	for _, sv := range o.Services {
		line := &node{group: "service", cells: []cell{
			labelled("service ", textContainer, sv.Service),
			cellOf(textPlain, "vip "+sv.VIP),
			cellOf(textPlain, servicePorts(sv.Ports)),
			cellOf(textPlain, countOf(len(sv.Tasks), "task", "tasks", "no tasks")),
		}}
		if b.ex != nil {
			line.explain = b.ex.IPVS(balancerOf(b.s, o))
		}
		n.add(line)
	}
	return n
}

// peersCell is "2 peers (10.0.0.3, 10.0.0.4)", or a warning with none.
func peersCell(peers []topo.VTEPPeer) string {
	if len(peers) == 0 {
		return "no peers"
	}
	vteps := make([]string, len(peers))
	for i, p := range peers {
		vteps[i] = p.VTEP
	}
	return countOf(len(peers), "peer", "peers", "") + " (" + strings.Join(vteps, ", ") + ")"
}

// servicePorts is "published 8080→80/tcp" (ingress), "host 8080→80/tcp".
func servicePorts(ports []topo.ServicePort) string {
	var out []string
	for _, p := range ports {
		mode := "published"
		if p.Mode == "host" {
			mode = "host port"
		}
		out = append(out, fmt.Sprintf("%s %d→%d/%s", mode, p.Published, p.Target, p.Protocol))
	}
	return strings.Join(out, " ")
}

// sandboxNode is an overlay's sandbox namespace: its bridge, then the
// veths on it with what is at their other ends.
func (b *builder) sandboxNode(o topo.Overlay) *node {
	var br topo.Interface
	for _, i := range b.s.NamespaceInterfaces(o.Namespace) {
		if i.Name == o.Bridge {
			br = i
		}
	}
	n := &node{cells: []cell{
		labelled("sandbox ", textSandbox, o.NamespaceName),
		cellOf(textBridge, o.Bridge),
		cellOf(textPlain, strings.Join(topo.GlobalAddrs(br.Addresses), " ")),
	}, problems: marks.Union(b.marks.Namespaced(o.Namespace, o.Bridge), b.marks.Namespaced(o.Namespace, o.VXLAN.Name))}
	if b.ex != nil {
		if ns, ok := b.s.Namespace(o.Namespace); ok {
			n.explain = b.ex.Namespace(ns)
		}
	}
	for _, p := range b.pairsIn(o.Namespace, o.Bridge) {
		n.add(b.pairNode(p, nil))
	}
	return n
}

// sandboxPeer names a pair's far end that is one of Docker's own
// namespaces, with what it is for: never an orphan.
func sandboxPeer(p topo.Pair, s *topo.Snapshot) string {
	role := ""
	if ns, ok := s.Namespace(p.Namespace); ok {
		role = ns.Role
	}
	switch role {
	case topo.RoleIngressSandbox:
		return "routing mesh"
	case topo.RoleLoadBalancer:
		return "load balancer"
	case topo.RoleOverlaySandbox:
		return "overlay sandbox"
	}
	return "Docker's sandbox"
}

// balancerOf is the namespace whose IPVS balances an overlay's services:
// ingress_sbox for the routing mesh, the network's lb_<netid> otherwise.
func balancerOf(s *topo.Snapshot, o topo.Overlay) string {
	want := topo.RoleLoadBalancer
	if o.Ingress {
		want = topo.RoleIngressSandbox
	}
	for _, p := range s.Pairs {
		if p.Sandbox == "" || p.Network != o.Network {
			continue
		}
		if ns, ok := s.Namespace(p.Namespace); ok && ns.Role == want {
			return ns.ID
		}
	}
	return ""
}
