package inspect

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

// facts is everything the sources told, gathered before anything is built.
type facts struct {
	runtime    RuntimeInfo
	containers []ContainerInfo
	networks   []topo.Network
	// host is nil when the host namespace could not be read.
	host *HostFacts
	// refOf names each running container's namespace; namespaces holds
	// those that were read, orphans the namespaces found holding the peers
	// of host veths no container claims.
	refOf      map[string]NSRef
	namespaces map[NSRef]NamespaceFacts
	orphans    []NamespaceFacts
	// denied is set when containers' namespaces could not be opened.
	denied bool
	// warnings say what reading could not see, in the order it was found.
	warnings []topo.Warning

	// The firewall source's answers, when there is one.
	readFirewall bool
	firewall     topo.Firewall
	firewallWarn []topo.Warning
	sysctls      map[string]string
	sysctlWarn   []topo.Warning

	// The runtime's swarm (zero when it has none or cannot tell), and
	// Docker's own namespaces read (also in namespaces).
	swarm     SwarmFacts
	swarmWarn []topo.Warning
	docker    []NSRef
}

func (f *facts) warn(w ...topo.Warning) { f.warnings = append(f.warnings, w...) }

// build turns facts into a snapshot. It reads nothing: every source has
// answered before it starts.
func build(f *facts) *topo.Snapshot {
	b := newBuilder(f)
	s := &topo.Snapshot{SchemaVersion: topo.SchemaVersion, Host: b.hostRecord(), Networks: cloneNetworks(f.networks)}
	if f.host != nil {
		s.Routes = slices.Clone(f.host.Namespace.Routes)
	}
	s.Namespaces = b.namespaceRecords()
	s.Interfaces, s.Bridges = b.hostLinks()
	overlayPeers := b.overlayPairs()
	b.indexOverlayPeers(overlayPeers)
	s.Containers = b.containerRecords()
	s.Pairs = append(b.pairs(), b.overlayTopoPairs(overlayPeers)...)
	if n := f.swarm.Node; n != nil {
		// A copy: the facts outlive this build (see cloneNetworks).
		node := *n
		node.NetnsDir = f.swarm.NetnsDir
		s.Swarm = &node
	}
	s.Overlays = b.overlays()
	s.IPVS = b.ipvs()
	s.Warnings = slices.Concat(f.warnings, f.swarmWarn, b.warnings)
	if f.readFirewall {
		// Copies: the facts outlive this build, and Sort writes.
		s.Firewall = f.firewall.Clone()
		s.Sysctls = maps.Clone(f.sysctls)
		s.Warnings = slices.Concat(s.Warnings, f.firewallWarn, f.sysctlWarn)
	}
	return s
}

// builder holds the indexes build derives from the facts.
type builder struct {
	f       *facts
	host    hostIndex // empty when the host namespace is unknown
	hostRef NSRef
	// namespaces are the containers' and the orphans'.
	namespaces  map[NSRef]NamespaceFacts
	pairer      *pairer
	netByBridge map[string]string
	// residents are the containers in each namespace, owners the one
	// whose namespace it is.
	residents map[NSRef][]*ContainerInfo
	owners    map[NSRef]*ContainerInfo
	// warnings are what building finds missing.
	warnings []topo.Warning
	// sandboxPeer names, for a link whose peer is a veth in one of
	// Docker's namespaces, that veth.
	sandboxPeer map[peerRef]Link
}

func newBuilder(f *facts) *builder {
	b := &builder{
		f:           f,
		namespaces:  make(map[NSRef]NamespaceFacts, len(f.namespaces)+len(f.orphans)),
		netByBridge: map[string]string{},
		residents:   map[NSRef][]*ContainerInfo{},
		owners:      map[NSRef]*ContainerInfo{},
	}
	maps.Copy(b.namespaces, f.namespaces)
	if f.host != nil {
		b.host = newHostIndex(f.host.Namespace)
		b.hostRef = f.host.Namespace.Ref
	}
	for _, n := range f.networks {
		if n.Bridge != "" {
			b.netByBridge[n.Bridge] = n.Name
		}
	}
	for i := range f.containers {
		c := &f.containers[i]
		if ref, ok := f.refOf[c.ID]; ok {
			b.residents[ref] = append(b.residents[ref], c)
		}
	}
	for ref, cs := range b.residents {
		b.owners[ref] = ownerOf(cs)
	}
	// Pair host veths with container-side links by kernel attributes, then
	// with the orphans' links.
	b.pairer = newPairer(b.host, f.namespaces)
	for _, o := range f.orphans {
		if _, known := b.namespaces[o.Ref]; !known {
			b.namespaces[o.Ref] = o
			b.pairer.add(o)
		}
	}
	return b
}

func (b *builder) warn(w ...topo.Warning) { b.warnings = append(b.warnings, w...) }

// NamespaceID is the stable ID netviz gives a namespace: its nsfs inode,
// which is what `ls -l /proc/PID/ns/net` and `lsns` show.
func NamespaceID(ref NSRef) string {
	if ref.Inode == 0 {
		return ""
	}
	return "ns-" + strconv.FormatUint(ref.Inode, 10)
}

// hostRecord describes the machine: the kernel's word first, the runtime's
// when the host namespace could not be read.
func (b *builder) hostRecord() topo.Host {
	h := topo.Host{
		Hostname: b.f.runtime.Hostname,
		Kernel:   b.f.runtime.Kernel,
		Runtime:  topo.Runtime{Name: b.f.runtime.Name, Version: b.f.runtime.Version, APIVersion: b.f.runtime.APIVersion},
	}
	if b.f.host != nil {
		h.Hostname = cmp.Or(b.f.host.Hostname, h.Hostname)
		h.Kernel = cmp.Or(b.f.host.Kernel, h.Kernel)
		h.Namespace = NamespaceID(b.hostRef)
		h.Uplink = uplink(b.f.host.Namespace.Routes)
	}
	return h
}

// containerRecords are the containers, each with its namespace, the
// container it shares it with, and (for the owner) its interfaces.
func (b *builder) containerRecords() []topo.Container {
	var out []topo.Container
	for i := range b.f.containers {
		c := &b.f.containers[i]
		tc := topo.Container{
			Name: c.Name, ID: c.ID, Image: c.Image, State: c.State,
			NetworkMode: c.NetworkMode, PID: c.PID, Labels: c.Labels,
			Endpoints: cloneEndpoints(c.Endpoints), Ports: slices.Clone(c.Ports),
		}
		if target, ok := strings.CutPrefix(c.NetworkMode, "container:"); ok {
			if o := findContainer(b.f.containers, target); o != nil {
				tc.SharesNamespaceWith = o.Name
			} else {
				tc.SharesNamespaceWith = target
			}
		}
		if ref, ok := b.f.refOf[c.ID]; ok {
			tc.Namespace = NamespaceID(ref)
			owner := b.owners[ref]
			if owner != nil && owner.ID != c.ID && tc.SharesNamespaceWith == "" {
				tc.SharesNamespaceWith = owner.Name
			}
			if f, ok := b.namespaces[ref]; ok && owner != nil && owner.ID == c.ID {
				tc.Interfaces = b.containerInterfaces(f, c)
			}
		}
		out = append(out, tc)
	}
	return out
}

// namespaceRecords are the host namespace, the containers' and the
// orphans'; a namespace no container owns carries its own interfaces.
func (b *builder) namespaceRecords() []topo.Namespace {
	var out []topo.Namespace
	if b.f.host != nil {
		ref := b.hostRef
		hostNS := topo.Namespace{ID: NamespaceID(ref), Inode: ref.Inode, Dev: ref.Dev, NsID: -1, Host: true, Routes: nil}
		for _, c := range b.residents[ref] {
			hostNS.Containers = append(hostNS.Containers, c.Name)
		}
		out = append(out, hostNS)
	}
	for ref, f := range b.namespaces {
		ns := topo.Namespace{ID: NamespaceID(ref), Inode: ref.Inode, Dev: ref.Dev, NsID: f.NsID, Name: f.Name, Routes: f.Routes}
		if f.Docker != nil {
			ns.Role = DockerRole(f.Name)
		}
		for _, c := range b.residents[ref] {
			ns.Containers = append(ns.Containers, c.Name)
		}
		if o := b.owners[ref]; o != nil {
			ns.Owner = o.Name
		} else {
			ns.Interfaces = b.plainInterfaces(f)
		}
		out = append(out, ns)
	}
	return out
}

// hostLinks are the host namespace's links, veths naming their peers, and
// its bridges with their ports.
func (b *builder) hostLinks() ([]topo.Interface, []topo.Bridge) {
	if b.f.host == nil {
		return nil, nil
	}
	var (
		ifaces  []topo.Interface
		bridges []topo.Bridge
	)
	for _, l := range b.f.host.Namespace.Links {
		i := b.host.iface(l)
		if i.Kind == topo.KindVeth {
			if m, ok := b.pairer.byHost[l.Index]; ok {
				i.PeerNamespace = NamespaceID(m.ns.Ref)
				i.PeerIndex = m.link.Index
			} else {
				i.PeerIndex = l.ParentIndex
			}
		}
		i.Network = b.netByBridge[i.Master]
		if i.Kind == topo.KindBridge {
			i.Network = b.netByBridge[i.Name]
			bridges = append(bridges, topo.Bridge{
				Name: l.Name, Network: b.netByBridge[l.Name], Index: l.Index, MAC: l.MAC,
				Addresses: l.Addresses, MTU: l.MTU, State: l.OperState, STP: l.STP,
				Ports: b.host.ports[l.Index],
			})
		}
		ifaces = append(ifaces, i)
	}
	return ifaces, bridges
}

// pairs are the host veths with their peers; a veth whose peer was not
// found is a warning, unless namespaces could not be opened at all (one
// warning says so already).
func (b *builder) pairs() []topo.Pair {
	var out []topo.Pair
	for _, hl := range b.host.veths() {
		pair := topo.Pair{
			HostInterface: hl.Name, HostIfindex: hl.Index,
			Bridge: b.host.name(hl.MasterIndex), IPv6: []string{}, Ports: []topo.Port{},
		}
		pair.Network = b.netByBridge[pair.Bridge]
		m, ok := b.pairer.byHost[hl.Index]
		if !ok {
			pair.ContainerIfindex = hl.ParentIndex
			if !b.f.denied {
				b.warn(topo.Warning{Code: "peer-namespace-unknown", Subject: hl.Name,
					Message: fmt.Sprintf("the peer of host veth %q (nsid %d, ifindex %d) is in a namespace no process holds open or that netviz cannot see", hl.Name, hl.LinkNetNsID, hl.ParentIndex)})
			}
			out = append(out, pair)
			continue
		}
		b.fillPeer(&pair, m)
		out = append(out, pair)
	}
	return out
}

// attribute names the container that owns a pair's namespace, those
// sharing it, its network and its published ports.
func (b *builder) attribute(pair *topo.Pair, o *ContainerInfo, m match) {
	pair.Container = o.Name
	pair.ContainerID = o.ID
	for _, c := range b.residents[m.ns.Ref] {
		if c.ID != o.ID {
			pair.SharedWith = append(pair.SharedWith, c.Name)
		}
	}
	sort.Strings(pair.SharedWith)
	if n := endpointNetwork(o, pair.MAC, m.link.Addresses); n != "" {
		pair.Network = n
	}
	// Docker maps published ports to the gateway endpoint only
	// (libnetwork programs external connectivity for it alone): the
	// interface holding the namespace's default route.
	if len(o.Ports) > 0 && uplink(b.namespaces[m.ns.Ref].Routes) == m.link.Name {
		pair.Ports = append(pair.Ports, o.Ports...)
	}
}

// containerInterfaces converts a container namespace's links to the model,
// naming each veth's host peer and each macvlan's parent.
func (b *builder) containerInterfaces(f NamespaceFacts, c *ContainerInfo) []topo.Interface {
	ifs := b.plainInterfaces(f)
	for i := range ifs {
		if n := endpointNetwork(c, ifs[i].MAC, ifs[i].Addresses); n != "" {
			ifs[i].Network = n
		}
	}
	return ifs
}

func (b *builder) plainInterfaces(f NamespaceFacts) []topo.Interface {
	names := map[int]string{}
	for _, l := range f.Links {
		names[l.Index] = l.Name
	}
	out := make([]topo.Interface, 0, len(f.Links))
	for _, l := range f.Links {
		i := linkToInterface(l, names)
		switch l.Kind {
		case topo.KindVeth:
			if hl, ok := b.pairer.hostPeer(f, l); ok {
				i.HostPeer = hl.Name
				i.PeerIndex = hl.Index
				i.Network = b.host.networkOf(hl, b.f.networks)
			} else if sl, ok := b.sandboxPeer[peerRef{f.Ref, l.Index}]; ok {
				i.HostPeer = sl.Name
				i.PeerIndex = sl.Index
			}
		case topo.KindMacvlan, topo.KindIpvlan:
			// Docker always puts the parent in the host namespace; the
			// link's netnsid names the namespace its parent lives in.
			if l.LinkNetNsID >= 0 {
				i.Parent = b.host.name(l.ParentIndex)
			}
		}
		out = append(out, i)
	}
	return out
}

func linkToInterface(l Link, names map[int]string) topo.Interface {
	addrs := append([]string{}, l.Addresses...)
	return topo.Interface{
		Name: l.Name, Index: l.Index, Kind: l.Kind, MAC: strings.ToLower(l.MAC),
		MTU: l.MTU, State: l.OperState, Up: l.Up, Addresses: addrs,
		Master: names[l.MasterIndex],
	}
}

// ownerOf picks the container whose namespace this is: the one that did not
// join another's (network mode container:X); by name when ambiguous.
func ownerOf(cs []*ContainerInfo) *ContainerInfo {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	for _, c := range cs {
		if !strings.HasPrefix(c.NetworkMode, "container:") {
			return c
		}
	}
	if len(cs) > 0 {
		return cs[0]
	}
	return nil
}

func findContainer(cs []ContainerInfo, nameOrID string) *ContainerInfo {
	for i := range cs {
		if cs[i].ID == nameOrID || cs[i].Name == nameOrID {
			return &cs[i]
		}
	}
	if len(nameOrID) >= 12 {
		for i := range cs {
			if strings.HasPrefix(cs[i].ID, nameOrID) {
				return &cs[i]
			}
		}
	}
	return nil
}

// endpointNetwork finds the Docker network of a container interface: the
// endpoint with its MAC, else the one with one of its addresses (ipvlan
// links share their parent's MAC).
func endpointNetwork(c *ContainerInfo, mac string, addrs []string) string {
	if mac != "" {
		for _, e := range c.Endpoints {
			if strings.EqualFold(e.MAC, mac) {
				return e.Network
			}
		}
	}
	for _, e := range c.Endpoints {
		for _, a := range addrs {
			if a == e.IPv4 || slices.Contains(e.IPv6, a) {
				return e.Network
			}
		}
	}
	return ""
}

// uplink is the interface of the host's default route: IPv4 first, lowest metric.
func uplink(routes []topo.Route) string {
	best := -1
	for i, r := range routes {
		if r.Dst != "default" || r.Interface == "" {
			continue
		}
		if best < 0 || r.Family < routes[best].Family ||
			r.Family == routes[best].Family && r.Metric < routes[best].Metric {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return routes[best].Interface
}

// cloneNetworks copies what Snapshot.Sort writes to. Facts outlive one
// build (a Tracker rebuilds from them on every change), and snapshots
// already handed out must not change under their readers.
func cloneNetworks(ns []topo.Network) []topo.Network {
	out := slices.Clone(ns)
	for i := range out {
		out[i].Subnets = slices.Clone(out[i].Subnets)
	}
	return out
}

// cloneEndpoints copies a container's endpoints for the same reason.
func cloneEndpoints(es []topo.Endpoint) []topo.Endpoint {
	out := slices.Clone(es)
	for i := range out {
		out[i].IPv6 = slices.Clone(out[i].IPv6)
	}
	return out
}
