package swarmtest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/testenv"
)

// TestIntegrationSwarmOverlayPing builds a 3-node swarm and proves that it is
// one: every node Ready with its own hostname, and real traffic across nodes
// on an attachable overlay (container on node 0 pings the one on node 2, by
// address and by name through Docker's embedded DNS) through a VXLAN on
// 4789, with frames to each of the swarm's ports counted on the bridge.
func TestIntegrationSwarmOverlayPing(t *testing.T) {
	testenv.RequireProgram(t, "nft", "nftables")
	s := Start(t, 3)
	counts := countSwarmPorts(t, s)
	for _, n := range s.Nodes {
		if got := strings.TrimSpace(n.Docker(t, "info", "--format", "{{.Name}} {{.Swarm.LocalNodeState}} {{.Swarm.NodeAddr}}")); got != n.Name+" active "+n.Addr.String() {
			t.Errorf("node %d: docker info says %q, want %q", n.Index, got, n.Name+" active "+n.Addr.String())
		}
	}
	for _, n := range s.Nodes {
		// What a program run on the node (netviz) takes for its host.
		if got, err := run(n.Command(context.Background(), "hostname")); err != nil || got != n.Name {
			t.Errorf("node %d: hostname in Command: %q, %v; want %q", n.Index, got, err, n.Name)
		}
	}
	roles := s.Manager().Docker(t, "node", "ls", "--format", "{{.Hostname}} {{.ManagerStatus}}")
	if !strings.Contains(roles, s.Node(0).Name+" Leader") {
		t.Errorf("node 0 is not the leader:\n%s", roles)
	}

	net := s.Overlay(t, "ov", true)
	names := s.RunOnEach(t, net)
	addr2 := containerAddr(t, s.Node(2), names[2], net)
	if out, ok := s.Node(0).Ping(names[0], addr2, 3); !ok {
		t.Errorf("ping from %s (node 0) to %s (node 2, %s) failed:\n%s", names[0], names[2], addr2, out)
	}
	if out, ok := s.Node(0).Ping(names[0], names[2], 2); !ok {
		t.Errorf("ping from node 0 to %s by name failed:\n%s", names[2], out)
	}
	// The VXLAN's VNI on node 2's overlay sandbox: the tunnel is real.
	id := s.Node(2).Docker(t, "network", "inspect", "--format", "{{.ID}}", net)
	links, err := run(s.Node(2).Command(context.Background(), "nsenter", "--net="+s.Node(2).ExecRoot+"/netns/1-"+id[:10], "ip", "-d", "link", "show", "type", "vxlan"))
	if err != nil || !strings.Contains(links, "dstport 4789") {
		t.Errorf("node 2's overlay sandbox has no VXLAN on 4789: %v\n%s", err, links)
	}
	// Gossip runs every second or so and workers heartbeat the manager
	// every few seconds: give them time to have been counted. TCP on 7946
	// is NetworkDB's bulk sync: at a network join when the joining node
	// already knows the network's other nodes, else at the next periodic
	// sync, 30 s on; on a busy host the first is often missed, so up to
	// 75 s (the loop ends as soon as every port is seen).
	var got map[string]int
	for range 150 {
		got = counts()
		if got["2377/tcp"] > 0 && got["7946/tcp"] > 0 && got["7946/udp"] > 0 && got["4789/udp"] > 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, p := range swarmPorts {
		if got[p] == 0 {
			t.Errorf("no frame to %s crossed the bridge between the nodes: %v", p, got)
		}
	}
	t.Logf("frames across the bridge by port: %v", got)
}

// containerAddr is the container's address on network.
func containerAddr(t *testing.T, n *Node, name, network string) string {
	t.Helper()
	var nets map[string]struct{ IPAddress string }
	if err := json.Unmarshal([]byte(n.Docker(t, "inspect", "--format", "{{json .NetworkSettings.Networks}}", name)), &nets); err != nil {
		t.Fatal(err)
	}
	a := nets[network].IPAddress
	if a == "" {
		t.Fatalf("%s has no address on %s: %v", name, network, nets)
	}
	return a
}

// swarmPorts are the ports Swarm needs open between nodes.
var swarmPorts = []string{"2377/tcp", "7946/tcp", "7946/udp", "4789/udp"}

// countSwarmPorts counts, on the bridge between the nodes, the frames to
// each of swarmPorts (an nftables bridge-family table in the bridge's own
// namespace: nothing in the host's), and returns how to read the counts.
func countSwarmPorts(t *testing.T, s *Swarm) func() map[string]int {
	t.Helper()
	rules := ""
	for _, p := range swarmPorts {
		port, proto, _ := strings.Cut(p, "/")
		rules += fmt.Sprintf("\t\t%s dport %s counter comment %q\n", proto, port, p)
	}
	cmd := s.BridgeCommand(context.Background(), "nft", "-f", "-")
	cmd.Stdin = strings.NewReader("table bridge nvcount {\n\tchain forward {\n\t\ttype filter hook forward priority 0; policy accept;\n" + rules + "\t}\n}\n")
	if _, err := run(cmd); err != nil {
		t.Fatal(err)
	}
	return func() map[string]int {
		out, err := run(s.BridgeCommand(context.Background(), "nft", "-j", "list", "table", "bridge", "nvcount"))
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Nftables []struct {
				Rule *struct {
					Comment string
					Expr    []struct {
						Counter *struct{ Packets int }
					}
				}
			}
		}
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("nft -j: %v", err)
		}
		counts := map[string]int{}
		for _, e := range list.Nftables {
			if e.Rule == nil {
				continue
			}
			for _, x := range e.Rule.Expr {
				if x.Counter != nil {
					counts[e.Rule.Comment] = x.Counter.Packets
				}
			}
		}
		return counts
	}
}

// BenchmarkSwarmStart measures Start of 3 nodes: the dockerds up (start-s)
// and the joins until every node is Ready (join-s); ns/op also counts the
// image load. Run with -benchtime 1x (make bench): each iteration is a swarm
// that lives until the benchmark ends.
func BenchmarkSwarmStart(b *testing.B) {
	var started, joined float64
	for range b.N {
		s := Start(b, 3)
		started += s.Started.Seconds()
		joined += s.Joined.Seconds()
	}
	b.ReportMetric(started/float64(b.N), "start-s")
	b.ReportMetric(joined/float64(b.N), "join-s")
}
