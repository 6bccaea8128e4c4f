package inspect

import (
	"sort"

	"github.com/netviz/netviz/topo"
)

// Why pairing is done this way (docs/pairing.md has the long version):
//
// A veth's two ends know each other only by kernel attributes. The host end
// carries IFLA_LINK (the peer's ifindex) and IFLA_LINK_NETNSID (the id, in
// the host namespace, of the namespace the peer is in). Names tell nothing —
// Docker names host ends vethXXXXXXX at random and renames the container end
// to eth0 — and ifindexes are per namespace: every container's eth0 may have
// the same ifindex. So a host veth is matched with the link whose ifindex is
// its IFLA_LINK inside the namespace whose host-side nsid is its
// IFLA_LINK_NETNSID, and the match is verified from the other end: that
// link's own IFLA_LINK must be the host veth's ifindex.

type hostIndex struct {
	facts  NamespaceFacts
	byIdx  map[int]Link
	ports  map[int][]string // bridge ifindex → port names
	sorted []Link
	// peers are the host veths whose peer is in another namespace, by the
	// nsid of that namespace.
	peers    map[int][]Link
	vethList []Link
}

func newHostIndex(f NamespaceFacts) hostIndex {
	h := hostIndex{facts: f, byIdx: map[int]Link{}, ports: map[int][]string{}, peers: map[int][]Link{}}
	for _, l := range f.Links {
		h.byIdx[l.Index] = l
		if l.MasterIndex > 0 {
			h.ports[l.MasterIndex] = append(h.ports[l.MasterIndex], l.Name)
		}
	}
	for k := range h.ports {
		sort.Strings(h.ports[k])
	}
	h.sorted = append([]Link(nil), f.Links...)
	sort.Slice(h.sorted, func(i, j int) bool { return h.sorted[i].Index < h.sorted[j].Index })
	uplinks := defaultRouteLinks(f.Routes)
	for _, l := range h.sorted {
		if l.Kind == topo.KindVeth && l.LinkNetNsID >= 0 && !(uplinks[l.Name] && l.MasterIndex <= 0) {
			h.vethList = append(h.vethList, l)
			h.peers[l.LinkNetNsID] = append(h.peers[l.LinkNetNsID], l)
		}
	}
	return h
}

func (h hostIndex) name(idx int) string {
	if idx <= 0 {
		return ""
	}
	return h.byIdx[idx].Name
}

// veths are the host veths whose peer is in another namespace, less the
// uplink.
//
// A host whose default route leaves through a veth (Docker inside LXC/LXD or
// a Docker-in-Docker container, some VMs, a dockerd started in a namespace of
// its own) has its uplink's peer in the namespace outside: that veth is the
// way out, not a container's pair and not an orphan, and its peer's namespace
// is not one to go looking for. A veth enslaved to a bridge is never taken
// for the uplink.
func (h hostIndex) veths() []Link { return h.vethList }

// defaultRouteLinks are the interfaces that carry a default route, of
// either family.
func defaultRouteLinks(routes []topo.Route) map[string]bool {
	out := map[string]bool{}
	for _, r := range routes {
		if r.Dst == "default" && r.Interface != "" {
			out[r.Interface] = true
		}
	}
	return out
}

func (h hostIndex) iface(l Link) topo.Interface {
	return linkToInterface(l, map[int]string{l.MasterIndex: h.name(l.MasterIndex)})
}

// networkOf names the Docker network of a host veth through its bridge.
func (h hostIndex) networkOf(l Link, networks []topo.Network) string {
	br := h.name(l.MasterIndex)
	if br == "" {
		return ""
	}
	for _, n := range networks {
		if n.Bridge == br {
			return n.Name
		}
	}
	return ""
}

type peerKey struct{ nsid, ifindex int }

type match struct {
	ns       NamespaceFacts
	link     Link
	verified bool
}

// pairer matches host veths with links in other namespaces.
type pairer struct {
	host   hostIndex
	byKey  map[peerKey]match // (host-side nsid of namespace, ifindex) → link
	byHost map[int]match     // host veth ifindex → its peer
	byPeer map[peerRef]int   // peer (namespace, ifindex) → host veth ifindex
}

type peerRef struct {
	ns      NSRef
	ifindex int
}

func newPairer(host hostIndex, namespaces map[NSRef]NamespaceFacts) *pairer {
	p := &pairer{host: host, byKey: map[peerKey]match{}, byHost: map[int]match{}, byPeer: map[peerRef]int{}}
	refs := make([]NSRef, 0, len(namespaces))
	for r := range namespaces {
		refs = append(refs, r)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Inode < refs[j].Inode })
	for _, r := range refs {
		p.add(namespaces[r])
	}
	return p
}

// add indexes one namespace's veths and pairs them with host veths.
func (p *pairer) add(f NamespaceFacts) {
	if f.NsID < 0 {
		return
	}
	for _, l := range f.Links {
		if l.Kind == topo.KindVeth {
			p.byKey[peerKey{f.NsID, l.Index}] = match{ns: f, link: l}
		}
	}
	for _, hl := range p.host.peers[f.NsID] {
		if _, done := p.byHost[hl.Index]; done {
			continue
		}
		m, ok := p.byKey[peerKey{hl.LinkNetNsID, hl.ParentIndex}]
		if !ok {
			continue
		}
		// Cross-check from the container side: its peer must be this host
		// veth, in another namespace.
		m.verified = m.link.ParentIndex == hl.Index && m.link.LinkNetNsID >= 0
		p.byHost[hl.Index] = m
		p.byPeer[peerRef{f.Ref, m.link.Index}] = hl.Index
	}
}

// hostPeer returns the host veth paired with link l of namespace f.
func (p *pairer) hostPeer(f NamespaceFacts, l Link) (Link, bool) {
	idx, ok := p.byPeer[peerRef{f.Ref, l.Index}]
	if !ok {
		return Link{}, false
	}
	return p.host.byIdx[idx], true
}

// unclaimedNsIDs are the nsids of host veth peers no namespace read so far holds.
func (p *pairer) unclaimedNsIDs() []int {
	seen := map[int]bool{}
	var out []int
	for _, hl := range p.host.veths() {
		if _, ok := p.byHost[hl.Index]; ok || seen[hl.LinkNetNsID] {
			continue
		}
		seen[hl.LinkNetNsID] = true
		out = append(out, hl.LinkNetNsID)
	}
	sort.Ints(out)
	return out
}
