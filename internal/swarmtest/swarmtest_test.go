package swarmtest

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestIntegrationSwarmOverlayPing builds a 3-node swarm and proves that it is
// one: every node Ready with its own hostname, and real traffic across nodes
// on an attachable overlay (container on node 0 pings the one on node 2, by
// address and by name through Docker's embedded DNS), with the swarm's
// ports open between the nodes' uplinks.
func TestIntegrationSwarmOverlayPing(t *testing.T) {
	s := Start(t, 3)
	for _, n := range s.Nodes {
		if got := strings.TrimSpace(n.Docker(t, "info", "--format", "{{.Name}} {{.Swarm.LocalNodeState}} {{.Swarm.NodeAddr}}")); got != n.Name+" active "+n.Addr.String() {
			t.Errorf("node %d: docker info says %q, want %q", n.Index, got, n.Name+" active "+n.Addr.String())
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
	checkSwarmPorts(t, s)
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

// checkSwarmPorts sees the swarm's ports from the sockets: the leader listens
// on 2377/tcp and 7946/tcp+udp, every node on 4789/udp and 7946, and the
// workers hold established 2377 connections to the leader and gossip with
// each other: traffic that crossed the bridge.
func checkSwarmPorts(t *testing.T, s *Swarm) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, n := range s.Nodes {
		out, err := run(n.Command(ctx, "ss", "-Htuan"))
		if err != nil {
			t.Fatalf("node %d: %v", n.Index, err)
		}
		want := []string{"udp " + n.Addr.String() + ":7946", "udp 0.0.0.0:4789"}
		if n.Manager {
			want = append(want, "LISTEN "+n.Addr.String()+":2377")
		} else {
			want = append(want, "ESTAB "+n.Addr.String()+":*->"+s.Manager().Addr.String()+":2377")
		}
		have := socketSet(out)
		for _, w := range want {
			if !have[w] {
				t.Errorf("node %d: no socket %q in ss -tuan:\n%s", n.Index, w, out)
			}
		}
	}
}

// socketSet indexes `ss -Htuan` lines as "udp local", "LISTEN local" and
// "ESTAB localaddr:*->peer" (the local port of a connection is ephemeral).
func socketSet(ss string) map[string]bool {
	have := map[string]bool{}
	for _, l := range strings.Split(ss, "\n") {
		f := strings.Fields(l)
		if len(f) < 6 {
			continue
		}
		proto, state, local, peer := f[0], f[1], f[4], f[5]
		switch {
		case proto == "udp":
			have["udp "+local] = true
			if strings.HasPrefix(local, "*:") {
				have["udp 0.0.0.0:"+strings.TrimPrefix(local, "*:")] = true
			}
		case state == "LISTEN":
			have["LISTEN "+local] = true
		case state == "ESTAB":
			host := local[:strings.LastIndex(local, ":")]
			have["ESTAB "+host+":*->"+peer] = true
		}
	}
	return have
}
