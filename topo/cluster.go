package topo

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// A cluster is several Swarm nodes seen together: each node's own snapshot
// (or why there is none), the overlay networks that span them and the
// VXLAN tunnels between them. `netviz cluster` gathers it from every
// node's `netviz serve`; `netviz render a.json b.json` merges saved
// snapshots into one the same way (package cluster).

// ClusterKind is the value of Cluster.Kind: what tells a cluster file from
// a host's snapshot.
const ClusterKind = "cluster"

// RefNode is a Swarm node of a cluster, by name: the subject of the
// cluster's own findings (package diagnose, cluster.go).
const RefNode RefKind = "node"

// NodeRef points at a node of a cluster.
func NodeRef(name string) Ref { return Ref{Kind: RefNode, Name: name} }

// Roles of a Swarm node (ClusterNode.Role).
const (
	NodeManager = "manager"
	NodeWorker  = "worker"
)

// Cluster is what netviz knows about a swarm's nodes at one moment.
type Cluster struct {
	Kind        string    `json:"kind"`
	GeneratedAt time.Time `json:"generatedAt"`
	// Nodes are sorted by name.
	Nodes []ClusterNode `json:"nodes"`
	// Overlays are the overlay networks any node holds a sandbox of,
	// sorted by network name.
	Overlays []ClusterOverlay `json:"overlays"`
	// Tunnels are the VXLAN tunnels between nodes, one per pair of nodes
	// and overlay, sorted by network, then the nodes' names.
	Tunnels []Tunnel `json:"tunnels"`
	// Warnings say which nodes did not answer and what could not be
	// placed; the rest is still right.
	Warnings []Warning `json:"warnings"`
}

// ClusterNode is one Swarm node: what the Swarm API says of it, and the
// snapshot its netviz served, or why there is none.
type ClusterNode struct {
	// Name is the node's hostname: how people name it.
	Name   string `json:"name"`
	NodeID string `json:"nodeID,omitempty"`
	Role   string `json:"role,omitempty"` // NodeManager, NodeWorker, "" when unknown
	// Addr is the address the node's netviz was asked at, and the far end
	// of the other nodes' tunnels to it unless its snapshot says otherwise.
	Addr string `json:"addr,omitempty"`
	// State is Swarm's state of the node ("ready", "down"); "" when the
	// node came from a saved snapshot.
	State string `json:"state,omitempty"`
	// Error says why there is no snapshot: "did not answer: ...". A node
	// with an error is drawn as unknown, never left out.
	Error    string    `json:"error,omitempty"`
	Snapshot *Snapshot `json:"snapshot,omitempty"`
}

// Answered reports whether the node's snapshot is there.
func (n *ClusterNode) Answered() bool { return n.Snapshot != nil }

// ClusterOverlay is one overlay network across the nodes that hold it.
type ClusterOverlay struct {
	Network   string `json:"network"`
	NetworkID string `json:"networkID"`
	VNI       int    `json:"vni"`
	Ingress   bool   `json:"ingress,omitempty"`
	Encrypted bool   `json:"encrypted,omitempty"`
	// Members are the nodes holding a sandbox of the network, by node name.
	Members []OverlayMember `json:"members"`
}

// OverlayMember is one node's part of an overlay network.
type OverlayMember struct {
	Node string `json:"node"`
	// VTEP is the node's end of the tunnels: the VXLAN device's local
	// address, else the node's data or advertised address.
	VTEP string `json:"vtep"`
	// Device is the VXLAN device ("vxlan0") and Namespace its sandbox's
	// name under Docker's exec root ("1-abcdef0123").
	Device    string `json:"device"`
	Namespace string `json:"namespace"`
	MTU       int    `json:"mtu"`
	// Tasks are the containers on this node attached to the network, sorted.
	Tasks []string `json:"tasks"`
	// Peers are the remote VTEPs the node's forwarding database holds, sorted.
	Peers []string `json:"peers"`
}

// Tunnel is the VXLAN tunnel of one overlay between two nodes, as each
// side's forwarding database tells it. A and B are node names, A before B;
// B is "" when A tunnels to an address that is no node netviz knows
// (then only AddrB names it).
type Tunnel struct {
	Network   string `json:"network"`
	NetworkID string `json:"networkID"`
	VNI       int    `json:"vni"`
	A         string `json:"a"`
	B         string `json:"b"`
	AddrA     string `json:"addrA"`
	AddrB     string `json:"addrB"`
	// FromA is true when A's forwarding database sends to B's VTEP,
	// FromB when B's sends to A's. A tunnel seen from one side only is
	// half configured, or the other side did not answer.
	FromA bool `json:"fromA"`
	FromB bool `json:"fromB"`
}

// Node returns the node named name.
func (c *Cluster) Node(name string) (*ClusterNode, bool) {
	for i := range c.Nodes {
		if c.Nodes[i].Name == name {
			return &c.Nodes[i], true
		}
	}
	return nil, false
}

// Unanswered are the nodes with no snapshot, in order.
func (c *Cluster) Unanswered() []*ClusterNode {
	var out []*ClusterNode
	for i := range c.Nodes {
		if !c.Nodes[i].Answered() {
			out = append(out, &c.Nodes[i])
		}
	}
	return out
}

// Member returns node's part of the overlay.
func (o *ClusterOverlay) Member(node string) (*OverlayMember, bool) {
	for i := range o.Members {
		if o.Members[i].Node == node {
			return &o.Members[i], true
		}
	}
	return nil, false
}

// Sort puts every list in its documented order and replaces nil lists
// with empty ones, as Snapshot.Sort does.
func (c *Cluster) Sort() {
	c.Kind = ClusterKind
	slices.SortFunc(c.Nodes, func(a, b ClusterNode) int { return cmp.Compare(a.Name, b.Name) })
	for i := range c.Overlays {
		o := &c.Overlays[i]
		slices.SortFunc(o.Members, func(a, b OverlayMember) int { return cmp.Compare(a.Node, b.Node) })
		for j := range o.Members {
			m := &o.Members[j]
			m.Tasks = sortedNonNil(m.Tasks)
			m.Peers = sortedNonNil(m.Peers)
		}
		o.Members = nonNil(o.Members)
	}
	slices.SortFunc(c.Overlays, func(a, b ClusterOverlay) int {
		return cmp.Or(cmp.Compare(a.Network, b.Network), cmp.Compare(a.NetworkID, b.NetworkID))
	})
	slices.SortFunc(c.Tunnels, func(a, b Tunnel) int {
		return cmp.Or(cmp.Compare(a.Network, b.Network), cmp.Compare(a.NetworkID, b.NetworkID),
			cmp.Compare(a.A, b.A), cmp.Compare(a.B, b.B), strings.Compare(a.AddrB, b.AddrB))
	})
	c.Nodes, c.Overlays, c.Tunnels, c.Warnings = nonNil(c.Nodes), nonNil(c.Overlays), nonNil(c.Tunnels), nonNil(c.Warnings)
}

func sortedNonNil(ss []string) []string {
	ss = nonNil(ss)
	slices.Sort(ss)
	return slices.Compact(ss)
}
