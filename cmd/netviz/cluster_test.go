package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/cluster"
	"github.com/netviz/netviz/internal/clustertest"
	"github.com/netviz/netviz/topo"
)

// writeNodes saves three nodes' snapshots (node3 without its entry for
// node1) and returns their paths.
func writeNodes(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	nodes := clustertest.Three(3)
	nodes[2].Snapshot = clustertest.Node(clustertest.Spec{Name: "node3", Addr: clustertest.Addr3, Workers: 3, Tasks: 1, Peers: []string{clustertest.Addr2}})
	var paths []string
	for _, n := range nodes {
		p := filepath.Join(dir, n.Snapshot.Host.Hostname+".json")
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := topo.Encode(f, n.Snapshot); err != nil {
			t.Fatal(err)
		}
		f.Close()
		paths = append(paths, p)
	}
	return paths
}

func readCluster(t *testing.T, path string) *topo.Cluster {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c topo.Cluster
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func TestRenderSeveralSnapshotsMerges(t *testing.T) {
	paths := writeNodes(t)
	out := filepath.Join(t.TempDir(), "cluster.json")
	d, _, stderr := fakeDeps(t, nil)
	if code := run(context.Background(), append(append([]string{"render"}, paths...), "-o", out), d); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	c := readCluster(t, out)
	if c.Kind != topo.ClusterKind || len(c.Nodes) != 3 || len(c.Overlays) != 1 || len(c.Tunnels) != 3 {
		t.Fatalf("cluster: %d nodes, %d overlays, %d tunnels", len(c.Nodes), len(c.Overlays), len(c.Tunnels))
	}
	dot := filepath.Join(t.TempDir(), "cluster.dot")
	if code := run(context.Background(), append(append([]string{"render"}, paths...), "-o", dot), d); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(dot)
	for _, want := range []string{"nv-edge-tunnel", "nv-edge-half-tunnel", "only node1 holds it", "node node3", "cluster-vtep-missing"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the DOT lacks %q", want)
		}
	}
	// A saved cluster reads back as it was.
	d2, stdout, _ := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"cluster", "--from", out, "--no-problems"}, d2); code != exitOK {
		t.Fatalf("cluster --from saved: exit %d", code)
	}
	for _, want := range []string{"cluster: 3 nodes (3 answered), 1 overlay network, 3 tunnels", "node node2  worker  192.168.77.2",
		"tunnel node1 192.168.77.1 → node3 192.168.77.3  (seen from node1 only)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("tree lacks %q:\n%s", want, stdout)
		}
	}
}

func TestRenderOneSnapshotIsUnchanged(t *testing.T) {
	paths := writeNodes(t)
	out := filepath.Join(t.TempDir(), "one.json")
	d, _, stderr := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"render", paths[0], "-o", out}, d); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(out)
	if _, err := topo.Decode(strings.NewReader(string(data))); err != nil {
		t.Errorf("one snapshot should render as a snapshot: %v", err)
	}
}

func TestClusterUsageErrors(t *testing.T) {
	paths := writeNodes(t)
	for _, args := range [][]string{
		{"cluster", "--token", "a", "--token-file", "b"},
		{"cluster", "--timeout", "0s"},
		{"cluster", "--port", "0"},
		{"cluster", "--format", "yaml"},
		{"cluster", "--group", "project", "--from", paths[0]},
		{"render", paths[0], paths[1], "--network", "appnet", "-o", "x.svg"},
		{"cluster", "path", "a", "b", "--dport", "70000"},
	} {
		d, _, stderr := fakeDeps(t, nil)
		if code := run(context.Background(), args, d); code != exitUsage || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want %d and one line", args, code, stderr, exitUsage)
		}
	}
}

// fakeSwarm stands for the manager's Swarm API.
type fakeSwarm struct{ nodes []topo.ClusterNode }

var _ cluster.Swarm = (*fakeSwarm)(nil)

func (f *fakeSwarm) Nodes(context.Context) ([]topo.ClusterNode, error) { return f.nodes, nil }
func (f *fakeSwarm) ServiceNodes(context.Context, string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, n := range f.nodes {
		out[n.NodeID] = true
	}
	return out, nil
}

func TestClusterGathersAndSaysWhoDidNotAnswer(t *testing.T) {
	nodes := clustertest.Three(2)
	serveSnap := func(s *topo.Snapshot) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer tok" {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			topo.Encode(w, s)
		}))
		t.Cleanup(srv.Close)
		return strings.TrimPrefix(srv.URL, "http://")
	}
	fake := &fakeSwarm{nodes: []topo.ClusterNode{
		{Name: "node1", NodeID: "a", Role: topo.NodeManager, Addr: serveSnap(nodes[0].Snapshot), State: "ready"},
		{Name: "node2", NodeID: "b", Role: topo.NodeWorker, Addr: serveSnap(nodes[1].Snapshot), State: "ready"},
		{Name: "node3", NodeID: "c", Role: topo.NodeWorker, Addr: "127.0.0.1:1", State: "down"},
	}}
	saved := openSwarm
	openSwarm = func(string) (cluster.Swarm, func(), error) { return fake, func() {}, nil }
	t.Cleanup(func() { openSwarm = saved })
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("tok\n"), 0o600)

	d, stdout, stderr := fakeDeps(t, nil)
	code := run(context.Background(), []string{"cluster", "--token-file", tokenFile, "--format", "json"}, d)
	if code != exitPartial {
		t.Fatalf("exit %d, want %d: %s", code, exitPartial, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "netviz: node node3 (127.0.0.1:1): did not answer: ") ||
		!strings.Contains(lines[1], "1 of 3 nodes did not answer") {
		t.Errorf("stderr:\n%s", stderr)
	}
	var c topo.Cluster
	if err := json.Unmarshal(stdout.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	if un := c.Unanswered(); len(un) != 1 || un[0].Name != "node3" || len(c.Overlays[0].Members) != 2 {
		t.Errorf("cluster = %+v", c)
	}

	// The wrong token: every node refuses, each said.
	d, _, stderr = fakeDeps(t, nil)
	if code := run(context.Background(), []string{"cluster", "--token", "nope"}, d); code != exitPartial ||
		strings.Count(stderr.String(), "token was refused") != 2 {
		t.Errorf("wrong token: exit %d:\n%s", code, stderr)
	}
}

func TestClusterDoctorAndPath(t *testing.T) {
	paths := writeNodes(t)
	from := []string{"--from", paths[0], "--from", paths[1], "--from", paths[2]}
	d, stdout, _ := fakeDeps(t, nil)
	code := run(context.Background(), append([]string{"cluster", "doctor"}, from...), d)
	if code != exitFailure || !strings.Contains(stdout.String(), "ERROR   cluster-vtep-missing  node3 appnet-ov 192.168.77.1 node1") ||
		!strings.Contains(stdout.String(), "== node node2") {
		t.Errorf("doctor: exit %d:\n%s", code, stdout)
	}
	d, stdout, _ = fakeDeps(t, nil)
	code = run(context.Background(), append([]string{"cluster", "path", "web.62.node3", "web.22.node1"}, from...), d)
	if code != exitOK || !strings.Contains(stdout.String(), "BLOCKED: node3's VXLAN device for overlay appnet-ov has no entry for node1's VTEP") {
		t.Errorf("path: exit %d:\n%s", code, stdout)
	}
	d, stdout, _ = fakeDeps(t, nil)
	code = run(context.Background(), append([]string{"cluster", "path", "web.22.node1", "node2/web.42.node2", "--format", "json"}, from...), d)
	if code != exitOK || !strings.Contains(stdout.String(), `"verdict": "reachable"`) {
		t.Errorf("path json: exit %d:\n%s", code, stdout)
	}
}

func TestClusterFromASavedClusterWithASilentNode(t *testing.T) {
	nodes := clustertest.Three(1)
	nodes[2] = topo.ClusterNode{Name: "node3", Addr: clustertest.Addr3, Error: "did not answer: refused"}
	c := cluster.Merge(nodes, time.Time{})
	path := filepath.Join(t.TempDir(), "cluster.json")
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, data, 0o644)
	svg := filepath.Join(t.TempDir(), "cluster.dot")
	d, _, stderr := fakeDeps(t, nil)
	code := run(context.Background(), []string{"cluster", "--from", path, "-o", svg}, d)
	if code != exitPartial || !strings.HasPrefix(stderr.String(), "netviz: node node3 (192.168.77.3): did not answer: refused\n") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	// The picture is written all the same, with node3 unknown in it.
	if dot, err := os.ReadFile(svg); err != nil || !strings.Contains(string(dot), "node3: unknown") {
		t.Errorf("the drawing lacks node3 as unknown (%v)", err)
	}
}
