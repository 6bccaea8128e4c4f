package diagram

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/netviz/netviz/explain"
	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/topo"
)

// DefaultGroupThreshold is how many similar containers a bridge may have
// before Build draws them as one summary node.
const DefaultGroupThreshold = 30

// Options say how Build draws a snapshot.
type Options struct {
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
	// Problems are netviz doctor's findings, marked on the nodes and
	// clusters their subjects point at (see render/marks): a red (error) or
	// amber (warning) border and their IDs under the title. Those about
	// nothing drawn mark the host cluster.
	Problems []topo.Finding
	// ByProject boxes the namespaces of each Docker Compose project's
	// containers together (see Project).
	ByProject bool
}

// Build decides what the diagram of s shows: clusters, nodes and
// edges in a stable order with stable IDs. s is not changed.
func Build(s *topo.Snapshot, opt Options) *Diagram {
	if opt.GroupThreshold <= 0 {
		opt.GroupThreshold = DefaultGroupThreshold
	}
	b := newBuilder(s, opt)
	b.build()
	return b.d
}

// netns is one non-host namespace and the containers in it.
type netns struct {
	id         string
	ns         *topo.Namespace       // nil when only containers name it
	containers []*topo.Container     // owner first
	ifaces     []topo.Interface      // as the snapshot lists them
	grouped    bool                  // drawn inside a summary node
	pairs      map[string]*topo.Pair // by container-side interface name
	clusterID  string                // its cluster, once drawn
}

type builder struct {
	s   *topo.Snapshot
	opt Options
	d   *Diagram

	ids map[string]bool // every ID handed out

	hostIfs     map[string]*topo.Interface
	networks    map[string]*topo.Network
	netOfBridge map[string]*topo.Network
	pairOfHost  map[string]*topo.Pair
	namespaces  []*netns
	nsByID      map[string]*netns
	hostMode    []*topo.Container
	stopped     []*topo.Container

	grouped    []group
	marks      *marks.Marks
	hostNode   map[string]string // host link name → node ID
	ex         *explain.Explainer
	explained  map[string][]explain.Command // by element ID, see explain.go
	host       *Cluster
	nsClusters []Cluster
	// sandboxNode is, by namespace and name, the node of a veth in an
	// overlay sandbox; remoteNode, by address, that of a remote VTEP.
	sandboxNode map[string]string
	remoteNode  map[string]string
}

func newBuilder(s *topo.Snapshot, opt Options) *builder {
	b := &builder{
		s: s, opt: opt, d: &Diagram{Clusters: []Cluster{}, Nodes: []Node{}, Edges: []Edge{}},
		ids:         map[string]bool{},
		hostIfs:     map[string]*topo.Interface{},
		networks:    map[string]*topo.Network{},
		netOfBridge: map[string]*topo.Network{},
		pairOfHost:  map[string]*topo.Pair{},
		nsByID:      map[string]*netns{},
		hostNode:    map[string]string{},
		marks:       marks.New(s, opt.Problems),
		ex:          explain.New(s),
		explained:   map[string][]explain.Command{},
		sandboxNode: map[string]string{},
		remoteNode:  map[string]string{},
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
		if !b.sandboxOf(&s.Pairs[i]) {
			b.pairOfHost[s.Pairs[i].HostInterface] = &s.Pairs[i]
		}
	}
	b.indexNamespaces()
	return b
}

// indexNamespaces sorts containers into host-mode, stopped and per-namespace.
func (b *builder) indexNamespaces() {
	s := b.s
	hostNS := s.Host.Namespace
	add := func(id string) *netns {
		if n, ok := b.nsByID[id]; ok {
			return n
		}
		n := &netns{id: id, pairs: map[string]*topo.Pair{}}
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
	slices.SortFunc(containers, func(a, c *topo.Container) int { return compareNames(a.Name, c.Name) })
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
			return cmp.Compare(isSharer(a, n), isSharer(c, n))
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
	slices.SortStableFunc(b.namespaces, func(a, c *netns) int {
		if (len(a.containers) == 0) != (len(c.containers) == 0) {
			if len(a.containers) == 0 {
				return 1
			}
			return -1
		}
		if len(a.containers) > 0 {
			return compareNames(a.containers[0].Name, c.containers[0].Name)
		}
		return strings.Compare(a.id, c.id)
	})
}

// compareNames orders names as people number things: app-2 before
// app-10.
func compareNames(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
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

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func isSharer(c *topo.Container, n *netns) int {
	if c.SharesNamespaceWith != "" {
		return 1
	}
	if n.ns != nil && n.ns.Owner != "" && n.ns.Owner != c.Name {
		return 1
	}
	return 0
}

func (b *builder) build() {
	b.titles()
	b.groups()
	b.hostCluster()
	b.overlays()
	for _, n := range b.namespaces {
		if !n.grouped && !b.isOverlaySandbox(n) {
			b.namespaceCluster(n)
		}
	}
	b.groupNodes()
	b.stoppedNodes()
	b.projects()
	b.host.Problems = b.marks.List(b.marks.HostWide())
	b.d.Clusters = append(append(b.d.Clusters, *b.host), b.nsClusters...)
	b.attachExplain()
}

func (b *builder) titles() {
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
	if r := s.Host.Runtime; r.Version != "" {
		parts = append(parts, runtimeTitle(r.Name)+" "+r.Version)
	}
	version := b.opt.Version
	if version == "" {
		version = s.NetvizVersion
	}
	if version != "" {
		parts = append(parts, "netviz "+version)
	}
	if n := len(s.Warnings); n > 0 {
		parts = append(parts, plural(n, "warning", "warnings")+" (see the snapshot)")
	}
	if ps := b.marks.Problems(); len(ps) > 0 {
		var counts []string
		for _, sev := range marks.Severities() {
			n := 0
			for _, p := range ps {
				if p.Severity == sev {
					n++
				}
			}
			if n > 0 {
				counts = append(counts, plural(n, string(sev), string(sev)+"s"))
			}
		}
		parts = append(parts, "netviz doctor: "+strings.Join(counts, ", "))
	}
	b.d.Subtitle = strings.Join(parts, " · ")
}

// group is a run of similar containers on one bridge, drawn as one node.
type group struct {
	bridge  string
	members []*netns
}

// groupable returns the veth pair that a namespace hangs on when it is one of
// many similar ones: one running container that joined nobody and publishes
// nothing, and one link besides lo, a veth whose host end is a port of that
// bridge. Anything more particular is worth drawing on its own.
func (b *builder) groupable(n *netns) (*topo.Pair, bool) {
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

func (b *builder) groups() {
	if b.opt.Expand {
		return
	}
	byBridge := map[string][]*netns{}
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
		b.grouped = append(b.grouped, group{bridge: br, members: members})
	}
}
