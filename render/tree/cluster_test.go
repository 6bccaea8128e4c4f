package tree

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/cluster"
	"github.com/netviz/netviz/internal/clustertest"
	"github.com/netviz/netviz/topo"
)

func TestWriteCluster(t *testing.T) {
	nodes := clustertest.Three(1)
	nodes[1].Snapshot = clustertest.Node(clustertest.Spec{Name: "node2", Addr: clustertest.Addr2, Workers: 1, Tasks: 2, Peers: []string{clustertest.Addr1}})
	nodes[2] = topo.ClusterNode{Name: "node3", Role: topo.NodeWorker, Addr: clustertest.Addr3, State: "down", Error: "did not answer: no snapshot within 5s"}
	c := cluster.Merge(nodes, time.Time{})
	problem := topo.Finding{ID: "cluster-vtep-missing", Severity: topo.SeverityError, Subject: []topo.Ref{topo.NodeRef("node2")}}
	for _, ascii := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteCluster(&buf, c, ClusterOptions{Options: Options{ASCII: ascii}, Problems: []topo.Finding{problem}}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		both, one := "⇄", "→"
		if ascii {
			both, one = "<->", "->"
		}
		for _, want := range []string{
			"cluster: 3 nodes (2 answered), 1 overlay network, 2 tunnels",
			"node node1  manager  192.168.77.1",
			"node node3  worker  192.168.77.3  down  unknown: did not answer: no snapshot within 5s",
			// node2's own tree, indented under its heading
			"overlay appnet-ov  vni 4097  vxlan0 udp/4789  mtu 1450  1 peer (192.168.77.1)",
			"overlay appnet-ov  VNI 4097",
			"node2  vxlan0 in 1-q7vmq1nz0x  VTEP 192.168.77.2  MTU 1450  2 tasks: web.42.node2, web.43.node2",
			"tunnel node1 192.168.77.1 " + both + " node2 192.168.77.2",
			"tunnel node1 192.168.77.1 " + one + " node3 192.168.77.3  (seen from node1 only)",
			"across nodes: 1 error (cluster-vtep-missing); netviz cluster doctor explains each",
			"warning: node node3 (192.168.77.3): did not answer: no snapshot within 5s; it is drawn as unknown",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("ascii=%v: lacks %q:\n%s", ascii, want, out)
			}
		}
	}
}
