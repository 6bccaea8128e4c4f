package render

// The diagram's look, keyed by kind: one table for DOT, Mermaid and the
// legend, so the three agree. Nothing here looks at a name.

type diagramNodeStyle struct {
	fill, border, font string
	dashed             bool // not quite there: orphans, stopped containers
	thick              bool
	double             bool // stands for many
	// column is the node's place from the uplink outwards, the textbook
	// order: uplink, bridge, host veth, container link.
	column int
	legend string
}

type diagramEdgeStyle struct {
	color  string
	double bool // two parallel lines: the two ends of a veth pair
	dashed bool
	dotted bool
	width  float64
	swatch string // how the legend draws the line in text
	legend string
}

type diagramClusterStyle struct {
	fill, border string
	dashed       bool
}

const (
	diagramFont      = "Arial" // one name: the embedded Graphviz measures text by it only then
	diagramTextColor = "#1f2937"
	diagramDimText   = "#6b7280"
)

var diagramNodeStyles = map[NodeKind]diagramNodeStyle{
	NodeUplink:           {column: 0, fill: "#dbeafe", border: "#1d4ed8", thick: true, legend: "uplink: the host's link with the default route"},
	NodeHostLink:         {column: 0, fill: "#eef2f7", border: "#64748b", legend: "another host link"},
	NodeBridge:           {column: 1, fill: "#ffedd5", border: "#c2410c", thick: true, legend: "Linux bridge of a Docker network"},
	NodeHostVeth:         {column: 2, fill: "#dcfce7", border: "#15803d", legend: "veth, host end: a port of its bridge"},
	NodeInterface:        {column: 3, fill: "#dcfce7", border: "#15803d", legend: "link inside a container's namespace"},
	NodeMacvlan:          {column: 3, fill: "#f3e8ff", border: "#7e22ce", legend: "macvlan: on its parent link, no bridge"},
	NodeIpvlan:           {column: 3, fill: "#fae8ff", border: "#a21caf", legend: "ipvlan: on its parent link, no bridge"},
	NodeLoopback:         {column: 3, fill: "#f1f5f9", border: "#94a3b8", legend: "loopback only (network: none)"},
	NodeHostContainer:    {column: 2, fill: "#fef9c3", border: "#a16207", legend: "container in the host namespace (network: host)"},
	NodeGroup:            {column: 3, fill: "#ecfdf5", border: "#047857", double: true, legend: "many similar containers drawn as one"},
	NodeOrphanVeth:       {column: 2, fill: "#f5f5f5", border: "#9ca3af", font: diagramDimText, dashed: true, legend: "orphan veth: its peer belongs to no container"},
	NodeStoppedContainer: {column: 3, fill: "#f5f5f5", border: "#9ca3af", font: diagramDimText, dashed: true, legend: "stopped container: no namespace, no links"},
}

var diagramEdgeStyles = map[EdgeKind]diagramEdgeStyle{
	EdgeUplink:      {color: "#1d4ed8", dashed: true, width: 1.4, swatch: "- - -", legend: "bridge subnet, routed / NAT via the uplink"},
	EdgePort:        {color: "#c2410c", width: 1.6, swatch: "———", legend: "bridge port"},
	EdgePair:        {color: "#15803d", double: true, width: 1.4, swatch: "═══", legend: "veth pair: the two ends of one virtual cable"},
	EdgeGroup:       {color: "#047857", double: true, width: 2.2, swatch: "═══", legend: "many veth pairs"},
	EdgeParent:      {color: "#7e22ce", width: 1.6, swatch: "———", legend: "macvlan / ipvlan on its parent link"},
	EdgeHostNetwork: {color: "#a16207", dotted: true, width: 1.4, swatch: "·····", legend: "uses the host's own links"},
	EdgeOrphanPair:  {color: "#9ca3af", double: true, dashed: true, width: 1.4, swatch: "═ ═", legend: "veth pair of an orphan"},
	EdgeStopped:     {color: "#9ca3af", dotted: true, width: 1.2, swatch: "·····", legend: "network of a stopped container"},
}

var diagramClusterStyles = map[ClusterKind]diagramClusterStyle{
	ClusterHost:      {fill: "#f8fafc", border: "#334155"},
	ClusterContainer: {fill: "#ffffff", border: "#64748b"},
	ClusterNetns:     {fill: "#fafafa", border: "#9ca3af", dashed: true},
}
