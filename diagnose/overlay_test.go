package diagnose

import (
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/topo"
)

// swarmNode is a snapshot of a real single-node swarm (Docker 28.5.2 in a
// namespace of its own): an attachable overlay "ovnet1" with containers
// ovc1 and ovc2, a service "web" publishing 8080 through the ingress, and
// Docker's ingress_sbox, 1-<netid> and lb_<netid> namespaces read.
func swarmNode(t *testing.T) *topo.Snapshot {
	t.Helper()
	return rendertest.Diagram(t, "swarm-node")
}

func findingIDs(fs []Finding, id string) []string {
	var out []string
	for _, f := range fs {
		if f.ID == id {
			out = append(out, strings.Join(f.SubjectNames(), ","))
		}
	}
	return out
}

// The bug of issue 10: doctor called ingress_sbox's veth on
// docker_gwbridge an orphan and told the user to delete it.
func TestSwarmNodeHasNoOrphans(t *testing.T) {
	s := swarmNode(t)
	var sandboxLeg *topo.Pair
	for i := range s.Pairs {
		if s.Pairs[i].Sandbox == "ingress_sbox" && s.Pairs[i].Bridge == topo.NetworkGWBridge {
			sandboxLeg = &s.Pairs[i]
		}
	}
	if sandboxLeg == nil {
		t.Fatalf("the recorded snapshot has no pair for ingress_sbox's docker_gwbridge leg: %+v", s.Pairs)
	}
	if got := findingIDs(Run(s), OrphanVeth); len(got) > 0 {
		t.Errorf("orphan findings on a swarm node: %v", got)
	}
	// The same snapshot as netviz read it before: the leg unattributed and
	// no swarm known. The check must still catch a real orphan.
	sandboxLeg.Sandbox, sandboxLeg.Namespace = "", ""
	s.Swarm = nil
	if got := findingIDs(Run(s), OrphanVeth); !slices.Contains(got, sandboxLeg.HostInterface+","+topo.NetworkGWBridge) {
		t.Errorf("an unattributed veth on docker_gwbridge off swarm is not an orphan: %v", got)
	}
}

// A swarm node whose Docker namespaces could not be read (no root) does
// not know whose the docker_gwbridge veth is: it must not call it an
// orphan either.
func TestSwarmUnknownGWBridgePeerIsNotOrphan(t *testing.T) {
	s := swarmNode(t)
	for i := range s.Pairs {
		if s.Pairs[i].Sandbox != "" {
			s.Pairs[i].Sandbox, s.Pairs[i].Namespace = "", ""
		}
	}
	if got := findingIDs(Run(s), OrphanVeth); len(got) > 0 {
		t.Errorf("orphan findings for veths of unknown peer on a swarm node: %v", got)
	}
}

func TestOverlayMTU(t *testing.T) {
	s := swarmNode(t)
	if got := findingIDs(Run(s), OverlayMTU); len(got) > 0 {
		t.Fatalf("overlay-mtu on Docker's defaults (1450 under 1500): %v", got)
	}
	for i := range s.Overlays {
		if s.Overlays[i].Network == "ovnet1" {
			s.Overlays[i].MTU, s.Overlays[i].VXLAN.MTU = 1500, 1500
		}
	}
	fs := Run(s)
	got := findingIDs(fs, OverlayMTU)
	if !slices.Equal(got, []string{"ovnet1," + s.Host.Uplink}) {
		t.Fatalf("overlay-mtu = %v", got)
	}
	for _, f := range fs {
		if f.ID == OverlayMTU && !strings.Contains(f.Fix, "mtu=1450") {
			t.Errorf("fix %q does not give the uplink's MTU minus 50", f.Fix)
		}
	}
}

func TestSwarmPortsBlocked(t *testing.T) {
	s := swarmNode(t)
	if got := findingIDs(Run(s), SwarmPortsBlocked); len(got) > 0 {
		t.Fatalf("swarm-ports-blocked with INPUT accepting all: %v", got)
	}
	input := chainOf(s, "filter", "INPUT")
	input.Policy = "DROP"
	// The VXLAN port is let in; gossip and management are not.
	input.Rules = append(input.Rules, topo.Rule{Raw: "-p udp -m udp --dport 4789 -j ACCEPT", Protocol: "udp", DPort: "4789", Target: "ACCEPT"})
	var ports []string
	for _, f := range Run(s) {
		if f.ID != SwarmPortsBlocked {
			continue
		}
		if f.Severity != topo.SeverityError || f.Fix == "" {
			t.Errorf("finding %+v: want an error with a fix", f)
		}
		for _, r := range f.Subject {
			if r.Kind == topo.RefPort {
				ports = append(ports, r.Name)
			}
		}
	}
	slices.Sort(ports)
	if want := []string{"2377/tcp", "7946/tcp", "7946/udp"}; !slices.Equal(ports, want) {
		t.Errorf("blocked ports = %v, want %v (the node is a manager; 4789/udp is let in)", ports, want)
	}
	// A worker needs no 2377, and a data path port moves VXLAN.
	s.Swarm.Manager, s.Swarm.DataPathPort = false, 5789
	ports = nil
	for _, f := range Run(s) {
		for _, r := range f.Subject {
			if f.ID == SwarmPortsBlocked && r.Kind == topo.RefPort {
				ports = append(ports, r.Name)
			}
		}
	}
	slices.Sort(ports)
	if want := []string{"5789/udp", "7946/tcp", "7946/udp"}; !slices.Equal(ports, want) {
		t.Errorf("blocked ports on a worker with data path port 5789 = %v, want %v", ports, want)
	}
}

func TestOverlayPartitioned(t *testing.T) {
	s := swarmNode(t)
	if got := findingIDs(Run(s), OverlayPartitioned); len(got) > 0 {
		t.Fatalf("a single-node swarm is partitioned: %v", got)
	}
	var ovnet *topo.Overlay
	for i := range s.Overlays {
		if s.Overlays[i].Network == "ovnet1" {
			ovnet = &s.Overlays[i]
		}
	}
	s.Swarm.Nodes = 3
	fs := Run(s)
	if got := findingIDs(fs, OverlayPartitioned); !slices.Equal(got, []string{"ovnet1"}) {
		t.Fatalf("overlay-partitioned with 3 nodes and no VTEP = %v", got)
	}
	// A task known to run elsewhere makes it certain.
	ovnet.Services[0].Tasks = append(ovnet.Services[0].Tasks, "10.0.1.200")
	for _, f := range Run(s) {
		if f.ID == OverlayPartitioned && (f.Severity != topo.SeverityError || !strings.Contains(f.Message, "10.0.1.200")) {
			t.Errorf("with a remote task: %+v", f)
		}
	}
	ovnet.Peers = []topo.VTEPPeer{{VTEP: "10.251.77.3", MACs: []string{"02:42:0a:00:01:c8"}}}
	if got := findingIDs(Run(s), OverlayPartitioned); len(got) > 0 {
		t.Errorf("partitioned with a remote VTEP known: %v", got)
	}
}
