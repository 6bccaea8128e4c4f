package diagnose

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/cluster"
	"github.com/netviz/netviz/internal/clustertest"
	"github.com/netviz/netviz/topo"
)

func ids(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID+" "+f.Subject[0].Name)
	}
	return out
}

func TestClusterChecks(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	node := func(name, addr string, tasks, mtu int, peers ...string) topo.ClusterNode {
		return topo.ClusterNode{Snapshot: clustertest.Node(clustertest.Spec{Name: name, Addr: addr, Tasks: tasks, MTU: mtu, Peers: peers})}
	}
	a, b, c := clustertest.Addr1, clustertest.Addr2, clustertest.Addr3
	tests := []struct {
		name  string
		nodes []topo.ClusterNode
		want  []string
	}{
		{"complete", clustertest.Three(0), nil},
		{"node1 has no entry for node3", []topo.ClusterNode{
			node("node1", a, 1, 0, b), node("node2", b, 1, 0, a, c), node("node3", c, 1, 0, a, b)},
			[]string{"cluster-vtep-missing node1"}},
		{"a node without tasks needs no entry", []topo.ClusterNode{
			node("node1", a, 1, 0, b), node("node2", b, 1, 0, a), node("node3", c, 0, 0)},
			nil},
		{"MTU differs on one node", []topo.ClusterNode{
			node("node1", a, 1, 0, b, c), node("node2", b, 1, 0, a, c), node("node3", c, 1, 1400, a, b)},
			[]string{"cluster-overlay-mtu-differs node3"}},
		{"a node that did not answer", []topo.ClusterNode{
			node("node1", a, 1, 0, b, c), node("node2", b, 1, 0, a, c),
			{Name: "node3", Addr: c, Error: "did not answer: refused"}},
			[]string{"cluster-node-unanswered node3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(ClusterChecks(cluster.Merge(tt.nodes, now)))
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClusterVTEPMissingSaysWhatToDo(t *testing.T) {
	a, b := clustertest.Addr1, clustertest.Addr2
	nodes := []topo.ClusterNode{
		{Snapshot: clustertest.Node(clustertest.Spec{Name: "node1", Addr: a, Tasks: 1})},
		{Snapshot: clustertest.Node(clustertest.Spec{Name: "node2", Addr: b, Tasks: 1, Peers: []string{a}})},
	}
	fs := ClusterChecks(cluster.Merge(nodes, time.Time{}))
	if len(fs) != 1 {
		t.Fatalf("findings = %+v", fs)
	}
	f := fs[0]
	if f.Severity != topo.SeverityError || !slices.Contains(f.Subject, topo.AddressRef(b)) || !slices.Contains(f.Subject, topo.NodeRef("node2")) {
		t.Errorf("finding = %+v", f)
	}
	for _, want := range []string{"bridge fdb show dev vxlan0", "7946", "4789"} {
		if !strings.Contains(f.Fix, want) {
			t.Errorf("fix %q lacks %q", f.Fix, want)
		}
	}
}
