package inspect

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

// builder accumulates facts and turns them into a snapshot.
type builder struct {
	engine     Engine
	containers []ContainerInfo
	networks   []topo.Network
	warnings   []topo.Warning

	hostRef   NSRef
	hostFacts *NamespaceFacts
	hostInfo  HostFacts

	refOf      map[string]NSRef // container ID → namespace
	namespaces map[NSRef]NamespaceFacts
	denied     bool
}

func newBuilder(e Engine, cs []ContainerInfo, ns []topo.Network) *builder {
	return &builder{
		engine:     e,
		containers: cs,
		networks:   ns,
		refOf:      map[string]NSRef{},
		namespaces: map[NSRef]NamespaceFacts{},
	}
}

func (b *builder) warn(w ...topo.Warning) { b.warnings = append(b.warnings, w...) }

func (b *builder) setHost(h HostFacts) {
	b.hostInfo = h
	b.hostRef = h.Namespace.Ref
	b.hostFacts = &h.Namespace
}

func (b *builder) addNamespace(f NamespaceFacts) { b.namespaces[f.Ref] = f }

func (b *builder) namesWithRef(ref NSRef) []string {
	var names []string
	for _, c := range b.containers {
		if r, ok := b.refOf[c.ID]; ok && r == ref {
			names = append(names, c.Name)
		}
	}
	sort.Strings(names)
	return names
}

func (b *builder) dropRef(ref NSRef) {
	for id, r := range b.refOf {
		if r == ref {
			delete(b.refOf, id)
		}
	}
}

// NamespaceID is the stable ID netviz gives a namespace: its nsfs inode,
// which is what `ls -l /proc/PID/ns/net` and `lsns` show.
func NamespaceID(ref NSRef) string {
	if ref.Inode == 0 {
		return ""
	}
	return "ns-" + strconv.FormatUint(ref.Inode, 10)
}

// finish builds the snapshot. It may ask the kernel for namespaces that hold
// the far end of veths no container claims.
func (b *builder) finish(ctx context.Context, k Kernel) *topo.Snapshot {
	s := &topo.Snapshot{SchemaVersion: topo.SchemaVersion}
	s.Host = topo.Host{
		Hostname:         b.hostInfo.Hostname,
		Kernel:           b.hostInfo.Kernel,
		DockerVersion:    b.engine.Version,
		DockerAPIVersion: b.engine.APIVersion,
	}
	if s.Host.Hostname == "" {
		s.Host.Hostname = b.engine.Hostname
	}
	if s.Host.Kernel == "" {
		s.Host.Kernel = b.engine.Kernel
	}
	s.Networks = b.networks

	netByBridge := map[string]string{}
	for _, n := range b.networks {
		if n.Bridge != "" {
			netByBridge[n.Bridge] = n.Name
		}
	}

	// Host namespace: links, bridges, routes, uplink.
	var host hostIndex
	if b.hostFacts != nil {
		host = newHostIndex(*b.hostFacts)
		s.Host.Namespace = NamespaceID(b.hostRef)
		s.Host.Uplink = uplink(b.hostFacts.Routes)
		s.Routes = b.hostFacts.Routes
	}

	// Namespaces and who lives in them.
	nsContainers := map[NSRef][]*ContainerInfo{}
	for i := range b.containers {
		c := &b.containers[i]
		if ref, ok := b.refOf[c.ID]; ok {
			nsContainers[ref] = append(nsContainers[ref], c)
		}
	}
	owners := map[NSRef]*ContainerInfo{}
	for ref, cs := range nsContainers {
		owners[ref] = ownerOf(cs)
	}

	// Pair host veths with container-side links by kernel attributes.
	p := newPairer(host, b.namespaces)
	unclaimed := p.unclaimedNsIDs()
	if len(unclaimed) > 0 && k != nil && b.hostFacts != nil && !b.denied {
		found, err := k.FindNamespaces(ctx, unclaimed)
		if err != nil {
			b.warn(topo.Warning{Code: "orphan-search-failed", Message: fmt.Sprintf("cannot look for the namespaces of unattributed veths: %v", err)})
		}
		for _, f := range found {
			if _, known := b.namespaces[f.Ref]; !known {
				b.namespaces[f.Ref] = f
				p.add(f)
			}
		}
	}

	// Containers.
	for i := range b.containers {
		c := &b.containers[i]
		tc := topo.Container{
			Name: c.Name, ID: c.ID, Image: c.Image, State: c.State,
			NetworkMode: c.NetworkMode, PID: c.PID, Labels: c.Labels,
			Endpoints: c.Endpoints, Ports: c.Ports,
		}
		if target, ok := strings.CutPrefix(c.NetworkMode, "container:"); ok {
			if o := findContainer(b.containers, target); o != nil {
				tc.SharesNamespaceWith = o.Name
			} else {
				tc.SharesNamespaceWith = target
			}
		}
		if ref, ok := b.refOf[c.ID]; ok {
			tc.Namespace = NamespaceID(ref)
			owner := owners[ref]
			if owner != nil && owner.ID != c.ID && tc.SharesNamespaceWith == "" {
				tc.SharesNamespaceWith = owner.Name
			}
			if f, ok := b.namespaces[ref]; ok && owner != nil && owner.ID == c.ID {
				tc.Interfaces = b.containerInterfaces(f, c, p, host)
			}
		}
		s.Containers = append(s.Containers, tc)
	}

	// Namespace records.
	if b.hostFacts != nil {
		hostNS := topo.Namespace{ID: NamespaceID(b.hostRef), Inode: b.hostRef.Inode, Dev: b.hostRef.Dev, NsID: -1, Host: true, Routes: nil}
		for _, c := range nsContainers[b.hostRef] {
			hostNS.Containers = append(hostNS.Containers, c.Name)
		}
		s.Namespaces = append(s.Namespaces, hostNS)
	}
	for ref, f := range b.namespaces {
		ns := topo.Namespace{ID: NamespaceID(ref), Inode: ref.Inode, Dev: ref.Dev, NsID: f.NsID, Name: f.Name, Routes: f.Routes}
		for _, c := range nsContainers[ref] {
			ns.Containers = append(ns.Containers, c.Name)
		}
		if o := owners[ref]; o != nil {
			ns.Owner = o.Name
		} else {
			ns.Interfaces = b.plainInterfaces(f, p, host)
		}
		s.Namespaces = append(s.Namespaces, ns)
	}

	// Host interfaces and bridges.
	if b.hostFacts != nil {
		for _, l := range b.hostFacts.Links {
			i := host.iface(l)
			if i.Kind == topo.KindVeth {
				if m, ok := p.byHost[l.Index]; ok {
					i.PeerNamespace = NamespaceID(m.ns.Ref)
					i.PeerIndex = m.link.Index
				} else {
					i.PeerIndex = l.ParentIndex
				}
			}
			i.Network = netByBridge[i.Master]
			if i.Kind == topo.KindBridge {
				i.Network = netByBridge[i.Name]
				s.Bridges = append(s.Bridges, topo.Bridge{
					Name: l.Name, Network: netByBridge[l.Name], Index: l.Index, MAC: l.MAC,
					Addresses: l.Addresses, MTU: l.MTU, State: l.OperState, STP: l.STP,
					Ports: host.ports[l.Index],
				})
			}
			s.Interfaces = append(s.Interfaces, i)
		}
	}

	// Pairs.
	for _, hl := range host.veths() {
		pair := topo.Pair{
			HostInterface: hl.Name, HostIfindex: hl.Index,
			Bridge: host.name(hl.MasterIndex), IPv6: []string{}, Ports: []topo.Port{},
		}
		pair.Network = netByBridge[pair.Bridge]
		m, ok := p.byHost[hl.Index]
		if !ok {
			pair.ContainerIfindex = hl.ParentIndex
			if !b.denied {
				b.warn(topo.Warning{Code: "peer-namespace-unknown", Subject: hl.Name,
					Message: fmt.Sprintf("the peer of host veth %q (nsid %d, ifindex %d) is in a namespace no process holds open or that netviz cannot see", hl.Name, hl.LinkNetNsID, hl.ParentIndex)})
			}
			s.Pairs = append(s.Pairs, pair)
			continue
		}
		pair.Namespace = NamespaceID(m.ns.Ref)
		pair.NamespaceName = m.ns.Name
		pair.ContainerInterface = m.link.Name
		pair.ContainerIfindex = m.link.Index
		pair.MAC = strings.ToLower(m.link.MAC)
		pair.Verified = m.verified
		for _, a := range m.link.Addresses {
			if strings.Contains(a, ":") {
				pair.IPv6 = append(pair.IPv6, a)
			} else if pair.IPv4 == "" {
				pair.IPv4 = a
			}
		}
		if o := owners[m.ns.Ref]; o != nil {
			pair.Container = o.Name
			pair.ContainerID = o.ID
			for _, c := range nsContainers[m.ns.Ref] {
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
		s.Pairs = append(s.Pairs, pair)
	}
	s.Warnings = b.warnings
	return s
}

// containerInterfaces converts a container namespace's links to the model,
// naming each veth's host peer and each macvlan's parent.
func (b *builder) containerInterfaces(f NamespaceFacts, c *ContainerInfo, p *pairer, host hostIndex) []topo.Interface {
	ifs := b.plainInterfaces(f, p, host)
	for i := range ifs {
		if n := endpointNetwork(c, ifs[i].MAC, ifs[i].Addresses); n != "" {
			ifs[i].Network = n
		}
	}
	return ifs
}

func (b *builder) plainInterfaces(f NamespaceFacts, p *pairer, host hostIndex) []topo.Interface {
	names := map[int]string{}
	for _, l := range f.Links {
		names[l.Index] = l.Name
	}
	out := make([]topo.Interface, 0, len(f.Links))
	for _, l := range f.Links {
		i := linkToInterface(l, names)
		switch l.Kind {
		case topo.KindVeth:
			if hl, ok := p.hostPeer(f, l); ok {
				i.HostPeer = hl.Name
				i.PeerIndex = hl.Index
				i.Network = host.networkOf(hl, b.networks)
			}
		case topo.KindMacvlan, topo.KindIpvlan:
			// Docker always puts the parent in the host namespace; the
			// link's netnsid names the namespace its parent lives in.
			if l.LinkNetNsID >= 0 {
				i.Parent = host.name(l.ParentIndex)
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
