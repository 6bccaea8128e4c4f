package diff

import (
	"cmp"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

func (d *differ) containers() {
	key := func(c *topo.Container) string { return c.Name }
	match(d.old.Containers, d.new.Containers, key,
		func(c *topo.Container) {
			d.removedContainers[c.Name] = true
			d.noteWholeIPs(c)
			d.removed(ObjContainer, c.Name, containerDetail(c))
		},
		func(c *topo.Container) {
			d.addedContainers[c.Name] = true
			d.noteWholeIPs(c)
			d.added(ObjContainer, c.Name, containerDetail(c))
		},
		d.container)
}

// noteWholeIPs remembers the addresses of a container that came or went,
// so that the firewall rules Docker made for it are counted, not listed.
func (d *differ) noteWholeIPs(c *topo.Container) {
	for a := range endpointAddrs(c) {
		d.wholeIPs[a] = c.Name
	}
}

// endpointAddrs are the addresses (no prefix length) Docker gave c on its
// networks, IPv4 and IPv6.
func endpointAddrs(c *topo.Container) map[string]bool {
	m := map[string]bool{}
	for _, e := range c.Endpoints {
		if e.IPv4 != "" {
			m[addrOnly(e.IPv4)] = true
		}
		for _, a := range e.IPv6 {
			m[addrOnly(a)] = true
		}
	}
	return m
}

// noteMovedIPs remembers the addresses a kept container lost or gained,
// so that the rules Docker wrote or removed for them are told as part of
// the container's change, as a new container's are counted in its line.
func (d *differ) noteMovedIPs(o, n *topo.Container) {
	before, after := endpointAddrs(o), endpointAddrs(n)
	for a := range before {
		if !after[a] {
			d.movedIPs[a] = n.Name
		}
	}
	for a := range after {
		if !before[a] {
			d.movedIPs[a] = n.Name
		}
	}
}

func containerDetail(c *topo.Container) string {
	parts := []string{"image " + c.Image}
	if nets := endpointNetworks(c); len(nets) > 0 {
		parts = append(parts, "on "+strings.Join(nets, ", "))
	} else if c.SharesNamespaceWith != "" {
		parts = append(parts, "in "+c.SharesNamespaceWith+"'s namespace")
	} else if c.NetworkMode != "" {
		parts = append(parts, "network mode "+c.NetworkMode)
	}
	if c.State != topo.StateRunning && c.State != "" {
		parts = append(parts, c.State)
	}
	if len(c.Ports) > 0 {
		parts = append(parts, "ports "+strings.Join(portTexts(c.Ports), ", "))
	}
	return joinDetail(parts...)
}

func endpointNetworks(c *topo.Container) []string {
	out := make([]string, 0, len(c.Endpoints))
	for _, e := range c.Endpoints {
		out = append(out, e.Network)
	}
	slices.Sort(out)
	return out
}

// container compares a container that is in both snapshots, with what
// belongs to it: its published ports, the links and routes of its
// namespace.
func (d *differ) container(o, n *topo.Container) {
	id := n.Name
	field(d, ObjContainer, id, "id", o.ID, n.ID)
	field(d, ObjContainer, id, "image", o.Image, n.Image)
	field(d, ObjContainer, id, "state", o.State, n.State)
	field(d, ObjContainer, id, "networkMode", o.NetworkMode, n.NetworkMode)
	field(d, ObjContainer, id, "sharesNamespaceWith", o.SharesNamespaceWith, n.SharesNamespaceWith)
	listField(d, ObjContainer, id, "networks", endpointNetworks(o), endpointNetworks(n))
	// A new namespace under the same ID is a restart; a new ID says more.
	if o.ID == n.ID && o.Namespace != "" && n.Namespace != "" && o.Namespace != n.Namespace {
		field(d, ObjContainer, id, "namespace", o.Namespace, n.Namespace)
	}
	// Without the kernel's view the endpoints are all there is to say
	// where a container's addresses changed.
	if len(o.Interfaces) == 0 && len(n.Interfaces) == 0 {
		match(o.Endpoints, n.Endpoints, func(e *topo.Endpoint) string { return e.Network }, nil, nil,
			func(oe, ne *topo.Endpoint) {
				field(d, ObjContainer, id, "ipv4 on "+ne.Network, oe.IPv4, ne.IPv4)
				listField(d, ObjContainer, id, "ipv6 on "+ne.Network, oe.IPv6, ne.IPv6)
			})
	}
	d.noteMovedIPs(o, n)
	d.ports(o, n)
	d.interfaces(id, o.Interfaces, n.Interfaces, d.oldIdx.pairEnds[o.Name], d.newIdx.pairEnds[n.Name])
	d.routes(id+": ", d.oldIdx.routes(o), d.newIdx.routes(n))
}

// routes are the routes of a container's namespace.
func (x index) routes(c *topo.Container) []topo.Route {
	if ns, ok := x.namespaces[c.Namespace]; ok && c.Namespace != "" {
		return ns.Routes
	}
	return nil
}

func (d *differ) ports(o, n *topo.Container) {
	key := func(p *topo.Port) string { return portText(*p) }
	match(o.Ports, n.Ports, key,
		func(p *topo.Port) { d.removed(ObjPort, n.Name+" "+portText(*p), "") },
		func(p *topo.Port) { d.added(ObjPort, n.Name+" "+portText(*p), "") },
		func(_, _ *topo.Port) {})
}

// portText writes a published port as docker ps does: 0.0.0.0:8080->80/tcp.
func portText(p topo.Port) string {
	host := net.JoinHostPort(cmp.Or(p.HostIP, "0.0.0.0"), strconv.Itoa(p.HostPort))
	return host + "->" + strconv.Itoa(p.ContainerPort) + "/" + cmp.Or(p.Protocol, "tcp")
}

func portTexts(ps []topo.Port) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, portText(p))
	}
	return out
}

// interfaces compares the links of one namespace, owned by owner ("host",
// a container's name, a netns name). Links in skip (by name) on either
// side come and go with something listed already: a veth pair, a bridge.
func (d *differ) interfaces(owner string, old, new []topo.Interface, skipOld, skipNew map[string]bool) {
	id := func(i *topo.Interface) string { return owner + ":" + i.Name }
	match(old, new, func(i *topo.Interface) string { return i.Name },
		func(i *topo.Interface) {
			if !skipOld[i.Name] {
				d.removed(ObjInterface, id(i), interfaceDetail(i))
			}
		},
		func(i *topo.Interface) {
			if !skipNew[i.Name] {
				d.added(ObjInterface, id(i), interfaceDetail(i))
			}
		},
		func(o, n *topo.Interface) {
			if skipOld[o.Name] && skipNew[n.Name] && (o.Kind == topo.KindBridge || n.Kind == topo.KindBridge) {
				return // a bridge on both sides: compared as a bridge
			}
			k := id(n)
			field(d, ObjInterface, k, "kind", o.Kind, n.Kind)
			field(d, ObjInterface, k, "state", o.State, n.State)
			field(d, ObjInterface, k, "up", o.Up, n.Up)
			field(d, ObjInterface, k, "mtu", o.MTU, n.MTU)
			field(d, ObjInterface, k, "mac", o.MAC, n.MAC)
			listField(d, ObjInterface, k, "addresses", topo.GlobalAddrs(o.Addresses), topo.GlobalAddrs(n.Addresses))
			// A pair's host end says its bridge on the pair.
			if !skipOld[o.Name] || !skipNew[n.Name] {
				field(d, ObjInterface, k, "master", o.Master, n.Master)
			}
			field(d, ObjInterface, k, "parent", o.Parent, n.Parent)
		})
}

func interfaceDetail(i *topo.Interface) string {
	parts := []string{i.Kind}
	parts = append(parts, topo.GlobalAddrs(i.Addresses)...)
	if i.Master != "" {
		parts = append(parts, "master "+i.Master)
	}
	if i.Parent != "" {
		parts = append(parts, "parent "+i.Parent)
	}
	if i.State != "" && i.State != "up" && i.State != "unknown" {
		parts = append(parts, i.State)
	}
	return joinDetail(parts...)
}

// routes compares two route tables; prefix names the namespace of a
// container's ("web1: "), "" for the host's. A host route through a bridge
// that came or went with its network is that network's, and the IPv6
// link-local route the kernel adds to every link comes and goes with the
// link: neither is listed.
func (d *differ) routes(prefix string, old, new []topo.Route) {
	key := func(r *topo.Route) string { return prefix + routeText(*r) }
	listed := func(r *topo.Route) bool {
		_, whole := d.wholeBridges[r.Interface]
		return r.Dst != "fe80::/64" && (prefix != "" || !whole && d.scope.route(*r))
	}
	match(old, new, key,
		func(r *topo.Route) {
			if listed(r) {
				d.removed(ObjRoute, key(r), "")
			}
		},
		func(r *topo.Route) {
			if listed(r) {
				d.added(ObjRoute, key(r), "")
			}
		},
		func(_, _ *topo.Route) {})
}

// routeText writes a route as `ip route` does.
func routeText(r topo.Route) string {
	parts := []string{r.Dst}
	if r.Gateway != "" {
		parts = append(parts, "via", r.Gateway)
	}
	if r.Interface != "" {
		parts = append(parts, "dev", r.Interface)
	}
	if r.Src != "" {
		parts = append(parts, "src", r.Src)
	}
	if r.Metric != 0 {
		parts = append(parts, "metric", strconv.Itoa(r.Metric))
	}
	if r.Family == 6 && r.Dst == "default" {
		parts = append([]string{"-6"}, parts...)
	}
	return strings.Join(parts, " ")
}
