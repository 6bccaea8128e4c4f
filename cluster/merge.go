// Package cluster puts a swarm's nodes together: it gathers each node's
// snapshot from the netviz serving it (gather.go) and merges the snapshots
// into one topo.Cluster — the overlay networks that span the nodes and the
// VXLAN tunnels between them, as each node's forwarding database tells
// them (merge.go). It reads; it changes nothing on any node.
package cluster

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/netviz/netviz/topo"
)

// Warning codes of a cluster.
const (
	// WarnUnanswered: a node gave no snapshot; it is drawn as unknown.
	WarnUnanswered = "node-unanswered"
	// WarnVNIDiffers: the nodes disagree on an overlay's VNI.
	WarnVNIDiffers = "vni-differs"
	// WarnNoKernelView: a node's snapshot has Docker's view only (its
	// netviz could not read the kernel: a Swarm task has no --pid host),
	// so its overlays and tunnels are unknown.
	WarnNoKernelView = "node-without-kernel-view"
	// kernelUnavailable is the warning code of such a snapshot.
	kernelUnavailable = "kernel-unavailable"
)

// Merge builds the cluster of nodes, each with its snapshot or the error
// that says why there is none. Nodes named alike (a hostname shared by
// nodes in one machine's namespaces) get their node ID, or their place,
// appended. nodes is not changed.
func Merge(nodes []topo.ClusterNode, now time.Time) *topo.Cluster {
	c := &topo.Cluster{GeneratedAt: now.UTC()}
	for _, n := range nodes {
		c.Nodes = append(c.Nodes, describe(n))
	}
	uniqueNames(c.Nodes)
	for _, n := range c.Nodes {
		switch {
		case !n.Answered():
			c.Warnings = append(c.Warnings, topo.Warning{Code: WarnUnanswered, Subject: n.Name,
				Message: fmt.Sprintf("node %s%s: %s; it is drawn as unknown", n.Name, at(n.Addr), n.Error)})
		case slices.ContainsFunc(n.Snapshot.Warnings, func(w topo.Warning) bool { return w.Code == kernelUnavailable }):
			c.Warnings = append(c.Warnings, topo.Warning{Code: WarnNoKernelView, Subject: n.Name,
				Message: fmt.Sprintf("node %s's netviz could not read the kernel (a Swarm task cannot have --pid host): its links, overlays and tunnels are unknown; run netviz there with docker run --pid host (docs/swarm.md) and use --every-node", n.Name)})
		}
	}
	c.Overlays = overlays(c)
	c.Tunnels = tunnels(c)
	c.Sort()
	return c
}

// describe fills what the Swarm API did not say from the node's snapshot.
func describe(n topo.ClusterNode) topo.ClusterNode {
	s := n.Snapshot
	if s == nil {
		if n.Error == "" {
			n.Error = "did not answer"
		}
		return n
	}
	n.Error = ""
	n.Name = cmp.Or(n.Name, s.Host.Hostname)
	if sw := s.Swarm; sw != nil {
		n.NodeID = cmp.Or(n.NodeID, sw.NodeID)
		n.Addr = cmp.Or(n.Addr, sw.Addr)
		if n.Role == "" {
			n.Role = topo.NodeWorker
			if sw.Manager {
				n.Role = topo.NodeManager
			}
		}
	}
	return n
}

func at(addr string) string {
	if addr == "" {
		return ""
	}
	return " (" + addr + ")"
}

// uniqueNames makes every node's name its own.
func uniqueNames(nodes []topo.ClusterNode) {
	count := map[string]int{}
	for _, n := range nodes {
		count[n.Name]++
	}
	for i := range nodes {
		n := &nodes[i]
		switch {
		case n.Name == "":
			n.Name = "node" + strconv.Itoa(i+1)
		case count[n.Name] == 1:
			continue
		case n.NodeID != "":
			n.Name += "-" + short(n.NodeID)
		default:
			n.Name += "-" + strconv.Itoa(i+1)
		}
	}
}

func short(id string) string {
	if len(id) > 6 {
		return id[:6]
	}
	return id
}

// vtep is the node's end of an overlay's tunnels.
func vtep(n *topo.ClusterNode, o *topo.Overlay) string {
	if o.VXLAN.Local != "" {
		return o.VXLAN.Local
	}
	if sw := n.Snapshot.Swarm; sw != nil {
		return cmp.Or(sw.DataAddr, sw.Addr, n.Addr)
	}
	return n.Addr
}

// overlays gathers each node's part of every overlay network, by network ID.
func overlays(c *topo.Cluster) []topo.ClusterOverlay {
	byID := map[string]*topo.ClusterOverlay{}
	var order []string
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if !n.Answered() {
			continue
		}
		for j := range n.Snapshot.Overlays {
			o := &n.Snapshot.Overlays[j]
			key := cmp.Or(o.NetworkID, o.Network)
			co := byID[key]
			if co == nil {
				co = &topo.ClusterOverlay{Network: o.Network, NetworkID: o.NetworkID, VNI: o.VXLAN.VNI, Ingress: o.Ingress}
				byID[key] = co
				order = append(order, key)
			}
			if co.VNI != o.VXLAN.VNI {
				c.Warnings = append(c.Warnings, topo.Warning{Code: WarnVNIDiffers, Subject: o.Network,
					Message: fmt.Sprintf("overlay %s has VNI %d on %s but %d on %s", o.Network, o.VXLAN.VNI, n.Name, co.VNI, co.Members[0].Node)})
			}
			co.Encrypted = co.Encrypted || o.Encrypted
			m := topo.OverlayMember{Node: n.Name, VTEP: vtep(n, o), Device: o.VXLAN.Name, Namespace: o.NamespaceName,
				MTU: cmp.Or(o.MTU, o.VXLAN.MTU), Tasks: tasksOn(n.Snapshot, o)}
			for _, p := range o.Peers {
				m.Peers = append(m.Peers, p.VTEP)
			}
			co.Members = append(co.Members, m)
		}
	}
	out := make([]topo.ClusterOverlay, 0, len(order))
	for _, k := range order {
		out = append(out, *byID[k])
	}
	return out
}

// tasksOn are the running containers of s attached to overlay o.
func tasksOn(s *topo.Snapshot, o *topo.Overlay) []string {
	var out []string
	for _, c := range s.Containers {
		if c.Namespace == "" {
			continue
		}
		for _, e := range c.Endpoints {
			if (o.NetworkID != "" && e.NetworkID == o.NetworkID) || (o.NetworkID == "" && e.Network == o.Network) {
				out = append(out, c.Name)
				break
			}
		}
	}
	return out
}

// addresses maps every address a node is known by to its name: where it
// was asked, what it advertises, its tunnels' local ends.
func addresses(c *topo.Cluster) map[string]string {
	out := map[string]string{}
	put := func(addr, node string) {
		if addr != "" && out[addr] == "" {
			out[addr] = node
		}
	}
	for _, n := range c.Nodes {
		put(n.Addr, n.Name)
		if n.Snapshot == nil {
			continue
		}
		if sw := n.Snapshot.Swarm; sw != nil {
			put(sw.Addr, n.Name)
			put(sw.DataAddr, n.Name)
		}
		for _, o := range n.Snapshot.Overlays {
			put(o.VXLAN.Local, n.Name)
		}
	}
	for _, o := range c.Overlays {
		for _, m := range o.Members {
			put(m.VTEP, m.Node)
		}
	}
	return out
}

// tunnels pairs each node's remote VTEPs with the nodes they are: one
// tunnel per pair of nodes and overlay, marked with the sides that see it.
func tunnels(c *topo.Cluster) []topo.Tunnel {
	nodeOf := addresses(c)
	var out []topo.Tunnel
	for _, o := range c.Overlays {
		index := map[[2]string]int{}
		for _, m := range o.Members {
			for _, peer := range m.Peers {
				remote := nodeOf[peer]
				if remote == m.Node {
					continue
				}
				t := topo.Tunnel{Network: o.Network, NetworkID: o.NetworkID, VNI: o.VNI,
					A: m.Node, B: remote, AddrA: m.VTEP, AddrB: peer, FromA: true}
				if remote != "" && remote < m.Node {
					t = topo.Tunnel{Network: o.Network, NetworkID: o.NetworkID, VNI: o.VNI,
						A: remote, B: m.Node, AddrA: peer, AddrB: m.VTEP, FromB: true}
				}
				key := [2]string{t.A, t.B}
				if remote == "" {
					key[1] = "addr " + peer
				}
				if i, ok := index[key]; ok {
					out[i].FromA = out[i].FromA || t.FromA
					out[i].FromB = out[i].FromB || t.FromB
					continue
				}
				index[key] = len(out)
				out = append(out, t)
			}
		}
	}
	return out
}
