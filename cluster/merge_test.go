package cluster

import (
	"slices"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/clustertest"
	"github.com/netviz/netviz/topo"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func tunnelOf(t *testing.T, c *topo.Cluster, a, b string) topo.Tunnel {
	t.Helper()
	for _, tu := range c.Tunnels {
		if tu.A == a && tu.B == b {
			return tu
		}
	}
	t.Fatalf("no tunnel %s–%s in %+v", a, b, c.Tunnels)
	return topo.Tunnel{}
}

func TestMergeThreeNodesComplete(t *testing.T) {
	c := Merge(clustertest.Three(3), now)
	if len(c.Nodes) != 3 || len(c.Warnings) != 0 {
		t.Fatalf("nodes %d, warnings %+v", len(c.Nodes), c.Warnings)
	}
	if c.Nodes[0].Name != "node1" || c.Nodes[0].Role != topo.NodeManager || c.Nodes[1].Role != topo.NodeWorker || c.Nodes[0].NodeID != "id-node1" {
		t.Errorf("nodes not described from their snapshots: %+v", c.Nodes[0])
	}
	if len(c.Overlays) != 1 {
		t.Fatalf("overlays = %+v", c.Overlays)
	}
	ov := c.Overlays[0]
	if ov.VNI != clustertest.VNI || ov.NetworkID != clustertest.NetworkID || len(ov.Members) != 3 {
		t.Fatalf("overlay = %+v", ov)
	}
	m, _ := ov.Member("node2")
	if m.VTEP != clustertest.Addr2 || m.MTU != 1450 || len(m.Tasks) != 2 || !slices.Equal(m.Peers, []string{clustertest.Addr1, clustertest.Addr3}) {
		t.Errorf("node2's part = %+v", m)
	}
	if len(c.Tunnels) != 3 {
		t.Fatalf("tunnels = %+v", c.Tunnels)
	}
	for _, pair := range [][2]string{{"node1", "node2"}, {"node1", "node3"}, {"node2", "node3"}} {
		tu := tunnelOf(t, c, pair[0], pair[1])
		if !tu.FromA || !tu.FromB || tu.VNI != clustertest.VNI {
			t.Errorf("tunnel %v = %+v, want seen from both sides", pair, tu)
		}
	}
	tu := tunnelOf(t, c, "node1", "node3")
	if tu.AddrA != clustertest.Addr1 || tu.AddrB != clustertest.Addr3 {
		t.Errorf("tunnel node1–node3 endpoints = %s → %s", tu.AddrA, tu.AddrB)
	}
}

func TestMergeOneSidedTunnelAndUnknownVTEP(t *testing.T) {
	nodes := clustertest.Three(0)
	// node3 forgot node1 and knows an address no node has.
	nodes[2].Snapshot = clustertest.Node(clustertest.Spec{Name: "node3", Addr: clustertest.Addr3, Tasks: 1,
		Peers: []string{clustertest.Addr2, "192.168.77.99"}})
	c := Merge(nodes, now)
	tu := tunnelOf(t, c, "node1", "node3")
	if !tu.FromA || tu.FromB {
		t.Errorf("node1–node3 = %+v, want seen from node1 only", tu)
	}
	stranger := tunnelOf(t, c, "node3", "")
	if stranger.AddrB != "192.168.77.99" || !stranger.FromA {
		t.Errorf("tunnel to an unknown address = %+v", stranger)
	}
}

func TestMergeNodeThatDidNotAnswer(t *testing.T) {
	nodes := clustertest.Three(0)
	nodes[2] = topo.ClusterNode{Name: "node3", NodeID: "id-node3", Role: topo.NodeWorker, Addr: clustertest.Addr3, State: "ready",
		Error: "did not answer: no snapshot from 192.168.77.3:7800 within 5s"}
	c := Merge(nodes, now)
	un := c.Unanswered()
	if len(un) != 1 || un[0].Name != "node3" || un[0].Snapshot != nil {
		t.Fatalf("unanswered = %+v", un)
	}
	if len(c.Warnings) != 1 || c.Warnings[0].Code != WarnUnanswered || c.Warnings[0].Subject != "node3" {
		t.Errorf("warnings = %+v", c.Warnings)
	}
	if m := c.Overlays[0].Members; len(m) != 2 {
		t.Errorf("members = %+v, want node1 and node2 only", m)
	}
	// The others still tunnel to it: seen from their side only.
	tu := tunnelOf(t, c, "node1", "node3")
	if !tu.FromA || tu.FromB {
		t.Errorf("node1–node3 = %+v", tu)
	}
}

func TestMergeNamesNodesApart(t *testing.T) {
	// Nodes that are namespaces of one machine share its hostname.
	a := clustertest.Node(clustertest.Spec{Name: "box", Addr: clustertest.Addr1, Peers: []string{clustertest.Addr2}})
	b := clustertest.Node(clustertest.Spec{Name: "box", Addr: clustertest.Addr2, Peers: []string{clustertest.Addr1}})
	a.Swarm.NodeID, b.Swarm.NodeID = "aaaaaaaaaa", "bbbbbbbbbb"
	c := Merge([]topo.ClusterNode{{Snapshot: a}, {Snapshot: b}, {Error: "did not answer: refused"}}, now)
	var names []string
	for _, n := range c.Nodes {
		names = append(names, n.Name)
	}
	if !slices.Equal(names, []string{"box-aaaaaa", "box-bbbbbb", "node3"}) {
		t.Errorf("names = %v", names)
	}
	if tu := tunnelOf(t, c, "box-aaaaaa", "box-bbbbbb"); !tu.FromA || !tu.FromB {
		t.Errorf("tunnel = %+v", tu)
	}
}

func TestMergeVNIThatDiffers(t *testing.T) {
	nodes := clustertest.Three(0)
	nodes[1].Snapshot.Overlays[0].VXLAN.VNI = 4242
	c := Merge(nodes, now)
	if !slices.ContainsFunc(c.Warnings, func(w topo.Warning) bool { return w.Code == WarnVNIDiffers }) {
		t.Errorf("warnings = %+v, want %s", c.Warnings, WarnVNIDiffers)
	}
}

func TestMergeSaysANodeHasNoKernelView(t *testing.T) {
	nodes := clustertest.Three(0)
	nodes[1].Snapshot.Overlays = nil
	nodes[1].Snapshot.Warnings = append(nodes[1].Snapshot.Warnings, topo.Warning{Code: "kernel-unavailable", Message: "the process answering on /var/run/docker.sock is in a PID namespace netviz cannot see"})
	c := Merge(nodes, now)
	i := slices.IndexFunc(c.Warnings, func(w topo.Warning) bool { return w.Code == WarnNoKernelView })
	if i < 0 || c.Warnings[i].Subject != "node2" {
		t.Errorf("warnings = %+v", c.Warnings)
	}
}
