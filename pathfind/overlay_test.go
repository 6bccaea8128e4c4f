package pathfind

import (
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/topo"
)

// swarmNode is a snapshot of a real single-node swarm (Docker 28.5.2):
// containers ovc1 (10.0.1.2) and ovc2 (10.0.1.4) on the attachable overlay
// ovnet1, service web (VIP 10.0.1.5, task 10.0.1.6 on ovnet1, 10.0.0.4 on
// the ingress) publishing 8080 through the routing mesh. This kernel has
// no ip_vs, so Docker programmed no DOCKER-INGRESS and netviz read no IPVS.
func swarmNode(t *testing.T) *topo.Snapshot {
	t.Helper()
	return rendertest.Diagram(t, "swarm-node")
}

// withMesh adds what Docker programs for the routing mesh where ip_vs
// works: DOCKER-INGRESS in nat (DNAT to ingress_sbox's leg) and filter,
// and ingress_sbox's IPVS service, as on a Docker 28 node.
func withMesh(t *testing.T, s *topo.Snapshot) {
	t.Helper()
	rs, ok := s.Firewall.RuleSet(s.Firewall.DockerBackend, 4)
	if !ok {
		t.Fatal("no Docker rule set")
	}
	for i := range rs.Tables {
		tb := &rs.Tables[i]
		switch tb.Name {
		case "nat":
			tb.Chains = append(tb.Chains, topo.Chain{Name: "DOCKER-INGRESS", Rules: []topo.Rule{
				{Raw: "-p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:8080", Protocol: "tcp", DPort: "8080", Target: "DNAT", ToDestination: "172.18.0.2:8080"},
				{Raw: "-j RETURN", Target: "RETURN"}}})
			for j := range tb.Chains {
				if tb.Chains[j].Name == "PREROUTING" {
					tb.Chains[j].Rules = append([]topo.Rule{{Raw: "-m addrtype --dst-type LOCAL -j DOCKER-INGRESS", DstType: "LOCAL", Target: "DOCKER-INGRESS"}}, tb.Chains[j].Rules...)
				}
			}
		case "filter":
			tb.Chains = append(tb.Chains, topo.Chain{Name: "DOCKER-INGRESS", Rules: []topo.Rule{
				{Raw: "-p tcp -m tcp --dport 8080 -j ACCEPT", Protocol: "tcp", DPort: "8080", Target: "ACCEPT"},
				{Raw: "-j RETURN", Target: "RETURN"}}})
			for j := range tb.Chains {
				if tb.Chains[j].Name == "FORWARD" {
					tb.Chains[j].Rules = append([]topo.Rule{{Raw: "-j DOCKER-INGRESS", Target: "DOCKER-INGRESS"}}, tb.Chains[j].Rules...)
				}
			}
		}
	}
	s.Warnings = slices.DeleteFunc(s.Warnings, func(w topo.Warning) bool { return w.Code == "ipvs-unreadable" })
	var sbox string
	for _, ns := range s.Namespaces {
		if ns.Name == "ingress_sbox" {
			sbox = ns.ID
		}
	}
	s.IPVS = []topo.VirtualService{{Namespace: sbox, FWMark: 256, Reals: []string{"10.0.0.4:0"}}}
}

func TestOverlayPaths(t *testing.T) {
	const task = "web.1.ptraped4988clo7ayib9yqar1"
	for _, tc := range []struct {
		name, src, dst string
		mutate         func(t *testing.T, s *topo.Snapshot)
		verdict        string
		hops           string
		reason         string
	}{
		{"same overlay, same node", "ovc1", "ovc2", nil, Reachable,
			"ovc1:eth0 → 1-oi67uqdgl8:veth1 → 1-oi67uqdgl8:br0 → 1-oi67uqdgl8:veth2 → ovc2:eth0", "without VXLAN"},
		{"sandbox veth down", "ovc1", "ovc2", func(t *testing.T, s *topo.Snapshot) {
			for i := range s.Namespaces {
				for j := range s.Namespaces[i].Interfaces {
					if s.Namespaces[i].Name == "1-oi67uqdgl8" && s.Namespaces[i].Interfaces[j].Name == "veth2" {
						s.Namespaces[i].Interfaces[j].Up = false
					}
				}
			}
		}, Blocked, "ovc1:eth0 → 1-oi67uqdgl8:veth1 → 1-oi67uqdgl8:br0 → 1-oi67uqdgl8:veth2", "veth2 is down in 1-oi67uqdgl8"},
		{"remote address, no VTEP", "ovc1", "10.0.1.200", nil, Unknown,
			"ovc1:eth0 → 1-oi67uqdgl8:veth1 → 1-oi67uqdgl8:br0 → 1-oi67uqdgl8:vxlan0", "names no node"},
		{"remote address by VXLAN", "ovc1", "10.0.1.200", func(t *testing.T, s *topo.Snapshot) {
			for i := range s.Overlays {
				if s.Overlays[i].Network == "ovnet1" {
					s.Overlays[i].Peers = []topo.VTEPPeer{{VTEP: "10.251.77.3", MACs: []string{"02:42:0a:00:01:c8"}, IPs: []string{"10.0.1.200"}}}
				}
			}
		}, Unknown, "ovc1:eth0 → 1-oi67uqdgl8:veth1 → 1-oi67uqdgl8:br0 → 1-oi67uqdgl8:vxlan0 → node 10.251.77.3", "leaves by VXLAN (VNI 4097) to 10.251.77.3"},
		{"service VIP", "ovc1", "10.0.1.5", nil, Unknown,
			"IPVS (ovc1's namespace) → ovc1:eth0 → 1-oi67uqdgl8:veth1 → 1-oi67uqdgl8:br0 → 1-oi67uqdgl8:veth3 → " + task + ":eth2", "service web's VIP"},
		{"published port, mesh not programmed", "198.51.100.7", "10.251.77.2:8080", nil, Unknown,
			"198.51.100.7 → eth0 → nat DOCKER-INGRESS", "has not programmed the mesh"},
		{"published port through the mesh", "198.51.100.7", "10.251.77.2:8080", withMesh, Reachable,
			"198.51.100.7 → eth0 → DNAT 172.18.0.2:8080 → FORWARD: ACCEPT → docker_gwbridge → veth349e9a2 → ingress_sbox:eth1 → IPVS (ingress_sbox) → 1-bzfcdvaum3:br0 → 1-bzfcdvaum3:veth1 → " + task + ":eth0",
			"routing mesh DNATs it to ingress_sbox"},
		{"published port, IPVS unread", "198.51.100.7", "10.251.77.2:8080", func(t *testing.T, s *topo.Snapshot) {
			withMesh(t, s)
			s.IPVS = nil
			s.Warnings = append(s.Warnings, topo.Warning{Code: "ipvs-unreadable", Subject: "ingress_sbox"})
		}, Unknown, "", "could not read ingress_sbox's IPVS"},
		{"published port, task elsewhere", "198.51.100.7", "10.251.77.2:8080", func(t *testing.T, s *topo.Snapshot) {
			withMesh(t, s)
			for i := range s.Overlays {
				if s.Overlays[i].Ingress {
					s.Overlays[i].Services[0].Tasks = []string{"10.0.0.9"}
				}
			}
		}, Unknown, "", "no task on this node"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := findOnSwarmNode(t, tc.mutate, tc.src, tc.dst)
			if r.Verdict != tc.verdict || (tc.hops != "" && hops(r) != tc.hops) || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("%s → %s:\n got %s: %s\n     %s\nwant %s: …%s…\n     %s", tc.src, tc.dst, r.Verdict, r.Reason, hops(r), tc.verdict, tc.reason, tc.hops)
			}
		})
	}
}
