package diagram

import (
	"fmt"
	"strings"

	"github.com/netviz/netviz/topo"
)

// addSandbox draws a node's part of an overlay network — its sandbox
// with the VXLAN device — inside the node's box, tied to the uplink its
// packets leave by. It returns the VXLAN device's node ID.
func addSandbox(d *Diagram, box int, prefix string, s *topo.Snapshot, ov *topo.ClusterOverlay, m *topo.OverlayMember, uplink string) string {
	base := prefix + "ovl_" + safeID(ov.Network)
	title := "overlay " + ov.Network
	if ov.Ingress {
		title += " (ingress)"
	}
	id := base + "_vtep"
	lines := []string{fmt.Sprintf("VNI %d · MTU %d", ov.VNI, m.MTU), "VTEP " + orDash(m.VTEP)}
	if len(m.Tasks) > 0 {
		lines = append(lines, plural(len(m.Tasks), "task", "tasks")+": "+firstNames(m.Tasks, 3))
	}
	lines = append(lines, plural(len(m.Peers), "remote VTEP", "remote VTEPs"))
	node := Node{ID: id, Kind: NodeVTEP, Title: clip(orDash(m.Device)), Lines: clipAll(lines),
		Details: fieldsOf("network", ov.Network, "network ID", ov.NetworkID, "VNI", intField(ov.VNI), "device", m.Device,
			"sandbox", m.Namespace, "VTEP", m.VTEP, "MTU", intField(m.MTU), "tasks", strings.Join(m.Tasks, ", "),
			"remote VTEPs", strings.Join(m.Peers, ", "), "encrypted", boolField(ov.Encrypted, true))}
	if id, ok := reuseVTEP(d, prefix, s, ov, m.Device, title, node); ok {
		if uplink != "" {
			d.Edges = append(d.Edges, Edge{ID: "e_" + id + "__uplink", From: uplink, To: id, Kind: EdgeUnderlay})
		}
		return id
	}
	c := Cluster{ID: "cluster_" + base, Kind: ClusterSandbox, Title: clip(title), Lines: nonEmpty(prefixed("sandbox ", m.Namespace)),
		Nodes: []Node{node}, Details: fieldsOf("network", ov.Network, "sandbox", m.Namespace)}
	d.Clusters = append(d.Clusters, c)
	d.Projects[box].Clusters = append(d.Projects[box].Clusters, c.ID)
	if uplink != "" {
		d.Edges = append(d.Edges, Edge{ID: "e_" + id + "__uplink", From: uplink, To: id, Kind: EdgeUnderlay})
	}
	return id
}

// reuseVTEP makes the node's own drawing of the VXLAN device, when its
// diagram has one (the sandbox drawn as a namespace), the tunnels' end:
// the device gets the overlay's facts and its namespace the sandbox's look.
func reuseVTEP(d *Diagram, prefix string, s *topo.Snapshot, ov *topo.ClusterOverlay, device, title string, vtep Node) (string, bool) {
	nsID := ""
	for _, o := range s.Overlays {
		if o.NetworkID == ov.NetworkID && o.Network == ov.Network {
			nsID = o.Namespace
		}
	}
	if nsID == "" || device == "" {
		return "", false
	}
	want := prefix + safeID("if_"+nsID+"_"+device)
	for i := range d.Clusters {
		c := &d.Clusters[i]
		for j := range c.Nodes {
			if c.Nodes[j].ID != want {
				continue
			}
			n := &c.Nodes[j]
			n.Kind, n.Lines, n.Details = NodeVTEP, vtep.Lines, append(vtep.Details, n.Details...)
			if c.Kind == ClusterNetns {
				c.Kind, c.Title, c.Lines = ClusterSandbox, clip(title), nonEmpty(clip(strings.TrimPrefix(c.Title, "netns ")))
			}
			return n.ID, true
		}
	}
	return "", false
}

// addTunnels draws the VXLAN tunnels between the nodes' devices: solid
// when both sides hold them, dashed red when only one does. A tunnel to
// a node with no device of the network ends at the node's uplink (or its
// unknown box); one to an address no node has, at a node for the address.
func addTunnels(d *Diagram, c *topo.Cluster, vteps map[[2]string]string, anchor map[string]string) {
	strangers := map[string]string{}
	end := func(node, netID, addr string) string {
		if id := vteps[[2]string{node, netID}]; id != "" {
			return id
		}
		if node != "" && anchor[node] != "" {
			return anchor[node]
		}
		if id := strangers[addr]; id != "" {
			return id
		}
		id := "unknown_vtep_" + safeID(addr)
		d.Nodes = append(d.Nodes, Node{ID: id, Kind: NodeUnknownNode, Title: clip("VTEP " + addr), Lines: []string{"no node netviz knows"},
			Details: fieldsOf("address", addr)})
		strangers[addr] = id
		return id
	}
	for _, t := range c.Tunnels {
		from, to := end(t.A, t.NetworkID, t.AddrA), end(t.B, t.NetworkID, t.AddrB)
		if from == "" || to == "" {
			continue
		}
		kind := EdgeTunnel
		label := fmt.Sprintf("VNI %d %s\n%s ⇄ %s", t.VNI, t.Network, t.AddrA, t.AddrB)
		switch {
		case !t.FromB:
			kind = EdgeHalfTunnel
			label = fmt.Sprintf("VNI %d %s\n%s → %s\nseen from %s only", t.VNI, t.Network, t.AddrA, t.AddrB, t.A)
		case !t.FromA:
			kind = EdgeHalfTunnel
			label = fmt.Sprintf("VNI %d %s\n%s → %s\nseen from %s only", t.VNI, t.Network, t.AddrB, t.AddrA, t.B)
		}
		d.Edges = append(d.Edges, Edge{ID: "e_tunnel_" + safeID(t.Network+"_"+t.A+"_"+cmpOr(t.B, t.AddrB)), From: from, To: to, Kind: kind, Label: label})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func orDash(s string) string { return cmpOr(s, "-") }

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
