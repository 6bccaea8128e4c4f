package diagram

import (
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/rendertest"
)

// A Swarm node: each overlay is a cluster with br0, vxlan0 and its veths,
// tied to the containers' links; ingress_sbox and lb_ are Docker's own
// namespaces, their legs veth pairs, never orphans; one tunnel edge per
// overlay and remote VTEP, the remote nodes shared by the overlays.
func TestDiagramSwarm(t *testing.T) {
	s := rendertest.Diagram(t, "swarm")
	d := Build(s, Options{Now: rendertest.Now})
	x := indexDiagram(d)
	for _, title := range []string{"overlay appnet", "overlay ingress"} {
		c := x.clusterTitled(t, title)
		if c.Kind != ClusterOverlay {
			t.Errorf("%s is a %s cluster", title, c.Kind)
		}
		kinds := map[NodeKind]int{}
		for _, n := range c.Nodes {
			kinds[n.Kind]++
		}
		if kinds[NodeOverlayBridge] != 1 || kinds[NodeVXLAN] != 1 || kinds[NodeHostVeth] != 3 {
			t.Errorf("%s holds %v, want br0, vxlan0 and 3 veths", title, kinds)
		}
	}
	for _, title := range []string{"ingress_sbox", "lb_7m1qk3r8x"} {
		if c := x.clusterTitled(t, title); c.Kind != ClusterDocker {
			t.Errorf("%s is a %s cluster", title, c.Kind)
		}
	}
	for _, c := range d.Clusters {
		for _, n := range c.Nodes {
			if n.Kind == NodeOrphanVeth {
				t.Errorf("%s drawn as an orphan in %s", n.Title, c.Title)
			}
		}
	}
	if n := len(x.edges(EdgeOrphanPair)); n != 0 {
		t.Errorf("%d orphan pairs", n)
	}
	if n := len(x.edges(EdgePair)); n != 9 {
		t.Errorf("%d veth pairs, want 9", n)
	}
	if n := len(x.edges(EdgeRemoteTunnel)); n != 4 || len(d.Tunnels) != 4 {
		t.Errorf("%d tunnel edges and %d tunnels, want 4 (2 overlays × 2 peers)", n, len(d.Tunnels))
	}
	remotes := 0
	for _, n := range d.Nodes {
		if n.Kind == NodeRemoteVTEP {
			remotes++
		}
	}
	if remotes != 2 {
		t.Errorf("%d remote nodes, want 2", remotes)
	}
	for _, tu := range d.Tunnels {
		if tu.Local != "192.168.56.11" || !x.hasEdge(tu.RemoteNode, tu.VXLANNode, EdgeRemoteTunnel) {
			t.Errorf("tunnel %+v: not drawn or no local end", tu)
		}
	}
	if !slices.Contains(d.NodeKinds(), NodeRemoteVTEP) || !slices.Contains(d.EdgeKinds(), EdgeRemoteTunnel) {
		t.Error("the legend lacks the overlay styles")
	}
}

func TestDiagramSwarmEncrypted(t *testing.T) {
	s := rendertest.Diagram(t, "swarm")
	s.Overlays[0].Encrypted = true // appnet
	d := Build(s, Options{Now: rendertest.Now})
	x := indexDiagram(d)
	if n := len(x.edges(EdgeEncryptedTunnel)); n != 2 {
		t.Errorf("%d encrypted tunnels, want appnet's 2", n)
	}
	c := x.clusterTitled(t, "overlay appnet")
	if !slices.Contains(c.Lines, "encrypted (IPsec)") {
		t.Errorf("appnet's lines %q do not say it is encrypted", c.Lines)
	}
}

func TestDiagramSwarmProblems(t *testing.T) {
	s := rendertest.Diagram(t, "swarm")
	d := Build(s, Options{Now: rendertest.Now, Problems: rendertest.SwarmProblems(t)})
	x := indexDiagram(d)
	if got := problemIDs(x.clusterTitled(t, "overlay appnet").Problems); !slices.Contains(got, "overlay-mtu") {
		t.Errorf("appnet's problems: %v", got)
	}
	if got := problemIDs(x.clusterTitled(t, "overlay ingress").Problems); !slices.Contains(got, "overlay-partitioned") {
		t.Errorf("ingress's problems: %v", got)
	}
	if got := problemIDs(x.nodes["if_ns_4026532288_vxlan0"].Problems); !slices.Equal(got, []string{"vxlan-down"}) {
		t.Errorf("appnet's vxlan0 problems: %v", got)
	}
	if got := problemIDs(d.Clusters[0].Problems); !slices.Equal(got, []string{"swarm-ports-blocked"}) {
		t.Errorf("host's problems: %v", got)
	}
}

// Two nodes' diagrams, prefixed, share no ID and keep their edges whole.
func TestDiagramPrefix(t *testing.T) {
	a := Build(rendertest.Diagram(t, "swarm"), Options{Now: rendertest.Now})
	b := Build(rendertest.Diagram(t, "swarm"), Options{Now: rendertest.Now})
	a.Prefix("n1_")
	b.Prefix("n2_")
	seen := map[string]bool{}
	for _, d := range []*Diagram{a, b} {
		x := indexDiagram(d)
		for _, e := range d.Edges {
			if x.nodes[e.From].ID == "" || x.nodes[e.To].ID == "" {
				t.Errorf("edge %s lost an end", e.ID)
			}
		}
		for id := range x.nodes {
			if seen[id] {
				t.Errorf("ID %s in both", id)
			}
			seen[id] = true
		}
		for _, tu := range d.Tunnels {
			if x.nodes[tu.VXLANNode].Kind != NodeVXLAN || x.nodes[tu.RemoteNode].Kind != NodeRemoteVTEP || !strings.HasPrefix(tu.Edge, tu.VXLANNode[:3]) {
				t.Errorf("tunnel %+v does not point at its nodes", tu)
			}
		}
	}
}

func TestDiagramWithoutRemoteNodes(t *testing.T) {
	d := Build(rendertest.Diagram(t, "swarm"), Options{Now: rendertest.Now})
	d.Prefix("n1_")
	d.WithoutRemoteNodes()
	x := indexDiagram(d)
	for _, e := range d.Edges {
		if x.nodes[e.From].ID == "" || x.nodes[e.To].ID == "" {
			t.Errorf("edge %s lost an end", e.ID)
		}
	}
	if len(d.Tunnels) != 0 || len(x.edges(EdgeRemoteTunnel)) != 0 || slices.Contains(d.NodeKinds(), NodeRemoteVTEP) {
		t.Error("remote nodes or their tunnels are left")
	}
	if x.nodes["n1_if_ns_4026532288_vxlan0"].Kind != NodeVXLAN {
		t.Error("the VXLAN device went with the remote nodes")
	}
}

// A real single-node swarm: each overlay a cluster, every pair an edge of
// its own kind, no orphan, no remote node (it has no peers).
func TestDiagramRealSwarmNode(t *testing.T) {
	s := rendertest.Diagram(t, "swarm-node")
	d := Build(s, Options{Now: rendertest.Now})
	x := indexDiagram(d)
	for _, o := range s.Overlays {
		x.clusterTitled(t, "overlay "+o.Network)
	}
	if n := len(x.edges(EdgePair)); n != len(s.Pairs) {
		t.Errorf("%d pair edges, the snapshot has %d pairs", n, len(s.Pairs))
	}
	if len(x.edges(EdgeOrphanPair)) != 0 || len(d.Tunnels) != 0 || slices.Contains(d.NodeKinds(), NodeOrphanVeth) {
		t.Error("orphans or tunnels on a single node")
	}
}
