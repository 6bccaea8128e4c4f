package diagram

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/topo"
)

var testOptions = Options{Version: "test", Now: rendertest.Now}

// diagramIndex finds nodes and clusters of a diagram by ID.
type diagramIndex struct {
	d        *Diagram
	nodes    map[string]Node
	cluster  map[string]string // node ID → cluster ID ("" outside)
	clusters map[string]Cluster
}

func indexDiagram(d *Diagram) diagramIndex {
	x := diagramIndex{d: d, nodes: map[string]Node{}, cluster: map[string]string{}, clusters: map[string]Cluster{}}
	for _, c := range d.Clusters {
		x.clusters[c.ID] = c
		for _, n := range c.Nodes {
			x.nodes[n.ID] = n
			x.cluster[n.ID] = c.ID
		}
	}
	for _, n := range d.Nodes {
		x.nodes[n.ID] = n
	}
	return x
}

func (x diagramIndex) edges(kind EdgeKind) []Edge {
	var out []Edge
	for _, e := range x.d.Edges {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (x diagramIndex) hasEdge(from, to string, kind EdgeKind) bool {
	for _, e := range x.d.Edges {
		if e.From == from && e.To == to && e.Kind == kind {
			return true
		}
	}
	return false
}

func (x diagramIndex) clusterTitled(t *testing.T, title string) Cluster {
	t.Helper()
	for _, c := range x.d.Clusters {
		if c.Title == title {
			return c
		}
	}
	t.Fatalf("no cluster titled %q", title)
	return Cluster{}
}

// Every fixture gives a well-formed diagram: unique IDs made of
// [A-Za-z0-9_], edges between nodes that exist, a style for every kind.
func TestDiagramWellFormed(t *testing.T) {
	idOK := regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	snaps := rendertest.Diagrams(t)
	snaps["fleet-expanded"] = rendertest.Fleet(40)
	for name, s := range snaps {
		before, _ := json.Marshal(s)
		d := Build(s, Options{Expand: name == "fleet-expanded"})
		after, _ := json.Marshal(s)
		if !bytes.Equal(before, after) {
			t.Errorf("%s: Build changed the snapshot", name)
		}
		x := indexDiagram(d)
		seen := map[string]bool{}
		check := func(id string) {
			if !idOK.MatchString(id) {
				t.Errorf("%s: id %q is not [A-Za-z0-9_]+", name, id)
			}
			if seen[id] {
				t.Errorf("%s: id %q used twice", name, id)
			}
			seen[id] = true
		}
		for _, c := range d.Clusters {
			check(c.ID)
			if _, ok := clusterStyles[c.Kind]; !ok {
				t.Errorf("%s: cluster kind %q has no style", name, c.Kind)
			}
		}
		for id, n := range x.nodes {
			check(id)
			if st, ok := nodeStyles[n.Kind]; !ok || st.Legend == "" {
				t.Errorf("%s: node kind %q has no style or legend", name, n.Kind)
			}
		}
		for _, e := range d.Edges {
			check(e.ID)
			if _, ok := x.nodes[e.From]; !ok {
				t.Errorf("%s: edge %s from a missing node", name, e.ID)
			}
			if _, ok := x.nodes[e.To]; !ok {
				t.Errorf("%s: edge %s to a missing node", name, e.ID)
			}
			if st, ok := edgeStyles[e.Kind]; !ok || st.Legend == "" {
				t.Errorf("%s: edge kind %q has no style or legend", name, e.Kind)
			}
		}
		if d.Clusters[0].Kind != ClusterHost {
			t.Errorf("%s: first cluster is %s, want the host", name, d.Clusters[0].Kind)
		}
		first, _ := json.Marshal(d)
		again, _ := json.Marshal(Build(s, Options{Expand: name == "fleet-expanded"}))
		if !bytes.Equal(first, again) {
			t.Errorf("%s: two runs differ", name)
		}
	}
	for _, k := range nodeKindOrder {
		if _, ok := nodeStyles[k]; !ok {
			t.Errorf("node kind %q has no style", k)
		}
	}
	for _, k := range edgeKindOrder {
		if _, ok := edgeStyles[k]; !ok {
			t.Errorf("edge kind %q has no style", k)
		}
	}
}

func TestDiagramSharedNamespace(t *testing.T) {
	x := indexDiagram(Build(rendertest.Diagram(t, "pod"), testOptions))
	pod := x.clusterTitled(t, "pod-app")
	if pod.Kind != ClusterContainer || len(pod.Nodes) != 1 {
		t.Fatalf("pod cluster = %+v, want one container cluster with one link", pod)
	}
	for _, want := range []string{"+ pod-metrics (prom/statsd-exporter:v0.27)", "+ pod-sidecar (envoyproxy/envoy:v1.31)"} {
		if !slices.Contains(pod.Lines, want) {
			t.Errorf("pod cluster lines %q lack %q", pod.Lines, want)
		}
	}
	for _, c := range x.d.Clusters {
		if c.Title == "pod-sidecar" || c.Title == "pod-metrics" {
			t.Errorf("sharer %s has a cluster of its own", c.Title)
		}
	}
	web := x.clusterTitled(t, "web")
	// 0.0.0.0 and :: publish the same port once; a bound address is named.
	want := []string{"nginx:1.27", "host:8080 → container:80/tcp", "127.0.0.1:8443 → container:443/tcp"}
	if !slices.Equal(web.Lines, want) {
		t.Errorf("web lines = %q, want %q", web.Lines, want)
	}
	pairs := x.edges(EdgePair)
	if len(pairs) != 3 {
		t.Errorf("%d pair edges, want 3", len(pairs))
	}
	for _, e := range pairs {
		if x.nodes[e.From].Kind != NodeHostVeth || x.cluster[e.From] != "cluster_host" || x.nodes[e.To].Kind != NodeInterface {
			t.Errorf("pair edge %s does not join a host veth to a container link", e.ID)
		}
	}
	if n := len(x.edges(EdgeUplink)); n != 2 {
		t.Errorf("%d uplink edges, want one per bridge (2)", n)
	}
}

func TestDiagramNetworkModes(t *testing.T) {
	x := indexDiagram(Build(rendertest.Diagram(t, "modes"), testOptions))
	for _, name := range []string{"node-exporter", "traefik"} {
		n, ok := x.nodes["ctr_"+strings.ReplaceAll(name, "-", "_")]
		if !ok || n.Kind != NodeHostContainer || x.cluster[n.ID] != "cluster_host" {
			t.Errorf("host-mode %s = %+v, want a host-container node in the host cluster", name, n)
		}
		if !x.hasEdge("host_eth0", n.ID, EdgeHostNetwork) {
			t.Errorf("host-mode %s not tied to the uplink", name)
		}
	}
	sandbox := x.clusterTitled(t, "sandbox")
	if len(sandbox.Nodes) != 1 || sandbox.Nodes[0].Kind != NodeLoopback || sandbox.Nodes[0].Title != "lo" {
		t.Errorf("none-mode sandbox = %+v, want lo alone", sandbox.Nodes)
	}
	cam := x.clusterTitled(t, "camera-gw")
	if len(cam.Nodes) != 1 || cam.Nodes[0].Kind != NodeMacvlan {
		t.Fatalf("camera-gw = %+v, want one macvlan link", cam.Nodes)
	}
	if !x.hasEdge("host_eth0", cam.Nodes[0].ID, EdgeParent) {
		t.Error("macvlan link not tied to its parent eth0")
	}
	backup, ok := x.nodes["ctr_backup"]
	if !ok || backup.Kind != NodeStoppedContainer || x.cluster["ctr_backup"] != "" {
		t.Errorf("stopped backup = %+v, want a stopped-container node outside the clusters", backup)
	}
	if !x.hasEdge("host_docker0", "ctr_backup", EdgeStopped) {
		t.Error("stopped backup not tied to the bridge of its network")
	}
	if !slices.Contains(x.d.NodeKinds(), NodeStoppedContainer) || !slices.Contains(x.d.EdgeKinds(), EdgeParent) {
		t.Error("legend kinds miss what the diagram uses")
	}
}

func TestDiagramOrphans(t *testing.T) {
	s := rendertest.Diagram(t, "orphan")
	x := indexDiagram(Build(s, testOptions))
	var orphans []Node
	for _, n := range x.nodes {
		if n.Kind == NodeOrphanVeth {
			orphans = append(orphans, n)
		}
	}
	if len(orphans) != 2 {
		t.Fatalf("%d orphan veths, want 2", len(orphans))
	}
	lab := x.clusterTitled(t, "netns lab0")
	if lab.Kind != ClusterNetns || len(lab.Nodes) != 1 {
		t.Fatalf("lab0 = %+v, want a netns cluster with eth0 (lo is down and alone with it)", lab)
	}
	if !x.hasEdge("host_veth_lab0", lab.Nodes[0].ID, EdgeOrphanPair) {
		t.Error("orphan veth-lab0 not paired with eth0 in lab0")
	}
	gone := x.nodes["host_veth283bb9d"]
	if !slices.Contains(gone.Lines, "peer in namespace ns-4026532999") {
		t.Errorf("orphan with a vanished namespace: lines %q", gone.Lines)
	}
	for _, e := range x.d.Edges {
		if e.From == gone.ID && e.Kind != EdgePort {
			t.Errorf("orphan with no namespace has a %s edge", e.Kind)
		}
	}
	if !strings.Contains(x.d.Subtitle, "1 warning") {
		t.Errorf("subtitle %q does not mention the warning", x.d.Subtitle)
	}
}

func TestDiagramMultiNetwork(t *testing.T) {
	x := indexDiagram(Build(rendertest.Diagram(t, "multinet"), testOptions))
	api := x.clusterTitled(t, "api")
	if len(api.Nodes) != 3 {
		t.Fatalf("api has %d links, want 3", len(api.Nodes))
	}
	for _, n := range api.Nodes {
		paired := 0
		for _, e := range x.edges(EdgePair) {
			if e.To == n.ID {
				paired++
			}
		}
		if paired != 1 {
			t.Errorf("api %s has %d pair edges, want 1", n.Title, paired)
		}
	}
	// dbnet is internal: no route out, so no uplink edge, and the bridge says so.
	for _, e := range x.edges(EdgeUplink) {
		if strings.Contains(e.Label, "172.22.0.0/24") {
			t.Error("internal network dbnet has an uplink edge")
		}
	}
	if n := len(x.edges(EdgeUplink)); n != 3 {
		t.Errorf("%d uplink edges, want 3 (bridge, backend, frontend)", n)
	}
	found := false
	for _, n := range x.nodes {
		if n.Kind == NodeBridge && slices.Contains(n.Lines, "internal: no route out") {
			found = true
		}
	}
	if !found {
		t.Error("the internal bridge does not say it is internal")
	}
}

func TestDiagramGrouping(t *testing.T) {
	groups := func(d *Diagram) []Node {
		var out []Node
		for _, n := range d.Nodes {
			if n.Kind == NodeGroup {
				out = append(out, n)
			}
		}
		return out
	}
	for _, tc := range []struct {
		workers   int
		opt       Options
		grouped   bool
		wantTitle string
		wantRange string
	}{
		{workers: 30, grouped: false},
		{workers: 31, grouped: true, wantTitle: "31 containers on appnet", wantRange: "172.18.0.2–172.18.0.32"},
		{workers: 500, grouped: true, wantTitle: "500 containers on appnet", wantRange: "172.18.0.2–172.18.1.245"},
		{workers: 500, opt: Options{Expand: true}, grouped: false},
		{workers: 6, opt: Options{GroupThreshold: 5}, grouped: true, wantTitle: "6 containers on appnet", wantRange: "172.18.0.2–172.18.0.7"},
		{workers: 5, opt: Options{GroupThreshold: 5}, grouped: false},
	} {
		d := Build(rendertest.Fleet(tc.workers), tc.opt)
		x := indexDiagram(d)
		g := groups(d)
		if !tc.grouped {
			if len(g) != 0 {
				t.Errorf("%d workers, %+v: grouped, want each drawn", tc.workers, tc.opt)
			}
			// Two on docker0 plus the workers, each in its own cluster.
			if got := len(d.Clusters) - 1; got != tc.workers+2 {
				t.Errorf("%d workers, %+v: %d namespace clusters, want %d", tc.workers, tc.opt, got, tc.workers+2)
			}
			continue
		}
		if len(g) != 1 {
			t.Fatalf("%d workers, %+v: %d groups, want 1", tc.workers, tc.opt, len(g))
		}
		if g[0].Title != tc.wantTitle || g[0].Lines[0] != tc.wantRange {
			t.Errorf("group = %q %q, want %q %q", g[0].Title, g[0].Lines[0], tc.wantTitle, tc.wantRange)
		}
		if len(g[0].Details) < tc.workers {
			t.Errorf("group details list %d fields, want every member", len(g[0].Details))
		}
		// Published ports make lb and grafana particular: never grouped.
		x.clusterTitled(t, "lb")
		x.clusterTitled(t, "grafana")
		if got := len(d.Clusters); got != 3 {
			t.Errorf("%d clusters next to a group, want host, lb, grafana", got)
		}
		if !x.hasEdge("host_br_0f3c9a1b2d4e", g[0].ID, EdgeGroup) {
			t.Error("group not tied to its bridge")
		}
		for _, n := range x.d.Clusters[0].Nodes {
			if n.Kind == NodeHostVeth && strings.Contains(n.Lines[0], "app-worker") {
				t.Errorf("grouped worker's veth %s still drawn", n.Title)
			}
		}
	}
}

// A container with more than one link is particular and stays out of a
// group even on a crowded bridge.
func TestDiagramGroupingLeavesParticularContainers(t *testing.T) {
	s := rendertest.Fleet(40)
	for i := range s.Containers {
		if s.Containers[i].Name == "app-worker-7" {
			c := &s.Containers[i]
			c.Interfaces = append(c.Interfaces, topo.Interface{Name: "wg0", Index: 9, Kind: "wireguard", MTU: 1420, State: "unknown", Up: true, Addresses: []string{"10.8.0.7/24"}})
		}
	}
	x := indexDiagram(Build(s, Options{}))
	w7 := x.clusterTitled(t, "app-worker-7")
	if len(w7.Nodes) != 2 {
		t.Errorf("app-worker-7 links = %d, want eth0 and wg0", len(w7.Nodes))
	}
	for _, n := range x.d.Nodes {
		if n.Kind == NodeGroup && n.Title != "39 containers on appnet" {
			t.Errorf("group title %q, want 39 containers", n.Title)
		}
	}
}

func TestDiagramTitle(t *testing.T) {
	s := rendertest.Diagram(t, "pod")
	d := Build(s, Options{Version: "v1.2.3"})
	if d.Title != "Docker networking on web-01" {
		t.Errorf("title %q", d.Title)
	}
	if want := "host web-01 · 2025-03-14 09:26:53 UTC · Docker 27.3.1 · netviz v1.2.3"; d.Subtitle != want {
		t.Errorf("subtitle %q, want %q", d.Subtitle, want)
	}
	s.GeneratedAt = time.Time{}
	d = Build(s, Options{Title: "staging", Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
	if d.Title != "staging" || !strings.Contains(d.Subtitle, "2026-01-02 03:04:05 UTC") || !strings.Contains(d.Subtitle, "netviz 0.1.0") {
		t.Errorf("title %q subtitle %q: want the given title, Now and the snapshot's version", d.Title, d.Subtitle)
	}
}

func TestDiagramCompareNames(t *testing.T) {
	names := []string{"app-10", "app-2", "app-1", "app-02x", "b", "app", "app-1a"}
	slices.SortFunc(names, compareNames)
	want := []string{"app", "app-1", "app-1a", "app-2", "app-02x", "app-10", "b"}
	if !slices.Equal(names, want) {
		t.Errorf("sorted %q, want %q", names, want)
	}
}

func problemIDs(ps []topo.Finding) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	return ids
}

func TestDiagramProblemPlaces(t *testing.T) {
	opt := testOptions
	opt.Problems = rendertest.FullProblems(t)
	x := indexDiagram(Build(rendertest.Text(t, "full"), opt))
	marked := map[string][]string{}
	for _, c := range x.d.Clusters {
		if len(c.Problems) > 0 {
			marked[c.Title] = problemIDs(c.Problems)
		}
		for _, n := range c.Nodes {
			if len(n.Problems) > 0 {
				marked[c.Title+"/"+n.Title] = problemIDs(n.Problems)
			}
		}
	}
	for _, n := range x.d.Nodes {
		if len(n.Problems) > 0 {
			marked[n.Title] = problemIDs(n.Problems)
		}
	}
	want := map[string][]string{
		"dockerhost":                 {"ip-forward-disabled", "forward-drop"},
		"dockerhost/br-7d2f1c0e9a4b": {"bridge-down"},
		"dockerhost/docker0":         {"endpoint-without-interface", "orphan-veth"},
		"dockerhost/eth0":            {"mtu-mismatch"},
		"dockerhost/vethf00d1e5":     {"orphan-veth"},
		"dockerhost/node-exporter":   {"published-port-mismatch"},
		"web1/eth0":                  {"veth-down"},
		"web1":                       {"endpoint-without-interface"},
		"mv1/eth0":                   {"veth-down"},
		"api/eth1":                   {"mtu-mismatch"},
		"old-job":                    {"published-port-mismatch"},
	}
	for k, ids := range want {
		if !slices.Equal(marked[k], ids) {
			t.Errorf("%s marked %q, want %q", k, marked[k], ids)
		}
	}
	for k, ids := range marked {
		if _, ok := want[k]; !ok {
			t.Errorf("%s marked %q, want nothing", k, ids)
		}
	}
	if got := x.d.ProblemSeverities(); !slices.Equal(got, marks.Severities()) {
		t.Errorf("severities %q", got)
	}
	if !strings.Contains(x.d.Subtitle, "netviz doctor: 7 errors, 3 warnings") {
		t.Errorf("subtitle %q does not count the problems", x.d.Subtitle)
	}
}

// A container drawn inside a summary node marks the summary.
func TestDiagramProblemOnGroup(t *testing.T) {
	opt := testOptions
	s := rendertest.Fleet(40)
	opt.Problems = []topo.Finding{{ID: "veth-down", Severity: topo.SeverityError, Subject: []topo.Ref{s.ContainerInterfaceRef("app-worker-3", "eth0")}}}
	d := Build(s, opt)
	for _, n := range d.Nodes {
		if n.Kind == NodeGroup && !slices.Equal(problemIDs(n.Problems), []string{"veth-down"}) {
			t.Errorf("group node marked %q", problemIDs(n.Problems))
		}
	}
	if len(d.Clusters[0].Problems) > 0 {
		t.Errorf("the host is marked %q", problemIDs(d.Clusters[0].Problems))
	}
}

// A hostile name is placed like any other.
func TestHostileProblemIsPlaced(t *testing.T) {
	opt := testOptions
	opt.Problems = []topo.Finding{rendertest.HostileProblem()}
	d := Build(rendertest.Diagram(t, "hostile"), opt)
	if c := indexDiagram(d).clusterTitled(t, "<script>alert(1)</script>"); len(c.Problems) != 1 {
		t.Fatalf("the hostile container is not marked")
	}
}
