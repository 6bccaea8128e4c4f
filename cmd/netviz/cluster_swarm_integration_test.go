package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/internal/swarmtest"
	"github.com/netviz/netviz/topo"
)

// TestIntegrationSwarmCluster runs netviz cluster on a real 3-node swarm:
// an overlay with a container on every node, `netviz serve` on every node
// (in its namespace, on its address, with a token), and a global service
// named for the test whose tasks tell the Swarm API where netviz runs.
// From the manager, netviz cluster must find the three nodes through the
// Swarm API, gather their snapshots and see the overlay on all of them
// with its tunnels complete; the path between the containers on node 0
// and node 2 must go over the VXLAN hop; and with node 2's netviz
// stopped, node 2 is unknown and the exit status 9.
func TestIntegrationSwarmCluster(t *testing.T) {
	s := swarmtest.Start(t, 3)
	network := s.Overlay(t, "ov", true)
	names := s.RunOnEach(t, network)
	// The tasks of this service stand for the netviz global service: the
	// netviz beside them is a process in the node's namespace.
	service := s.Service(t, "netviz", []string{"--mode", "global"}, dockertest.Image, "sleep", "3600")
	// A service on the overlay, to be reached by name: Docker gives it a VIP.
	api := s.Service(t, "api", []string{"--network", network, "--replicas", "2"}, dockertest.Image, "sleep", "3600")
	bin := buildNetviz(t)
	token := "token-" + s.Prefix
	serves := make([]*exec.Cmd, len(s.Nodes))
	for i, n := range s.Nodes {
		ctx, cancel := context.WithCancel(context.Background())
		cmd := n.Command(ctx, bin, "serve", "--listen", n.Addr.String()+":7800", "--token", token, "-H", n.Socket)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			cancel()
			t.Fatal(err)
		}
		serves[i] = cmd
		t.Cleanup(func() {
			cancel()
			_ = cmd.Wait()
			if t.Failed() {
				t.Logf("node %d serve:\n%s", i, stderr.String())
			}
		})
	}
	// netviz cluster ARGS, run on the manager (in its namespace, which
	// reaches the other nodes' addresses).
	netviz := func(args ...string) (string, string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		full := append([]string{"cluster"}, args...)
		full = append(full, "--service", service, "--token", token)
		cmd := s.Manager().Command(ctx, bin, full...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
	}

	// The serves read their nodes and gossip fills the forwarding
	// databases: wait until every node answers with every tunnel.
	var c topo.Cluster
	deadline := time.Now().Add(3 * time.Minute)
	for {
		out, errOut, code := netviz("--format", "json", "--timeout", "20s")
		c = topo.Cluster{}
		if code == 0 && json.Unmarshal([]byte(out), &c) == nil && complete(&c, network, len(s.Nodes)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("netviz cluster never showed 3 nodes with the overlay's tunnels complete (exit %d): %s\n%s", code, errOut, out)
		}
		time.Sleep(2 * time.Second)
	}
	for i, n := range s.Nodes {
		got, ok := c.Node(n.Name)
		if !ok || got.NodeID != n.ID || got.Addr != n.Addr.String() {
			t.Errorf("node %d = %+v, want name %s, ID %s, address %s", i, got, n.Name, n.ID, n.Addr)
		}
	}
	for _, tu := range c.Tunnels {
		if !tu.FromA || !tu.FromB || tu.VNI == 0 {
			t.Errorf("tunnel %+v is not seen from both sides", tu)
		}
	}

	// For the curious (no assertion): gathering the three nodes against one
	// node's own snapshot, run where a user would run them.
	logTimes(t, s.Manager(), bin, [][]string{
		{"cluster", "--format", "json", "--service", service, "--token", token},
		{"docker", "--format", "json", "-H", s.Manager().Socket},
	})

	// NETVIZ_CLUSTER_KEEP=dir keeps the cluster's JSON, to draw it again
	// by hand (docs/swarm.md's picture is one).
	if dir := os.Getenv("NETVIZ_CLUSTER_KEEP"); dir != "" {
		if _, errOut, code := netviz("-o", filepath.Join(dir, "cluster.json")); code != 0 {
			t.Errorf("keeping the cluster: exit %d: %s", code, errOut)
		}
	}
	svg := filepath.Join(t.TempDir(), "cluster.svg")
	if _, errOut, code := netviz("-o", svg); code != 0 {
		t.Errorf("netviz cluster -o cluster.svg: exit %d: %s", code, errOut)
	} else if data, err := os.ReadFile(svg); err != nil || !bytes.Contains(data, []byte(`id="e_tunnel_`)) {
		t.Errorf("the SVG has no tunnel between nodes (%v)", err)
	}

	from, to := s.Node(0).Name+"/"+names[0], s.Node(2).Name+"/"+names[2]
	out, errOut, code := netviz("path", from, to)
	if code != 0 || !strings.Contains(out, "REACHABLE") || !strings.Contains(out, "4789/udp") {
		t.Errorf("netviz cluster path %s %s: exit %d: %s\n%s", from, to, code, errOut, out)
	}
	if out, ok := s.Node(0).Ping(names[0], overlayAddr(&c, s.Node(2).Name, names[2], network), 2); !ok {
		t.Errorf("the path says reachable but ping does not get there:\n%s", out)
	}

	// The service by name, as a task would name it: Docker's DNS gives its
	// VIP on the overlay, and IPVS (which netviz does not read) one task.
	vips := strings.Fields(s.Manager().Docker(t, "service", "inspect", "-f", "{{range .Endpoint.VirtualIPs}}{{.Addr}} {{end}}", api))
	out, errOut, code = netviz("path", from, api)
	if code != 0 || !strings.Contains(out, "DNS 127.0.0.11") || !strings.Contains(out, "IPVS") ||
		!slices.ContainsFunc(vips, func(v string) bool { vip, _, _ := strings.Cut(v, "/"); return strings.Contains(out, "VIP "+vip) }) {
		t.Errorf("netviz cluster path %s %s (VIPs %v): exit %d: %s\n%s", from, api, vips, code, errOut, out)
	}
	t.Logf("netviz cluster path %s %s:\n%s", from, api, out)

	// The service as SRC: one of its tasks, on whichever node, sends to a
	// task on the same overlay; the first hop names the one followed.
	out, errOut, code = netviz("path", api, to)
	if code != 0 || !strings.Contains(out, "service "+api+": SRC is service "+api+": netviz follows its task ") || !strings.Contains(out, "REACHABLE") {
		t.Errorf("netviz cluster path %s %s: exit %d: %s\n%s", api, to, code, errOut, out)
	}
	t.Logf("netviz cluster path %s %s:\n%s", api, to, out)

	// Node 2's netviz stops: it is unknown, said on stderr, exit 9.
	_ = serves[2].Process.Kill()
	_, _ = serves[2].Process.Wait()
	out, errOut, code = netviz("--format", "json", "--timeout", "3s")
	if code != exitPartial || !strings.Contains(errOut, s.Node(2).Name) || !strings.Contains(errOut, "did not answer") {
		t.Errorf("with node 2 silent: exit %d, stderr %q", code, errOut)
	}
	c = topo.Cluster{}
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	if un := c.Unanswered(); len(un) != 1 || un[0].Name != s.Node(2).Name {
		t.Errorf("unanswered = %+v", un)
	}
}

// complete says whether the cluster has every node answering and the
// overlay on all of them, each with a task, tunnelled both ways.
func complete(c *topo.Cluster, network string, nodes int) bool {
	if len(c.Nodes) != nodes || len(c.Unanswered()) != 0 {
		return false
	}
	for _, ov := range c.Overlays {
		if ov.Network != network || len(ov.Members) != nodes {
			continue
		}
		for _, m := range ov.Members {
			if len(m.Tasks) == 0 || len(m.Peers) != nodes-1 {
				return false
			}
		}
		both := 0
		for _, tu := range c.Tunnels {
			if tu.Network == network && tu.FromA && tu.FromB {
				both++
			}
		}
		return both == nodes*(nodes-1)/2
	}
	return false
}

// overlayAddr is the container's address on network, from its node's snapshot.
func overlayAddr(c *topo.Cluster, node, container, network string) string {
	n, _ := c.Node(node)
	if n == nil || n.Snapshot == nil {
		return ""
	}
	if ctr, ok := n.Snapshot.Container(container); ok {
		for _, e := range ctr.Endpoints {
			if e.Network == network {
				return strings.Split(e.IPv4, "/")[0]
			}
		}
	}
	return ""
}

// logTimes logs the median of five runs of each netviz command on node n.
func logTimes(t *testing.T, n *swarmtest.Node, bin string, commands [][]string) {
	t.Helper()
	for _, args := range commands {
		var times []time.Duration
		for range 5 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			start := time.Now()
			err := n.Command(ctx, bin, args...).Run()
			times = append(times, time.Since(start))
			cancel()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
		}
		slices.Sort(times)
		t.Logf("netviz %s: median %s of 5", args[0], times[2].Round(time.Millisecond))
	}
}
