package diagram

import (
	"slices"
)

// The diagram's look, keyed by kind: one table for DOT, Mermaid and the
// legend, so the three agree. Nothing here looks at a name.

// NodeStyle is how a kind of node is drawn.
type NodeStyle struct {
	Fill, Border, Font string
	Dashed             bool // not quite there: orphans, stopped containers
	Thick              bool
	Double             bool // stands for many
	// Column is the node's place from the uplink outwards, the textbook
	// order: uplink, bridge, host veth, container link.
	Column int
	Legend string
}

// EdgeStyle is how a kind of edge is drawn.
type EdgeStyle struct {
	Color  string
	Double bool // two parallel lines: the two ends of a veth pair
	Dashed bool
	Dotted bool
	Width  float64
	Swatch string // how the legend draws the line in text
	Legend string
}

// ClusterStyle is how a kind of cluster is drawn.
type ClusterStyle struct {
	Fill, Border string
	Dashed       bool
}

// The diagram's font and text colours.
const (
	Font      = "Arial" // one name: the embedded Graphviz measures text by it only then
	TextColor = "#1f2937"
	DimText   = "#6b7280"
)

// Style is how nodes of kind k are drawn.
func (k NodeKind) Style() NodeStyle { return nodeStyles[k] }

// Style is how edges of kind k are drawn.
func (k EdgeKind) Style() EdgeStyle { return edgeStyles[k] }

// Style is how clusters of kind k are drawn.
func (k ClusterKind) Style() ClusterStyle { return clusterStyles[k] }

// AllNodeKinds are every node kind, in legend order.
func AllNodeKinds() []NodeKind { return slices.Clone(nodeKindOrder) }

// AllEdgeKinds are every edge kind, in legend order.
func AllEdgeKinds() []EdgeKind { return slices.Clone(edgeKindOrder) }

var nodeKindOrder = []NodeKind{
	NodeUplink, NodeHostLink, NodeBridge, NodeHostVeth, NodeInterface, NodeMacvlan, NodeIpvlan,
	NodeLoopback, NodeHostContainer, NodeGroup, NodeOrphanVeth, NodeStoppedContainer,
	NodeOverlayBridge, NodeVXLAN, NodeRemoteVTEP,
}

var edgeKindOrder = []EdgeKind{
	EdgeUplink, EdgePort, EdgePair, EdgeGroup, EdgeParent, EdgeHostNetwork, EdgeOrphanPair, EdgeStopped,
	EdgeRemoteTunnel, EdgeEncryptedTunnel,
}

var nodeStyles = map[NodeKind]NodeStyle{
	NodeUplink:           {Column: 0, Fill: "#dbeafe", Border: "#1d4ed8", Thick: true, Legend: "uplink: the host's link with the default route"},
	NodeHostLink:         {Column: 0, Fill: "#eef2f7", Border: "#64748b", Legend: "another host link"},
	NodeBridge:           {Column: 1, Fill: "#ffedd5", Border: "#c2410c", Thick: true, Legend: "Linux bridge of a Docker network"},
	NodeHostVeth:         {Column: 2, Fill: "#dcfce7", Border: "#15803d", Legend: "veth, host end: a port of its bridge"},
	NodeInterface:        {Column: 3, Fill: "#dcfce7", Border: "#15803d", Legend: "link inside a container's namespace"},
	NodeMacvlan:          {Column: 3, Fill: "#f3e8ff", Border: "#7e22ce", Legend: "macvlan: on its parent link, no bridge"},
	NodeIpvlan:           {Column: 3, Fill: "#fae8ff", Border: "#a21caf", Legend: "ipvlan: on its parent link, no bridge"},
	NodeLoopback:         {Column: 3, Fill: "#f1f5f9", Border: "#94a3b8", Legend: "loopback only (network: none)"},
	NodeHostContainer:    {Column: 2, Fill: "#fef9c3", Border: "#a16207", Legend: "container in the host namespace (network: host)"},
	NodeGroup:            {Column: 3, Fill: "#ecfdf5", Border: "#047857", Double: true, Legend: "many similar containers drawn as one"},
	NodeOrphanVeth:       {Column: 2, Fill: "#f5f5f5", Border: "#9ca3af", Font: DimText, Dashed: true, Legend: "orphan veth: its peer belongs to no container"},
	NodeStoppedContainer: {Column: 3, Fill: "#f5f5f5", Border: "#9ca3af", Font: DimText, Dashed: true, Legend: "stopped container: no namespace, no links"},
	NodeOverlayBridge:    {Column: 1, Fill: "#ccfbf1", Border: "#0f766e", Thick: true, Legend: "overlay sandbox's bridge (br0, in Docker's 1-<netid> namespace)"},
	NodeVXLAN:            {Column: 0, Fill: "#e0e7ff", Border: "#4338ca", Thick: true, Legend: "VXLAN device: the overlay's tunnel to the other nodes"},
	NodeRemoteVTEP:       {Column: -1, Fill: "#ffffff", Border: "#4338ca", Dashed: true, Legend: "another swarm node: the far end of VXLAN tunnels"},
}

var edgeStyles = map[EdgeKind]EdgeStyle{
	EdgeUplink:       {Color: "#1d4ed8", Dashed: true, Width: 1.4, Swatch: "- - -", Legend: "bridge subnet, routed / NAT via the uplink"},
	EdgePort:         {Color: "#c2410c", Width: 1.6, Swatch: "———", Legend: "bridge port"},
	EdgePair:         {Color: "#15803d", Double: true, Width: 1.4, Swatch: "═══", Legend: "veth pair: the two ends of one virtual cable"},
	EdgeGroup:        {Color: "#047857", Double: true, Width: 2.2, Swatch: "═══", Legend: "many veth pairs"},
	EdgeParent:       {Color: "#7e22ce", Width: 1.6, Swatch: "———", Legend: "macvlan / ipvlan on its parent link"},
	EdgeHostNetwork:  {Color: "#a16207", Dotted: true, Width: 1.4, Swatch: "·····", Legend: "uses the host's own links"},
	EdgeOrphanPair:   {Color: "#9ca3af", Double: true, Dashed: true, Width: 1.4, Swatch: "═ ═", Legend: "veth pair of an orphan"},
	EdgeStopped:      {Color: "#9ca3af", Dotted: true, Width: 1.2, Swatch: "·····", Legend: "network of a stopped container"},
	EdgeRemoteTunnel: {Color: "#4338ca", Dashed: true, Width: 2, Swatch: "- - -", Legend: "VXLAN tunnel (VNI), UDP over the uplink"},
	EdgeEncryptedTunnel: {Color: "#b91c1c", Dashed: true, Width: 2.4, Swatch: "- - -",
		Legend: "encrypted VXLAN tunnel (IPsec ESP)"},
}

var clusterStyles = map[ClusterKind]ClusterStyle{
	ClusterHost:      {Fill: "#f8fafc", Border: "#334155"},
	ClusterContainer: {Fill: "#ffffff", Border: "#64748b"},
	ClusterNetns:     {Fill: "#fafafa", Border: "#9ca3af", Dashed: true},
	ClusterOverlay:   {Fill: "#f0fdfa", Border: "#0f766e", Dashed: true},
	ClusterDocker:    {Fill: "#f5f3ff", Border: "#6d28d9", Dashed: true},
	ClusterProject:   {Fill: "#eff6ff", Border: "#2563eb"},
}
