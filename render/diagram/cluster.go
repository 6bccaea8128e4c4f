package diagram

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/netviz/netviz/topo"
)

// A cluster's diagram: one box per Swarm node (a Project box, which every
// writer draws), holding that node's own diagram built as Build draws a
// host, grouped the same way; in it, one box per overlay sandbox with the
// node's VXLAN device; and between the nodes' VXLAN devices, the tunnels.
// A node that did not answer is a box with one node saying why, drawn as
// the stand-in for a remote node is (NodeRemoteVTEP): all that is known.

// Kinds a cluster's diagram adds to those of a node's (overlay.go).
const (
	EdgeTunnel     EdgeKind = "tunnel"      // VXLAN tunnel between two nodes' devices, both sides holding it
	EdgeHalfTunnel EdgeKind = "half-tunnel" // VXLAN tunnel only one side's forwarding database holds
	// ClusterOthers holds what a node's diagram draws outside any
	// namespace: summary nodes, stopped containers, remote stand-ins.
	ClusterOthers ClusterKind = "others"
)

func init() {
	edgeKindOrder = append(edgeKindOrder, EdgeTunnel, EdgeHalfTunnel)
	edgeStyles[EdgeTunnel] = EdgeStyle{Color: "#4338ca", Width: 2.4, Swatch: "━━━", Legend: "VXLAN tunnel between two nodes (VNI, both VTEPs): both hold it"}
	edgeStyles[EdgeHalfTunnel] = EdgeStyle{Color: "#b45309", Dotted: true, Width: 2.4, Swatch: "·····", Legend: "VXLAN tunnel one node holds and the other does not"}
	clusterStyles[ClusterOthers] = ClusterStyle{Fill: "#ffffff", Border: "#cbd5e1", Dashed: true}
}

// NodeLegend is what the legend says a node's box is.
const NodeLegend = "Swarm node: its host, overlay sandboxes and containers"

// BoxLegend is what the legend says d's boxes of clusters are: Swarm
// nodes in a cluster's diagram, Compose projects otherwise.
func BoxLegend(d *Diagram) string {
	if len(d.Projects) > 0 && d.Projects[0].Node {
		return NodeLegend
	}
	return ProjectLegend
}

// ClusterOptions say how BuildCluster draws.
type ClusterOptions struct {
	// Options are those of each node's own diagram; Problems are ignored
	// (NodeProblems has them).
	Options
	// NodeProblems are doctor's findings on each node, by node name.
	NodeProblems map[string][]topo.Finding
	// Problems are the cluster's own findings (subjects RefNode): they mark
	// the nodes' boxes' host clusters.
	Problems []topo.Finding
}

// BuildCluster decides what the diagram of a cluster shows.
func BuildCluster(c *topo.Cluster, opt ClusterOptions) *Diagram {
	d := &Diagram{Title: "Swarm cluster: " + plural(len(c.Nodes), "node", "nodes")}
	if opt.Title != "" {
		d.Title = opt.Title
	}
	d.Subtitle = clusterSubtitle(c, opt.Now)
	nodeOf := nodeAddresses(c)
	vteps := map[[2]string]string{} // (node, network ID) → its VXLAN device's node ID
	anchor := map[string]string{}   // node → where tunnels end when it has no VXLAN device
	for i := range c.Nodes {
		n := &c.Nodes[i]
		prefix := "n" + strconv.Itoa(i+1) + "_"
		if !n.Answered() {
			anchor[n.Name] = addUnknownNode(d, prefix, n, nodeFindings(opt.Problems, n.Name))
			continue
		}
		o := opt.Options
		o.Problems = opt.NodeProblems[n.Name]
		o.ByProject = false
		sub := Build(n.Snapshot, o)
		dropStandIns(sub, nodeOf)
		box := adopt(d, sub, prefix, n)
		markBox(d, box, nodeFindings(opt.Problems, n.Name))
		anchor[n.Name] = uplinkOf(sub, prefix)
		for _, ov := range c.Overlays {
			if m, ok := ov.Member(n.Name); ok {
				vteps[[2]string{n.Name, ov.NetworkID}] = vxlanNode(d, box, prefix, &ov, m)
			}
		}
	}
	addTunnels(d, c, vteps, anchor)
	return d
}

// nodeAddresses maps the addresses the cluster's nodes are known by to
// their names: where netviz asked them, their tunnels' ends.
func nodeAddresses(c *topo.Cluster) map[string]string {
	out := map[string]string{}
	for _, n := range c.Nodes {
		if n.Addr != "" {
			out[n.Addr] = n.Name
		}
	}
	for _, o := range c.Overlays {
		for _, m := range o.Members {
			out[m.VTEP] = m.Node
		}
	}
	for _, t := range c.Tunnels {
		if t.B != "" {
			out[t.AddrB] = t.B
		}
		out[t.AddrA] = t.A
	}
	return out
}

// dropStandIns takes out of a node's diagram the stand-ins for remote
// nodes that are in the cluster, and their tunnel edges: the cluster's
// own tunnels tie the two nodes' devices instead. A stand-in for an
// address no node has stays.
func dropStandIns(sub *Diagram, nodeOf map[string]string) {
	dropEdge, dropNode := map[string]bool{}, map[string]bool{}
	kept := sub.Tunnels[:0]
	for _, t := range sub.Tunnels {
		if nodeOf[t.Remote] == "" {
			kept = append(kept, t)
			continue
		}
		dropEdge[t.Edge], dropNode[t.RemoteNode] = true, true
	}
	for _, t := range kept {
		delete(dropNode, t.RemoteNode)
	}
	sub.Tunnels = kept
	sub.Edges = slices.DeleteFunc(sub.Edges, func(e Edge) bool { return dropEdge[e.ID] })
	sub.Nodes = slices.DeleteFunc(sub.Nodes, func(n Node) bool { return dropNode[n.ID] })
}

func clusterSubtitle(c *topo.Cluster, now time.Time) string {
	at := c.GeneratedAt
	if at.IsZero() {
		at = now
	}
	parts := []string{plural(len(c.Overlays), "overlay network", "overlay networks"), plural(len(c.Tunnels), "tunnel", "tunnels")}
	if un := c.Unanswered(); len(un) > 0 {
		parts = append(parts, fmt.Sprintf("%d of %d nodes did not answer: the picture is partial", len(un), len(c.Nodes)))
	}
	if !at.IsZero() {
		parts = append(parts, at.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	return strings.Join(parts, " · ")
}

// nodeTitle is what a node's box says of it.
func nodeTitle(n *topo.ClusterNode) (string, []string) {
	var lines []string
	facts := nonEmpty(n.Role, n.Addr, n.State)
	if len(facts) > 0 {
		lines = append(lines, strings.Join(facts, " · "))
	}
	if n.NodeID != "" {
		lines = append(lines, "ID "+short(n.NodeID))
	}
	return clip("node " + n.Name), lines
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// adopt copies a node's own diagram into d under prefix, its clusters
// inside one box for the node (and its own project boxes dropped: a
// cluster's boxes are its nodes). It returns the box's index in d.Projects.
func adopt(d *Diagram, sub *Diagram, prefix string, n *topo.ClusterNode) int {
	title, lines := nodeTitle(n)
	box := Project{ID: "cluster_" + prefix + "node", Name: n.Name, Title: title, Lines: orEmpty(lines), Node: true,
		Details: fieldsOf("node", n.Name, "node ID", n.NodeID, "role", n.Role, "address", n.Addr, "state", n.State)}
	for _, c := range sub.Clusters {
		c.ID = clusterID(prefix, c.ID)
		c.Nodes = prefixNodes(prefix, c.Nodes)
		d.Clusters = append(d.Clusters, c)
		box.Clusters = append(box.Clusters, c.ID)
	}
	// What Build draws outside any cluster — summary nodes, stopped
	// containers, stand-ins for addresses no node has — belongs to this node: a cluster of its own in the box.
	if len(sub.Nodes) > 0 {
		c := Cluster{ID: "cluster_" + prefix + "others", Kind: ClusterOthers, Title: "outside its namespaces", Lines: []string{},
			Nodes: prefixNodes(prefix, sub.Nodes)}
		d.Clusters = append(d.Clusters, c)
		box.Clusters = append(box.Clusters, c.ID)
	}
	for _, e := range sub.Edges {
		e.ID, e.From, e.To = prefix+e.ID, prefix+e.From, prefix+e.To
		d.Edges = append(d.Edges, e)
	}
	for _, t := range sub.Tunnels {
		t.VXLANNode, t.RemoteNode, t.Edge = prefix+t.VXLANNode, prefix+t.RemoteNode, prefix+t.Edge
		d.Tunnels = append(d.Tunnels, t)
	}
	d.Projects = append(d.Projects, box)
	return len(d.Projects) - 1
}

// clusterID keeps a cluster's ID starting with "cluster", which is what
// makes Graphviz draw a box.
func clusterID(prefix, id string) string {
	return "cluster_" + prefix + strings.TrimPrefix(id, "cluster_")
}

func prefixNodes(prefix string, ns []Node) []Node {
	out := make([]Node, len(ns))
	for i, n := range ns {
		n.ID = prefix + n.ID
		out[i] = n
	}
	return out
}

// uplinkOf is the ID of the node's uplink in its diagram, "" when none.
func uplinkOf(sub *Diagram, prefix string) string {
	for _, c := range sub.Clusters {
		for _, n := range c.Nodes {
			if n.Kind == NodeUplink {
				return prefix + n.ID
			}
		}
	}
	return ""
}

// addUnknownNode draws a node that did not answer: a box with one node
// saying why, which tunnels to it end at.
func addUnknownNode(d *Diagram, prefix string, n *topo.ClusterNode, problems []topo.Finding) string {
	title, lines := nodeTitle(n)
	id := prefix + "unknown"
	c := Cluster{ID: "cluster_" + prefix + "host", Kind: ClusterHost, Title: "unknown", Lines: []string{}, Problems: problems,
		Details: fieldsOf("error", n.Error),
		Nodes: []Node{{ID: id, Kind: NodeRemoteVTEP, Title: clip(n.Name + ": unknown"), Lines: clipAll(wrap(n.Error, 48)),
			Details: fieldsOf("node", n.Name, "address", n.Addr, "error", n.Error)}}}
	d.Clusters = append(d.Clusters, c)
	d.Projects = append(d.Projects, Project{ID: "cluster_" + prefix + "node", Name: n.Name, Title: title, Lines: orEmpty(lines), Node: true,
		Details: fieldsOf("node", n.Name, "address", n.Addr, "error", n.Error), Clusters: []string{c.ID}})
	return id
}

// markBox puts the cluster's findings about a node on its host cluster.
func markBox(d *Diagram, box int, problems []topo.Finding) {
	if len(problems) == 0 || len(d.Projects[box].Clusters) == 0 {
		return
	}
	first := d.Projects[box].Clusters[0]
	for i := range d.Clusters {
		if d.Clusters[i].ID == first {
			d.Clusters[i].Problems = append(d.Clusters[i].Problems, problems...)
		}
	}
}

func nodeFindings(fs []topo.Finding, node string) []topo.Finding {
	var out []topo.Finding
	for _, f := range fs {
		if len(f.Subject) > 0 && f.Subject[0].Kind == topo.RefNode && f.Subject[0].Name == node {
			out = append(out, f)
		}
	}
	return out
}

// wrap breaks s into lines of about width characters at spaces.
func wrap(s string, width int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			out = append(out, line)
			line = ""
		}
		line = strings.TrimSpace(line + " " + w)
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}
