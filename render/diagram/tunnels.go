package diagram

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/netviz/netviz/topo"
)

// vxlanNode is the ID of a node's VXLAN device of an overlay: the one its
// own diagram draws in the overlay's cluster (overlay.go), told the
// overlay's tasks on the node; or, when there is none, one drawn here in
// a sandbox box of its own.
func vxlanNode(d *Diagram, box int, prefix string, ov *topo.ClusterOverlay, m *topo.OverlayMember) string {
	tasks := plural(len(m.Tasks), "task", "tasks")
	if len(m.Tasks) > 0 {
		tasks += ": " + firstNames(m.Tasks, 3)
	}
	for _, id := range d.Projects[box].Clusters {
		for i := range d.Clusters {
			c := &d.Clusters[i]
			if c.ID != id || c.Kind != ClusterOverlay || !ofNetwork(c, ov) {
				continue
			}
			for j := range c.Nodes {
				if n := &c.Nodes[j]; n.Kind == NodeVXLAN {
					n.Lines = append(n.Lines, clip(tasks))
					return n.ID
				}
			}
		}
	}
	base := prefix + "ovl_" + safeID(ov.Network)
	node := Node{ID: base + "_vtep", Kind: NodeVXLAN, Title: clip(cmp.Or(m.Device, "vxlan")),
		Lines: clipAll([]string{fmt.Sprintf("vni %d · mtu %d", ov.VNI, m.MTU), "local " + cmp.Or(m.VTEP, "-"), tasks}),
		Details: fieldsOf("network", ov.Network, "network ID", ov.NetworkID, "vni", intField(ov.VNI), "device", m.Device,
			"sandbox", m.Namespace, "local", m.VTEP, "mtu", intField(m.MTU), "tasks", strings.Join(m.Tasks, ", "),
			"remote VTEPs", strings.Join(m.Peers, ", "))}
	c := Cluster{ID: "cluster_" + base, Kind: ClusterOverlay, Title: clip("overlay " + ov.Network),
		Lines: nonEmpty(prefixed("sandbox ", m.Namespace)), Nodes: []Node{node}, Details: fieldsOf("network", ov.Network, "network ID", ov.NetworkID)}
	d.Clusters = append(d.Clusters, c)
	d.Projects[box].Clusters = append(d.Projects[box].Clusters, c.ID)
	return node.ID
}

// ofNetwork says whether an overlay cluster of a node's diagram is ov's.
func ofNetwork(c *Cluster, ov *topo.ClusterOverlay) bool {
	for _, f := range c.Details {
		if f.Key == "network ID" && ov.NetworkID != "" {
			return f.Value == ov.NetworkID
		}
	}
	return c.Title == clip("overlay "+ov.Network)
}

// addTunnels draws the VXLAN tunnels between the nodes' devices: as a
// node's own tunnels are drawn when both sides hold them, dotted amber
// when only one does. A tunnel to a node with no device of the network
// ends at the node's uplink (or its unknown box); one to an address no
// node has is the stand-in its node's diagram drew.
func addTunnels(d *Diagram, c *topo.Cluster, vteps map[[2]string]string, anchor map[string]string) {
	end := func(node, netID string) string {
		if id := vteps[[2]string{node, netID}]; id != "" {
			return id
		}
		return anchor[node]
	}
	encrypted := map[string]bool{}
	for _, o := range c.Overlays {
		encrypted[o.NetworkID+"\x00"+o.Network] = o.Encrypted
	}
	for _, t := range c.Tunnels {
		if t.B == "" {
			continue
		}
		from, to := end(t.A, t.NetworkID), end(t.B, t.NetworkID)
		if from == "" || to == "" {
			continue
		}
		kind := EdgeTunnel
		if encrypted[t.NetworkID+"\x00"+t.Network] {
			kind = EdgeEncryptedTunnel
		}
		label := fmt.Sprintf("VNI %d %s\n%s ⇄ %s", t.VNI, t.Network, t.AddrA, t.AddrB)
		switch {
		case !t.FromB:
			kind = EdgeHalfTunnel
			label = fmt.Sprintf("VNI %d %s\n%s → %s\nonly %s holds it", t.VNI, t.Network, t.AddrA, t.AddrB, t.A)
		case !t.FromA:
			kind = EdgeHalfTunnel
			label = fmt.Sprintf("VNI %d %s\n%s → %s\nonly %s holds it", t.VNI, t.Network, t.AddrB, t.AddrA, t.B)
		}
		d.Edges = append(d.Edges, Edge{ID: "e_tunnel_" + safeID(t.Network+"_"+t.A+"_"+t.B), From: from, To: to, Kind: kind, Label: label})
	}
}

// firstNames is up to n names, then how many more.
func firstNames(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + fmt.Sprintf(" +%d", len(names)-n)
}

// safeID keeps [A-Za-z0-9_] of s, as newID does.
func safeID(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
	}
	return sb.String()
}
