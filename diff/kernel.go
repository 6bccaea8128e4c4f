package diff

import (
	"cmp"

	"github.com/netviz/netviz/topo"
)

// namespaceKey names a namespace as a user would, never by its inode
// (which a recreated namespace does not keep): the container that owns it,
// "host", its /run/netns name, or, for an anonymous one nothing owns, its
// ID as the last resort.
func namespaceKey(ns *topo.Namespace) string {
	switch {
	case ns.Host:
		return "host"
	case ns.Owner != "":
		return ns.Owner
	}
	return cmp.Or(ns.Name, ns.ID)
}

// namespaces lists the namespaces no container owns (a container's comes
// and goes with it, and its links and routes are compared with it), and
// compares their links and routes.
func (d *differ) namespaces() {
	unowned := func(s *topo.Snapshot) []topo.Namespace {
		var out []topo.Namespace
		for _, ns := range s.Namespaces {
			if !ns.Host && ns.Owner == "" {
				out = append(out, ns)
			}
		}
		return out
	}
	detail := func(ns *topo.Namespace) string {
		if len(ns.Interfaces) == 0 {
			return ""
		}
		return plural(len(ns.Interfaces), "link")
	}
	match(unowned(d.old), unowned(d.new), namespaceKey,
		func(ns *topo.Namespace) { d.removed(ObjNamespace, namespaceKey(ns), detail(ns)) },
		func(ns *topo.Namespace) { d.added(ObjNamespace, namespaceKey(ns), detail(ns)) },
		func(o, n *topo.Namespace) {
			k := namespaceKey(n)
			d.interfaces(k, o.Interfaces, n.Interfaces, d.oldIdx.pairEnds[o.ID], d.newIdx.pairEnds[n.ID])
			d.routes(k+": ", o.Routes, n.Routes)
		})
}

// pairKey names a pair by its far end: the container (or, for an orphan,
// its namespace's name) and the interface there, which survive a recreated
// host veth. An orphan whose far end was not found has only its host
// veth's name.
func pairKey(p *topo.Pair) string {
	if p.Container != "" {
		return p.Container + ":" + p.ContainerInterface
	}
	ns := cmp.Or(p.NamespaceName, p.Namespace, "?")
	if p.ContainerInterface == "" {
		return ns + ":?" + p.HostInterface
	}
	return ns + ":" + p.ContainerInterface
}

func pairDetail(p *topo.Pair) string {
	parts := []string{p.HostInterface}
	if p.Bridge != "" {
		parts[0] += " on " + p.Bridge
	}
	if p.Network != "" {
		parts = append(parts, "network "+p.Network)
	}
	if p.IPv4 != "" {
		parts = append(parts, p.IPv4)
	}
	parts = append(parts, topo.GlobalAddrs(p.IPv6)...)
	if p.Container == "" {
		parts = append(parts, "orphan")
	}
	return joinDetail(parts...)
}

// pairs compares veth pairs. Those of a container that came or went are
// part of it.
func (d *differ) pairs() {
	match(d.old.Pairs, d.new.Pairs, pairKey,
		func(p *topo.Pair) {
			if !d.removedContainers[p.Container] {
				d.removed(ObjPair, pairKey(p), pairDetail(p))
			}
		},
		func(p *topo.Pair) {
			if !d.addedContainers[p.Container] {
				d.added(ObjPair, pairKey(p), pairDetail(p))
			}
		},
		func(o, n *topo.Pair) {
			k := pairKey(n)
			field(d, ObjPair, k, "hostInterface", o.HostInterface, n.HostInterface)
			field(d, ObjPair, k, "bridge", o.Bridge, n.Bridge)
			field(d, ObjPair, k, "network", o.Network, n.Network)
			field(d, ObjPair, k, "verified", o.Verified, n.Verified)
		})
}

// hostInterfaces compares the host namespace's links. Bridges are compared
// as bridges, and a pair's host veth comes and goes with its pair.
func (d *differ) hostInterfaces() {
	skip := func(s *topo.Snapshot) map[string]bool {
		m := map[string]bool{}
		for _, p := range s.Pairs {
			m[p.HostInterface] = true
		}
		for _, b := range s.Bridges {
			m[b.Name] = true
		}
		return m
	}
	d.interfaces("host", d.old.Interfaces, d.new.Interfaces, skip(d.old), skip(d.new))
}
