// Package diagram decides what a snapshot looks like as a picture: which
// clusters (the host, each network namespace), nodes (links, bridges,
// containers) and edges (bridge ports, veth pairs, macvlan parents) it
// shows, in a fixed order with stable IDs, and how each kind is styled.
// Build decides once, so that the DOT, Mermaid and HTML writers
// (render/diagram/dot, mermaid, html) all draw the same thing.
//
// Nodes are styled by kind, never by name. Problems netviz doctor found
// (Options.Problems) are placed with render/marks and carried on the nodes
// and clusters they are about; those about nothing drawn mark the host.
package diagram

import (
	"github.com/netviz/netviz/explain"
	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/topo"
)

// NodeKind says what a diagram node is; renderers style nodes by kind only.
type NodeKind string

// Node kinds.
const (
	NodeUplink           NodeKind = "uplink"            // the host's default-route link
	NodeHostLink         NodeKind = "host-link"         // another host link: a macvlan parent, a NIC on a bridge
	NodeBridge           NodeKind = "bridge"            // a Linux bridge in the host namespace
	NodeHostVeth         NodeKind = "host-veth"         // host end of a veth pair, a port of its bridge
	NodeOrphanVeth       NodeKind = "orphan-veth"       // host veth whose peer belongs to no container
	NodeInterface        NodeKind = "interface"         // a link inside a namespace (the container end of a pair)
	NodeMacvlan          NodeKind = "macvlan"           // a macvlan link inside a namespace
	NodeIpvlan           NodeKind = "ipvlan"            // an ipvlan link inside a namespace
	NodeLoopback         NodeKind = "loopback"          // lo, drawn only where it is all there is
	NodeHostContainer    NodeKind = "host-container"    // a container in the host's namespace (network mode host)
	NodeStoppedContainer NodeKind = "stopped-container" // a container with no namespace: created, exited
	NodeGroup            NodeKind = "group"             // many similar containers on one bridge
	NodeOverlayBridge    NodeKind = "overlay-bridge"    // an overlay sandbox's bridge (br0)
	NodeVXLAN            NodeKind = "vxlan"             // an overlay's VXLAN device in its sandbox
	NodeRemoteVTEP       NodeKind = "remote-vtep"       // another swarm node an overlay tunnels to
)

// ClusterKind says what a diagram cluster is.
type ClusterKind string

// Cluster kinds.
const (
	ClusterHost      ClusterKind = "host"      // the host's network namespace
	ClusterContainer ClusterKind = "container" // the namespace of one or more containers
	ClusterNetns     ClusterKind = "netns"     // a namespace no container owns
	ClusterOverlay   ClusterKind = "overlay"   // an overlay network's sandbox on this node (1-<netid>)
	ClusterDocker    ClusterKind = "docker"    // Docker's own namespace: ingress_sbox, lb_<netid>
)

// EdgeKind says what a diagram edge means.
type EdgeKind string

// Edge kinds. From is the end nearer the uplink.
const (
	EdgeUplink      EdgeKind = "uplink"       // uplink → bridge: routed and NATed traffic of the bridge's subnet
	EdgePort        EdgeKind = "port"         // bridge → host veth (or other link) enslaved to it
	EdgePair        EdgeKind = "pair"         // host veth → container veth: the two ends of one veth pair
	EdgeOrphanPair  EdgeKind = "orphan-pair"  // host veth → its peer in a namespace no container owns
	EdgeParent      EdgeKind = "parent"       // host link → macvlan/ipvlan link on it
	EdgeHostNetwork EdgeKind = "host-network" // uplink → container sharing the host's namespace
	EdgeStopped     EdgeKind = "stopped"      // bridge → stopped container configured on its network
	EdgeGroup       EdgeKind = "group"        // bridge → summary node: many veth pairs
	// EdgeRemoteTunnel is a remote node → an overlay's VXLAN device that sends to it.
	EdgeRemoteTunnel    EdgeKind = "remote-tunnel"
	EdgeEncryptedTunnel EdgeKind = "encrypted-tunnel" // the same, IPsec-encrypted
)

// Field is one line of a node's details: what the HTML panel shows.
type Field struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Node is one box of the diagram.
type Node struct {
	// ID is stable across runs and safe as a DOT, Mermaid and HTML id.
	ID    string   `json:"id"`
	Kind  NodeKind `json:"kind"`
	Title string   `json:"title"`
	// Lines are drawn under the title, one a line.
	Lines   []string `json:"lines"`
	Details []Field  `json:"details"`
	// Problems are those marked on the node, most serious first.
	Problems []topo.Finding `json:"problems,omitempty"`
	// Explain are the commands that show the node's facts by hand.
	Explain []explain.Command `json:"explain,omitempty"`
}

// Cluster is a box of boxes: the host or one network namespace.
type Cluster struct {
	ID       string         `json:"id"`
	Kind     ClusterKind    `json:"kind"`
	Title    string         `json:"title"`
	Lines    []string       `json:"lines"`
	Nodes    []Node         `json:"nodes"`
	Details  []Field        `json:"details"`
	Problems []topo.Finding `json:"problems,omitempty"`
	// Explain are the commands that show the cluster's facts by hand.
	Explain []explain.Command `json:"explain,omitempty"`
}

// Edge is one line between two nodes.
type Edge struct {
	ID    string   `json:"id"`
	From  string   `json:"from"`
	To    string   `json:"to"`
	Kind  EdgeKind `json:"kind"`
	Label string   `json:"label,omitempty"`
}

// Diagram is what a snapshot looks like as a picture, decided once so that
// the DOT, Mermaid and HTML writers draw the same thing. It is plain data in a
// fixed order: the same snapshot always gives the same diagram.
type Diagram struct {
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	// Clusters are the host first, then one per network namespace.
	Clusters []Cluster `json:"clusters"`
	// Nodes are those outside any cluster: stopped containers, summaries.
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
	// Projects are boxes around the clusters of each Docker Compose
	// project, when grouped by project (see project.go).
	Projects []Project `json:"projects,omitempty"`
	// Tunnels are the VXLAN tunnel edges with their ends (see overlay.go).
	Tunnels []Tunnel `json:"tunnels,omitempty"`
}

// NodeKinds returns the node kinds the diagram uses, in legend order.
func (d *Diagram) NodeKinds() []NodeKind {
	seen := map[NodeKind]bool{}
	for _, c := range d.Clusters {
		for _, n := range c.Nodes {
			seen[n.Kind] = true
		}
	}
	for _, n := range d.Nodes {
		seen[n.Kind] = true
	}
	var out []NodeKind
	for _, k := range nodeKindOrder {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// ProblemSeverities returns the severities of the problems marked on the
// diagram, most serious first.
func (d *Diagram) ProblemSeverities() []topo.Severity {
	seen := map[topo.Severity]bool{}
	for _, c := range d.Clusters {
		for _, p := range c.Problems {
			seen[p.Severity] = true
		}
		for _, n := range c.Nodes {
			for _, p := range n.Problems {
				seen[p.Severity] = true
			}
		}
	}
	for _, n := range d.Nodes {
		for _, p := range n.Problems {
			seen[p.Severity] = true
		}
	}
	var out []topo.Severity
	for _, sev := range marks.Severities() {
		if seen[sev] {
			out = append(out, sev)
		}
	}
	return out
}

// EdgeKinds returns the edge kinds the diagram uses, in legend order.
func (d *Diagram) EdgeKinds() []EdgeKind {
	seen := map[EdgeKind]bool{}
	for _, e := range d.Edges {
		seen[e.Kind] = true
	}
	var out []EdgeKind
	for _, k := range edgeKindOrder {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// MaxLabel bounds a label line; the details keep the whole string.
const MaxLabel = 48
