package diagram_test

import (
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/cluster"
	"github.com/netviz/netviz/internal/clustertest"
	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/topo"
)

func TestBuildCluster(t *testing.T) {
	nodes := clustertest.Three(40)
	// node2 forgot node1 and tunnels to an address that is no node;
	// node3 did not answer.
	nodes[1].Snapshot = clustertest.Node(clustertest.Spec{Name: "node2", Addr: clustertest.Addr2, Workers: 40, Tasks: 2,
		Peers: []string{clustertest.Addr3, "192.168.77.99"}})
	nodes[2] = topo.ClusterNode{Name: "node3", Addr: clustertest.Addr3, Error: "did not answer: refused"}
	c := cluster.Merge(nodes, time.Time{})
	vtepMissing := topo.Finding{ID: "cluster-vtep-missing", Severity: topo.SeverityError, Subject: []topo.Ref{topo.NodeRef("node1")}}
	d := diagram.BuildCluster(c, diagram.ClusterOptions{Problems: []topo.Finding{vtepMissing}})

	if len(d.Projects) != 3 || !d.Projects[0].Node || d.Projects[2].Title != "node node3" || diagram.BoxLegend(d) != diagram.NodeLegend {
		t.Fatalf("boxes = %+v", d.Projects)
	}
	ids := map[string]bool{}
	kinds := map[string]diagram.NodeKind{}
	inBox := map[string]string{}
	for _, p := range d.Projects {
		for _, id := range p.Clusters {
			inBox[id] = p.Name
		}
	}
	for _, cl := range d.Clusters {
		if ids[cl.ID] || !strings.HasPrefix(cl.ID, "cluster_") {
			t.Errorf("cluster ID %q repeated or not boxed by Graphviz", cl.ID)
		}
		ids[cl.ID] = true
		if inBox[cl.ID] == "" {
			t.Errorf("cluster %s is in no node's box", cl.ID)
		}
		for _, n := range cl.Nodes {
			if ids[n.ID] {
				t.Errorf("node ID %q repeated", n.ID)
			}
			ids[n.ID], kinds[n.ID] = true, n.Kind
		}
	}
	if len(d.Nodes) != 0 {
		t.Errorf("nodes outside every box: %+v", d.Nodes)
	}
	// Every node's grouped containers stay a summary in its own box.
	groups := 0
	for _, k := range kinds {
		if k == diagram.NodeGroup {
			groups++
		}
	}
	if groups != 2 {
		t.Errorf("%d summary nodes, want one per node that answered", groups)
	}
	var tunnels []string
	for _, e := range d.Edges {
		if !ids[e.From] || !ids[e.To] {
			t.Errorf("edge %s ends outside the diagram: %s → %s", e.ID, e.From, e.To)
		}
		switch e.Kind {
		case diagram.EdgeTunnel, diagram.EdgeHalfTunnel, diagram.EdgeRemoteTunnel:
			tunnels = append(tunnels, string(e.Kind)+" "+e.From+" "+e.To+" "+strings.ReplaceAll(e.Label, "\n", " | "))
		}
	}
	want := []string{
		// node2's tunnel to an address no node has: its own stand-in,
		// drawn with node2's diagram, before the cluster's tunnels.
		"remote-tunnel n2_vtep_192_168_77_99 n2_if_ns_sbx_node2_vxlan0 VNI 4097",
		// node1 holds node2, node2 not node1: one side only.
		"half-tunnel n1_if_ns_sbx_node1_vxlan0 n2_if_ns_sbx_node2_vxlan0 VNI 4097 appnet-ov | 192.168.77.1 → 192.168.77.2 | only node1 holds it",
		// node3 did not answer: the tunnels to it end at its unknown box.
		"half-tunnel n1_if_ns_sbx_node1_vxlan0 n3_unknown VNI 4097 appnet-ov | 192.168.77.1 → 192.168.77.3 | only node1 holds it",
		"half-tunnel n2_if_ns_sbx_node2_vxlan0 n3_unknown VNI 4097 appnet-ov | 192.168.77.2 → 192.168.77.3 | only node2 holds it",
	}
	if strings.Join(tunnels, "\n") != strings.Join(want, "\n") {
		t.Errorf("tunnels:\n%s\nwant:\n%s", strings.Join(tunnels, "\n"), strings.Join(want, "\n"))
	}
	if kinds["n3_unknown"] != diagram.NodeRemoteVTEP {
		t.Errorf("node3 is drawn as %q", kinds["n3_unknown"])
	}
	// The cluster's finding about node1 marks its host namespace.
	for _, cl := range d.Clusters {
		if cl.ID == "cluster_n1_host" && (len(cl.Problems) != 1 || cl.Problems[0].ID != "cluster-vtep-missing") {
			t.Errorf("node1's host cluster problems = %+v", cl.Problems)
		}
	}
}
