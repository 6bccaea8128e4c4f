package render

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/netviz/netviz/topo"
)

// DefaultGroupThreshold is how many similar containers a bridge may have
// before BuildDiagram draws them as one summary node.
const DefaultGroupThreshold = 30

// DiagramOptions say how BuildDiagram draws a snapshot.
type DiagramOptions struct {
	// Expand draws every container, never a summary node.
	Expand bool
	// GroupThreshold is the number of similar containers on one bridge above
	// which they are drawn as one summary node; 0 or less means
	// DefaultGroupThreshold.
	GroupThreshold int
	// Title replaces the default title ("Docker networking on <host>").
	Title string
	// Version is the netviz version named in the subtitle; the snapshot's
	// own NetvizVersion is used when it is empty.
	Version string
	// Now is the time named in the subtitle when the snapshot has no
	// GeneratedAt.
	Now time.Time
	// Problems are marked on the nodes and clusters they are about (see
	// Problem): a red (error) or amber (warning) border and their IDs under
	// the title. Those about nothing drawn mark the host cluster.
	Problems []Problem
}

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
)

// ClusterKind says what a diagram cluster is.
type ClusterKind string

// Cluster kinds.
const (
	ClusterHost      ClusterKind = "host"      // the host's network namespace
	ClusterContainer ClusterKind = "container" // the namespace of one or more containers
	ClusterNetns     ClusterKind = "netns"     // a namespace no container owns
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
	Problems []Problem `json:"problems,omitempty"`
}

// Cluster is a box of boxes: the host or one network namespace.
type Cluster struct {
	ID       string      `json:"id"`
	Kind     ClusterKind `json:"kind"`
	Title    string      `json:"title"`
	Lines    []string    `json:"lines"`
	Nodes    []Node      `json:"nodes"`
	Details  []Field     `json:"details"`
	Problems []Problem   `json:"problems,omitempty"`
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
	for _, k := range diagramNodeKindOrder {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// ProblemSeverities returns the severities of the problems marked on the
// diagram, most serious first.
func (d *Diagram) ProblemSeverities() []string {
	seen := map[string]bool{}
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
	var out []string
	for _, sev := range problemSeverities {
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
	for _, k := range diagramEdgeKindOrder {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out
}

var diagramNodeKindOrder = []NodeKind{
	NodeUplink, NodeHostLink, NodeBridge, NodeHostVeth, NodeInterface, NodeMacvlan, NodeIpvlan,
	NodeLoopback, NodeHostContainer, NodeGroup, NodeOrphanVeth, NodeStoppedContainer,
}

var diagramEdgeKindOrder = []EdgeKind{
	EdgeUplink, EdgePort, EdgePair, EdgeGroup, EdgeParent, EdgeHostNetwork, EdgeOrphanPair, EdgeStopped,
}

// diagramMaxLabel bounds a label line; the details keep the whole string.
const diagramMaxLabel = 48

// BuildDiagram decides what the diagram of s shows: clusters, nodes and
// edges in a stable order with stable IDs. s is not changed.
func BuildDiagram(s *topo.Snapshot, opt DiagramOptions) *Diagram {
	if opt.GroupThreshold <= 0 {
		opt.GroupThreshold = DefaultGroupThreshold
	}
	b := newDiagramBuilder(s, opt)
	b.build()
	return b.d
}

// diagramNamespace is one non-host namespace and the containers in it.
type diagramNamespace struct {
	id         string
	ns         *topo.Namespace       // nil when only containers name it
	containers []*topo.Container     // owner first
	ifaces     []topo.Interface      // as the snapshot lists them
	grouped    bool                  // drawn inside a summary node
	pairs      map[string]*topo.Pair // by container-side interface name
}

type diagramBuilder struct {
	s   *topo.Snapshot
	opt DiagramOptions
	d   *Diagram

	ids map[string]bool // every ID handed out

	hostIfs     map[string]*topo.Interface
	networks    map[string]*topo.Network
	netOfBridge map[string]*topo.Network
	pairOfHost  map[string]*topo.Pair
	namespaces  []*diagramNamespace
	nsByID      map[string]*diagramNamespace
	hostMode    []*topo.Container
	stopped     []*topo.Container

	grouped    []diagramGroup
	marks      *problemMarks
	hostNode   map[string]string // host link name → node ID
	host       *Cluster
	nsClusters []Cluster
}

func newDiagramBuilder(s *topo.Snapshot, opt DiagramOptions) *diagramBuilder {
	b := &diagramBuilder{
		s: s, opt: opt, d: &Diagram{Clusters: []Cluster{}, Nodes: []Node{}, Edges: []Edge{}},
		ids:         map[string]bool{},
		hostIfs:     map[string]*topo.Interface{},
		networks:    map[string]*topo.Network{},
		netOfBridge: map[string]*topo.Network{},
		pairOfHost:  map[string]*topo.Pair{},
		nsByID:      map[string]*diagramNamespace{},
		hostNode:    map[string]string{},
		marks:       newProblemMarks(s, opt.Problems),
	}
	for i := range s.Interfaces {
		b.hostIfs[s.Interfaces[i].Name] = &s.Interfaces[i]
	}
	for i := range s.Networks {
		n := &s.Networks[i]
		b.networks[n.Name] = n
		if n.Bridge != "" {
			b.netOfBridge[n.Bridge] = n
		}
	}
	for i := range s.Pairs {
		b.pairOfHost[s.Pairs[i].HostInterface] = &s.Pairs[i]
	}
	b.indexNamespaces()
	return b
}

// indexNamespaces sorts containers into host-mode, stopped and per-namespace.
func (b *diagramBuilder) indexNamespaces() {
	s := b.s
	hostNS := s.Host.Namespace
	add := func(id string) *diagramNamespace {
		if n, ok := b.nsByID[id]; ok {
			return n
		}
		n := &diagramNamespace{id: id, pairs: map[string]*topo.Pair{}}
		if ns, ok := s.Namespace(id); ok {
			n.ns = ns
		}
		b.nsByID[id] = n
		b.namespaces = append(b.namespaces, n)
		return n
	}
	for i := range s.Namespaces {
		if ns := &s.Namespaces[i]; !ns.Host && ns.ID != hostNS {
			add(ns.ID)
		}
	}
	containers := make([]*topo.Container, 0, len(s.Containers))
	for i := range s.Containers {
		containers = append(containers, &s.Containers[i])
	}
	slices.SortFunc(containers, func(a, c *topo.Container) int { return diagramCompareNames(a.Name, c.Name) })
	byName := map[string]*topo.Container{}
	for _, c := range containers {
		byName[c.Name] = c
	}
	nsOf := func(c *topo.Container) string {
		if c.Namespace != "" {
			return c.Namespace
		}
		// A sharer may be listed without the namespace it joined.
		if o, ok := byName[c.SharesNamespaceWith]; ok && o != c {
			return o.Namespace
		}
		return ""
	}
	for _, c := range containers {
		id := nsOf(c)
		switch {
		case c.NetworkMode == "host" || (id != "" && id == hostNS):
			b.hostMode = append(b.hostMode, c)
		case id == "":
			b.stopped = append(b.stopped, c)
		default:
			n := add(id)
			n.containers = append(n.containers, c)
		}
	}
	for _, n := range b.namespaces {
		// Owner first, then those that joined it.
		slices.SortStableFunc(n.containers, func(a, c *topo.Container) int {
			return cmp.Compare(diagramIsSharer(a, n), diagramIsSharer(c, n))
		})
		n.ifaces = s.NamespaceInterfaces(n.id)
	}
	for i := range s.Pairs {
		p := &s.Pairs[i]
		if n, ok := b.nsByID[p.Namespace]; ok && p.Namespace != "" {
			n.pairs[p.ContainerInterface] = p
		}
	}
	// Namespaces of containers in name order, then the others by ID.
	slices.SortStableFunc(b.namespaces, func(a, c *diagramNamespace) int {
		if (len(a.containers) == 0) != (len(c.containers) == 0) {
			if len(a.containers) == 0 {
				return 1
			}
			return -1
		}
		if len(a.containers) > 0 {
			return diagramCompareNames(a.containers[0].Name, c.containers[0].Name)
		}
		return strings.Compare(a.id, c.id)
	})
}

// diagramCompareNames orders names as people number things: app-2 before
// app-10.
func diagramCompareNames(a, b string) int {
	for a != "" && b != "" {
		da, db := diagramDigits(a), diagramDigits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if d := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); d != 0 {
				return d
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func diagramDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func diagramIsSharer(c *topo.Container, n *diagramNamespace) int {
	if c.SharesNamespaceWith != "" {
		return 1
	}
	if n.ns != nil && n.ns.Owner != "" && n.ns.Owner != c.Name {
		return 1
	}
	return 0
}

func (b *diagramBuilder) build() {
	b.titles()
	b.groups()
	b.hostCluster()
	for _, n := range b.namespaces {
		if !n.grouped {
			b.namespaceCluster(n)
		}
	}
	b.groupNodes()
	b.stoppedNodes()
	b.host.Problems = b.marks.list(b.marks.hostWide())
	b.d.Clusters = append(append(b.d.Clusters, *b.host), b.nsClusters...)
}

func (b *diagramBuilder) titles() {
	s := b.s
	host := s.Host.Hostname
	if host == "" {
		host = "unnamed host"
	}
	b.d.Title = b.opt.Title
	if b.d.Title == "" {
		b.d.Title = "Docker networking on " + host
	}
	when := s.GeneratedAt
	if when.IsZero() {
		when = b.opt.Now
	}
	parts := []string{"host " + host}
	if !when.IsZero() {
		parts = append(parts, when.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if s.Host.Runtime.Version != "" {
		parts = append(parts, "Docker "+s.Host.Runtime.Version)
	}
	version := b.opt.Version
	if version == "" {
		version = s.NetvizVersion
	}
	if version != "" {
		parts = append(parts, "netviz "+version)
	}
	if n := len(s.Warnings); n > 0 {
		parts = append(parts, diagramPlural(n, "warning", "warnings")+" (see the snapshot)")
	}
	if ps := b.marks.problems; len(ps) > 0 {
		var counts []string
		for _, sev := range problemSeverities {
			n := 0
			for _, p := range ps {
				if p.Severity == sev {
					n++
				}
			}
			if n > 0 {
				counts = append(counts, diagramPlural(n, sev, sev+"s"))
			}
		}
		parts = append(parts, "netviz doctor: "+strings.Join(counts, ", "))
	}
	b.d.Subtitle = strings.Join(parts, " · ")
}

// diagramGroup is a run of similar containers on one bridge, drawn as one node.
type diagramGroup struct {
	bridge  string
	members []*diagramNamespace
}

// groupable returns the veth pair that a namespace hangs on when it is one of
// many similar ones: one running container that joined nobody and publishes
// nothing, and one link besides lo, a veth whose host end is a port of that
// bridge. Anything more particular is worth drawing on its own.
func (b *diagramBuilder) groupable(n *diagramNamespace) (*topo.Pair, bool) {
	if len(n.containers) != 1 {
		return nil, false
	}
	c := n.containers[0]
	if c.State != topo.StateRunning || len(c.Ports) > 0 {
		return nil, false
	}
	var only *topo.Interface
	for i := range n.ifaces {
		if n.ifaces[i].Kind == topo.KindLoopback {
			continue
		}
		if only != nil {
			return nil, false
		}
		only = &n.ifaces[i]
	}
	if only == nil || only.Kind != topo.KindVeth {
		return nil, false
	}
	p := n.pairs[only.Name]
	if p == nil || p.Bridge == "" || p.Container == "" {
		return nil, false
	}
	return p, true
}

func (b *diagramBuilder) groups() {
	if b.opt.Expand {
		return
	}
	byBridge := map[string][]*diagramNamespace{}
	for _, n := range b.namespaces {
		if p, ok := b.groupable(n); ok {
			byBridge[p.Bridge] = append(byBridge[p.Bridge], n)
		}
	}
	for _, br := range slices.Sorted(maps.Keys(byBridge)) {
		members := byBridge[br]
		if len(members) <= b.opt.GroupThreshold {
			continue
		}
		for _, n := range members {
			n.grouped = true
		}
		b.grouped = append(b.grouped, diagramGroup{bridge: br, members: members})
	}
}

func (b *diagramBuilder) hostCluster() {
	s := b.s
	host := s.Host.Hostname
	if host == "" {
		host = "host"
	}
	b.host = &Cluster{
		ID:    b.newID("cluster_host"),
		Kind:  ClusterHost,
		Title: diagramClip(host),
		Lines: []string{"host network namespace"},
		Details: diagramFields(
			"hostname", s.Host.Hostname,
			"kernel", s.Host.Kernel,
			"docker", s.Host.Runtime.Version,
			"docker API", s.Host.Runtime.APIVersion,
			"uplink", s.Host.Uplink,
			"namespace", s.Host.Namespace,
		),
	}
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
			b.edge(uplink, id, EdgeUplink, diagramUplinkLabel(n))
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
		if p := &s.Pairs[i]; !b.isGrouped(p) {
			b.hostLink(p.HostInterface)
		}
	}
	for _, c := range b.hostMode {
		id := b.newID("ctr_" + c.Name)
		lines := []string{diagramClip(c.Image), "network: host (shares the host's links)"}
		if c.State != topo.StateRunning {
			lines = append(lines, c.State)
		}
		b.host.Nodes = append(b.host.Nodes, Node{
			ID: id, Kind: NodeHostContainer, Title: diagramClip(c.Name), Lines: lines,
			Details:  diagramContainerFields(c),
			Problems: b.marks.list(problemUnion(b.marks.container(c.Name), b.marks.rest(c.Name))),
		})
		if uplink != "" {
			b.edge(uplink, id, EdgeHostNetwork, "")
		}
	}
}

func (b *diagramBuilder) isGrouped(p *topo.Pair) bool {
	n, ok := b.nsByID[p.Namespace]
	return ok && p.Namespace != "" && n.grouped
}

// bridgePorts lists a bridge's ports in drawing order: those paired with a
// container by container name, then orphans, then other links, so that the
// ports line up with the namespace clusters they lead to.
func (b *diagramBuilder) bridgePorts(br *topo.Bridge) []string {
	ports := slices.Clone(br.Ports)
	for _, p := range b.s.Pairs {
		if p.Bridge == br.Name && !slices.Contains(ports, p.HostInterface) {
			ports = append(ports, p.HostInterface)
		}
	}
	rank := func(port string) int {
		p := b.pairOfHost[port]
		switch {
		case p == nil:
			return 2
		case p.Container == "":
			return 1
		}
		return 0
	}
	slices.SortFunc(ports, func(x, y string) int {
		if d := cmp.Compare(rank(x), rank(y)); d != 0 || rank(x) != 0 {
			return cmp.Or(d, strings.Compare(x, y))
		}
		px, py := b.pairOfHost[x], b.pairOfHost[y]
		return cmp.Or(diagramCompareNames(px.Container, py.Container),
			strings.Compare(px.ContainerInterface, py.ContainerInterface), strings.Compare(x, y))
	})
	return slices.Compact(ports)
}

func (b *diagramBuilder) bridgeNode(br *topo.Bridge) string {
	id := b.newID("host_" + br.Name)
	b.hostNode[br.Name] = id
	lines := []string{}
	n := b.netOfBridge[br.Name]
	switch {
	case n != nil:
		lines = append(lines, diagramClip("network "+n.Name))
	case br.Network != "":
		lines = append(lines, diagramClip("network "+br.Network))
	default:
		lines = append(lines, "not a Docker network")
	}
	lines = append(lines, diagramClipAll(br.Addresses)...)
	if br.MTU > 0 {
		lines = append(lines, "mtu "+strconv.Itoa(br.MTU))
	}
	if n != nil && n.Internal {
		lines = append(lines, "internal: no route out")
	}
	if br.State != "" && br.State != "up" {
		lines = append(lines, br.State)
	}
	details := diagramFields(
		"bridge", br.Name,
		"ifindex", diagramInt(br.Index),
		"mac", br.MAC,
		"addresses", strings.Join(br.Addresses, ", "),
		"mtu", diagramInt(br.MTU),
		"state", br.State,
		"stp", strconv.FormatBool(br.STP),
		"ports", strings.Join(br.Ports, ", "),
	)
	if n != nil {
		details = append(details, diagramNetworkFields(n)...)
	}
	b.host.Nodes = append(b.host.Nodes, Node{ID: id, Kind: NodeBridge, Title: diagramClip(br.Name), Lines: lines, Details: details,
		Problems: b.marks.list(b.marks.host(br.Name))})
	return id
}

// hostLink returns the node of a host link, drawing it in the host cluster
// the first time it is asked for.
func (b *diagramBuilder) hostLink(name string) string {
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
		lines = append([]string{"uplink (default route)"}, diagramIfaceLines(i)...)
	case p != nil && p.Container == "":
		kind = NodeOrphanVeth
		peer := "peer: no container"
		if p.Namespace == "" {
			peer = "peer: namespace unknown"
		} else if _, known := b.nsByID[p.Namespace]; !known {
			peer = diagramClip("peer in " + diagramNamespaceName(p.Namespace, p.NamespaceName))
		}
		lines = []string{"orphan veth", peer}
	case p != nil:
		kind = NodeHostVeth
		// Which container it leads to, readable without following the line.
		lines = []string{diagramClip("⇄ " + p.Container + ":" + p.ContainerInterface)}
	default:
		lines = diagramIfaceLines(i)
		if !known {
			lines = append(lines, "not in the snapshot")
		}
	}
	details := diagramIfaceFields(i)
	if p != nil {
		details = append(details, diagramPairFields(p)...)
	}
	b.host.Nodes = append(b.host.Nodes, Node{ID: id, Kind: kind, Title: diagramClip(name), Lines: diagramLines(lines), Details: details,
		Problems: b.marks.list(b.marks.host(name))})
	return id
}

func (b *diagramBuilder) namespaceCluster(n *diagramNamespace) {
	c := Cluster{Kind: ClusterNetns, Lines: []string{}}
	c.ID = b.newID("cluster_" + n.id)
	if len(n.containers) > 0 {
		c.Kind = ClusterContainer
		owner := n.containers[0]
		c.Title = diagramClip(owner.Name)
		c.Lines = append(c.Lines, diagramContainerLine(owner))
		if owner.NetworkMode == "none" {
			c.Lines = append(c.Lines, "network: none")
		}
		for _, o := range n.containers[1:] {
			c.Lines = append(c.Lines, diagramClip("+ "+o.Name+" ("+o.Image+")"))
		}
		if len(n.containers) > 1 {
			c.Lines = append(c.Lines, "containers share one network namespace")
		}
		for _, o := range n.containers {
			c.Lines = append(c.Lines, diagramPorts(o)...)
		}
		for _, o := range n.containers {
			c.Details = append(c.Details, diagramContainerFields(o)...)
		}
	} else {
		name := ""
		if n.ns != nil {
			name = n.ns.Name
		}
		c.Title = diagramClip(diagramNamespaceName(n.id, name))
		c.Lines = append(c.Lines, "no container")
	}
	c.Details = append(c.Details, diagramNamespaceFields(n)...)

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
	// Pairs whose container end the namespace's link list lacks.
	for _, name := range slices.Sorted(maps.Keys(n.pairs)) {
		if !drawn[name] {
			p := n.pairs[name]
			links = append(links, topo.Interface{
				Name: name, Index: p.ContainerIfindex, Kind: topo.KindVeth, MAC: p.MAC,
				Addresses: append(diagramNonEmpty(p.IPv4), p.IPv6...), HostPeer: p.HostInterface, Network: p.Network,
			})
		}
	}
	if len(links) == 0 {
		links = []topo.Interface{{Name: "(links not readable)"}}
	}
	for _, i := range links {
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
		lines := diagramIfaceLines(&i)
		network := i.Network
		if network == "" && p != nil {
			network = p.Network
		}
		if network != "" {
			lines = append(lines, diagramClip("network "+network))
		}
		details := diagramIfaceFields(&i)
		if p != nil {
			details = append(details, diagramPairFields(p)...)
		}
		var marked []int
		for _, o := range n.containers {
			marked = problemUnion(marked, b.marks.link(o.Name, i.Name))
		}
		c.Nodes = append(c.Nodes, Node{ID: id, Kind: kind, Title: diagramClip(i.Name), Lines: diagramLines(lines), Details: details,
			Problems: b.marks.list(marked)})

		switch {
		case p != nil:
			kind := EdgePair
			if p.Container == "" {
				kind = EdgeOrphanPair
			}
			b.edge(b.hostLink(p.HostInterface), id, kind, "")
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
	}
	var marked []int
	for _, o := range n.containers {
		marked = problemUnion(marked, b.marks.container(o.Name), b.marks.rest(o.Name))
	}
	c.Problems = b.marks.list(marked)
	b.nsClusters = append(b.nsClusters, c)
}

func (b *diagramBuilder) groupNodes() {
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
			marked = problemUnion(marked, b.marks.container(c.Name), b.marks.rest(c.Name))
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
		lines = append(lines, diagramTopImages(images)...)
		lines = append(lines, "drawn as one: --expand draws each")
		id := b.newID("group_" + g.bridge)
		b.d.Nodes = append(b.d.Nodes, Node{
			ID: id, Kind: NodeGroup,
			Title:    diagramClip(strconv.Itoa(len(g.members)) + " containers on " + network),
			Lines:    lines,
			Details:  append(diagramFields("bridge", g.bridge, "network", network, "containers", strconv.Itoa(len(g.members))), details...),
			Problems: b.marks.list(marked),
		})
		if br, ok := b.hostNode[g.bridge]; ok {
			b.edge(br, id, EdgeGroup, diagramPlural(len(g.members), "veth pair", "veth pairs"))
		}
	}
}

func (b *diagramBuilder) stoppedNodes() {
	for _, c := range b.stopped {
		id := b.newID("ctr_" + c.Name)
		lines := []string{diagramClip(c.Image), diagramClip(cmp.Or(c.State, "not running") + ": no network namespace")}
		var nets []string
		for _, e := range c.Endpoints {
			nets = append(nets, e.Network)
		}
		if len(nets) == 0 && c.NetworkMode != "" {
			nets = append(nets, c.NetworkMode)
		}
		if len(nets) > 0 {
			lines = append(lines, diagramClip("networks: "+strings.Join(nets, ", ")))
		}
		b.d.Nodes = append(b.d.Nodes, Node{ID: id, Kind: NodeStoppedContainer, Title: diagramClip(c.Name), Lines: lines, Details: diagramContainerFields(c),
			Problems: b.marks.list(problemUnion(b.marks.container(c.Name), b.marks.rest(c.Name)))})
		for _, e := range c.Endpoints {
			if n := b.networks[e.Network]; n != nil && n.Bridge != "" {
				if br, ok := b.hostNode[n.Bridge]; ok {
					b.edge(br, id, EdgeStopped, "")
				}
			}
		}
	}
}

func (b *diagramBuilder) edge(from, to string, kind EdgeKind, label string) {
	b.d.Edges = append(b.d.Edges, Edge{ID: b.newID("e_" + from + "__" + to), From: from, To: to, Kind: kind, Label: label})
}

// newID turns base into an identifier made of [A-Za-z0-9_] only, so that it
// is safe unquoted in Mermaid and as an HTML id, and unique in the diagram.
func (b *diagramBuilder) newID(base string) string {
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

func diagramUplinkLabel(n *topo.Network) string {
	var parts []string
	for _, sn := range n.Subnets {
		parts = append(parts, sn.Subnet)
	}
	parts = append(parts, "routed / NAT")
	return strings.Join(parts, "\n")
}

func diagramIfaceLines(i *topo.Interface) []string {
	lines := diagramClipAll(i.Addresses)
	if i.MAC != "" && i.MAC != "00:00:00:00:00:00" {
		lines = append(lines, i.MAC)
	}
	if i.MTU > 0 {
		lines = append(lines, "mtu "+strconv.Itoa(i.MTU))
	}
	if i.State == "down" || (i.State != "" && !i.Up) {
		lines = append(lines, "down")
	}
	return lines
}

func diagramContainerLine(c *topo.Container) string {
	line := c.Image
	if c.State != "" && c.State != topo.StateRunning {
		line += " · " + c.State
	}
	return diagramClip(line)
}

// diagramPorts formats published ports as "host:8080 → container:80/tcp",
// once for Docker's IPv4 and IPv6 twins.
func diagramPorts(c *topo.Container) []string {
	var out []string
	for _, p := range c.Ports {
		if p.HostPort == 0 {
			continue
		}
		host := "host"
		switch p.HostIP {
		case "", "0.0.0.0", "::":
		default:
			host = p.HostIP
			if strings.Contains(host, ":") {
				host = "[" + host + "]"
			}
		}
		line := fmt.Sprintf("%s:%d → container:%d/%s", host, p.HostPort, p.ContainerPort, cmp.Or(p.Protocol, "tcp"))
		if !slices.Contains(out, line) {
			out = append(out, line)
		}
	}
	return out
}

func diagramTopImages(images map[string]int) []string {
	names := slices.Sorted(maps.Keys(images))
	slices.SortStableFunc(names, func(a, b string) int { return images[b] - images[a] })
	var parts []string
	for i, name := range names {
		if i == 2 {
			parts = append(parts, fmt.Sprintf("%d more", len(names)-2))
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", name, images[name]))
	}
	return diagramClipAll(parts)
}

func diagramNamespaceName(id, name string) string {
	if name != "" {
		return "netns " + name
	}
	return "namespace " + id
}

func diagramContainerFields(c *topo.Container) []Field {
	f := diagramFields(
		"container", c.Name,
		"id", c.ID,
		"image", c.Image,
		"state", c.State,
		"network mode", c.NetworkMode,
		"pid", diagramInt(c.PID),
		"namespace", c.Namespace,
		"shares namespace with", c.SharesNamespaceWith,
	)
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		f = append(f, Field{Key: "label " + k, Value: c.Labels[k]})
	}
	for _, p := range c.Ports {
		host := p.HostIP
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		f = append(f, Field{Key: "port", Value: fmt.Sprintf("%s:%d → %d/%s", host, p.HostPort, p.ContainerPort, p.Protocol)})
	}
	for _, e := range c.Endpoints {
		v := []string{e.IPv4}
		v = append(v, e.IPv6...)
		if e.MAC != "" {
			v = append(v, "mac "+e.MAC)
		}
		if e.Gateway != "" {
			v = append(v, "gateway "+e.Gateway)
		}
		f = append(f, Field{Key: "endpoint " + e.Network, Value: strings.Join(diagramNonEmpty(v...), ", ")})
	}
	return f
}

func diagramNamespaceFields(n *diagramNamespace) []Field {
	if n.ns == nil {
		return diagramFields("namespace", n.id)
	}
	ns := n.ns
	return diagramFields(
		"namespace", ns.ID,
		"inode", strconv.FormatUint(ns.Inode, 10),
		"nsid", strconv.Itoa(ns.NsID),
		"netns name", ns.Name,
		"owner", ns.Owner,
		"containers", strings.Join(ns.Containers, ", "),
	)
}

func diagramNetworkFields(n *topo.Network) []Field {
	f := diagramFields(
		"network", n.Name,
		"network id", n.ID,
		"driver", n.Driver,
		"scope", n.Scope,
		"internal", strconv.FormatBool(n.Internal),
		"ipv6", strconv.FormatBool(n.IPv6),
		"parent", n.Parent,
	)
	for _, sn := range n.Subnets {
		f = append(f, Field{Key: "subnet", Value: strings.Join(diagramNonEmpty(sn.Subnet, diagramPrefixed("gateway ", sn.Gateway)), ", ")})
	}
	for _, k := range slices.Sorted(maps.Keys(n.Labels)) {
		f = append(f, Field{Key: "label " + k, Value: n.Labels[k]})
	}
	return f
}

func diagramIfaceFields(i *topo.Interface) []Field {
	return diagramFields(
		"interface", i.Name,
		"ifindex", diagramInt(i.Index),
		"kind", i.Kind,
		"mac", i.MAC,
		"mtu", diagramInt(i.MTU),
		"state", i.State,
		"admin up", diagramBool(i.Up, i.State != ""),
		"addresses", strings.Join(i.Addresses, ", "),
		"master", i.Master,
		"host peer", i.HostPeer,
		"parent", i.Parent,
		"peer namespace", i.PeerNamespace,
		"peer ifindex", diagramInt(i.PeerIndex),
		"network", i.Network,
	)
}

func diagramPairFields(p *topo.Pair) []Field {
	return diagramFields(
		"pair: container", p.Container,
		"pair: container id", p.ContainerID,
		"pair: container interface", p.ContainerInterface,
		"pair: container ifindex", diagramInt(p.ContainerIfindex),
		"pair: host interface", p.HostInterface,
		"pair: host ifindex", diagramInt(p.HostIfindex),
		"pair: bridge", p.Bridge,
		"pair: network", p.Network,
		"pair: mac", p.MAC,
		"pair: ipv4", p.IPv4,
		"pair: ipv6", strings.Join(p.IPv6, ", "),
		"pair: namespace", p.Namespace,
		"pair: netns name", p.NamespaceName,
		"pair: shared with", strings.Join(p.SharedWith, ", "),
		"pair: verified", strconv.FormatBool(p.Verified),
	)
}

// diagramFields pairs up keys and values, leaving out empty values.
func diagramFields(kv ...string) []Field {
	f := []Field{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			f = append(f, Field{Key: kv[i], Value: kv[i+1]})
		}
	}
	return f
}

func diagramInt(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func diagramBool(v, known bool) string {
	if !known {
		return ""
	}
	return strconv.FormatBool(v)
}

func diagramPrefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func diagramNonEmpty(ss ...string) []string {
	out := []string{}
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func diagramLines(lines []string) []string {
	if lines == nil {
		return []string{}
	}
	return lines
}

// diagramClip shortens s to diagramMaxLabel characters for a label, and makes
// it one line of valid UTF-8 without control characters.
func diagramClip(s string) string {
	s = diagramClean(s)
	if utf8.RuneCountInString(s) <= diagramMaxLabel {
		return s
	}
	r := []rune(s)
	return string(r[:diagramMaxLabel-1]) + "…"
}

// diagramClean makes s valid UTF-8 on one line, without control characters,
// which neither XML nor a Mermaid label can hold.
func diagramClean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
}

func diagramClipAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, diagramClip(s))
	}
	return out
}

func diagramPlural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
