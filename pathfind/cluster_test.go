package pathfind

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/cluster"
	"github.com/netviz/netviz/internal/clustertest"
	"github.com/netviz/netviz/topo"
)

func threeNodes(mutate func([]topo.ClusterNode)) *topo.Cluster {
	nodes := clustertest.Three(0)
	if mutate != nil {
		mutate(nodes)
	}
	return cluster.Merge(nodes, time.Time{})
}

// hopsInOrder is how many of want, in order, start a hop of r
// ("At: Why"); other hops may come between them.
func hopsInOrder(r Result, want []string) int {
	next := 0
	for _, h := range r.Hops {
		if next < len(want) && strings.HasPrefix(h.At+": "+h.Why, want[next]) {
			next++
		}
	}
	return next
}

// reasonHasAll says whether r's reason contains each of want.
func reasonHasAll(r Result, want []string) bool {
	for _, w := range want {
		if !strings.Contains(r.Reason, w) {
			return false
		}
	}
	return true
}

func hopsText(r Result) string {
	var at []string
	for _, h := range r.Hops {
		at = append(at, h.At+": "+h.Why)
	}
	return strings.Join(at, "\n")
}

func TestFindAcrossNodes(t *testing.T) {
	// Tasks are named web.<n>.<node>: node1 has 22 and 23, node2 42 and 43.
	withMACs := func(macs ...string) func([]topo.ClusterNode) {
		return func(nodes []topo.ClusterNode) {
			nodes[0].Snapshot.Overlays[0].Peers = []topo.VTEPPeer{{VTEP: clustertest.Addr2, MACs: macs}, {VTEP: clustertest.Addr3}}
		}
	}
	r, err := FindAcross(threeNodes(withMACs("02:42:0A:00:01:2A")), "web.22.node1", "node2/web.42.node2", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Reachable {
		t.Fatalf("verdict %s: %s\n%s", r.Verdict, r.Reason, hopsText(r))
	}
	text := hopsText(r)
	for _, want := range []string{
		"node1/web.22.node1 eth0", "node1: vxlan0 (VNI 4097)", "02:42:0a:00:01:2a",
		"underlay 192.168.77.1 → 192.168.77.2:4789/udp", "node2: vxlan0 (VNI 4097): decapsulated", "node2/web.42.node2 eth0",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("hops lack %q:\n%s", want, text)
		}
	}
	// A forwarding entry for the node but not for the task's MAC.
	r, _ = FindAcross(threeNodes(withMACs("02:42:0a:00:01:2b")), "web.22.node1", "web.42.node2", Options{})
	if r.Verdict != Unknown || !strings.Contains(r.Reason, "no entry for node2/web.42.node2's MAC 02:42:0a:00:01:2a") {
		t.Errorf("MAC missing: %s: %s", r.Verdict, r.Reason)
	}
	// An overlay address names the task too.
	if r, err := FindAcross(threeNodes(nil), "web.22.node1", "10.0.1.62", Options{}); err != nil || r.Verdict != Reachable {
		t.Errorf("to an address: %v %+v", err, r)
	}
}

func TestFindAcrossMissingForwardingEntry(t *testing.T) {
	c := threeNodes(func(nodes []topo.ClusterNode) {
		nodes[0].Snapshot.Overlays[0].Peers = []topo.VTEPPeer{{VTEP: clustertest.Addr3}}
	})
	r, err := FindAcross(c, "web.22.node1", "web.42.node2", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Blocked || !strings.Contains(r.Reason, "no entry for node2's VTEP 192.168.77.2") {
		t.Errorf("verdict %s: %s", r.Verdict, r.Reason)
	}
	// The way back missing, or an MTU that differs, makes it unsure.
	c = threeNodes(func(nodes []topo.ClusterNode) {
		nodes[1].Snapshot.Overlays[0].Peers = []topo.VTEPPeer{{VTEP: clustertest.Addr3}}
	})
	r, _ = FindAcross(c, "web.22.node1", "web.42.node2", Options{})
	if r.Verdict != Unknown || !strings.Contains(r.Reason, "replies have no way back") {
		t.Errorf("one-way tunnel: %s: %s", r.Verdict, r.Reason)
	}
}

func TestFindAcrossSameNodeIsFind(t *testing.T) {
	c := threeNodes(nil)
	r, err := FindAcross(c, "node1/lb", "node1/grafana", Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := c.Node("node1")
	want, _ := Find(n.Snapshot, "lb", "grafana", Options{})
	if r.Verdict != want.Verdict || len(r.Hops) != len(want.Hops) || r.From != "node1/lb" {
		t.Errorf("got %+v, want Find's %+v", r, want)
	}
}

func TestFindAcrossEndpointsItCannotPlace(t *testing.T) {
	c := threeNodes(func(nodes []topo.ClusterNode) {
		nodes[2] = topo.ClusterNode{Name: "node3", Addr: clustertest.Addr3, Error: "did not answer: refused"}
	})
	for _, tt := range []struct{ in, want string }{
		{"lb", "on several nodes, name one: node1/lb, node2/lb"},
		{"nosuch", "no node has it (but 1 node(s) did not answer)"},
		{"node3/web.62.node3", "node node3 did not answer: refused"},
		{"node1/nosuch", `node node1 has no container "nosuch"`},
	} {
		_, err := FindAcross(c, tt.in, "web.22.node1", Options{})
		if !errors.Is(err, topo.ErrUnknownContainer) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestFindAcrossHostFirewallDropsVXLAN(t *testing.T) {
	c := threeNodes(func(nodes []topo.ClusterNode) {
		nodes[1].Snapshot = clustertest.Node(clustertest.Spec{Name: "node2", Addr: clustertest.Addr2, Tasks: 2,
			Peers: []string{clustertest.Addr1, clustertest.Addr3}, DropVXLAN: true})
	})
	r, err := FindAcross(c, "web.22.node1", "web.42.node2", Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := hopsText(r)
	if r.Verdict != Blocked || !strings.Contains(r.Reason, "on node2, the VXLAN packet (udp 192.168.77.1 → 192.168.77.2:4789)") ||
		!strings.Contains(text, "node2: INPUT: DROP: -A INPUT -p udp -m udp --dport 4789 -j DROP") {
		t.Errorf("verdict %s: %s\n%s", r.Verdict, r.Reason, text)
	}
	// The other way, node2's OUTPUT lets it out and node1 takes it in.
	r, _ = FindAcross(c, "web.42.node2", "web.22.node1", Options{})
	if r.Verdict != Reachable || !strings.Contains(hopsText(r), "node1: INPUT: ACCEPT") {
		t.Errorf("back: %s: %s\n%s", r.Verdict, r.Reason, hopsText(r))
	}
}
