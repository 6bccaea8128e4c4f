package pathfind

import (
	"errors"
	"strings"
	"testing"

	"github.com/netviz/netviz/topo"
)

// withBackend adds a service "db" on an overlay "backnet" that no
// container of swarmNode is attached to: the classic misconfiguration.
func withBackend(t *testing.T, s *topo.Snapshot) {
	t.Helper()
	s.Networks = append(s.Networks, topo.Network{Name: "backnet", ID: "bk0000000000000000000000a", Driver: topo.DriverOverlay, Scope: "swarm",
		Subnets: []topo.Subnet{{Subnet: "10.0.9.0/24", Gateway: "10.0.9.1"}}})
	s.Overlays = append(s.Overlays, topo.Overlay{Network: "backnet", NetworkID: "bk0000000000000000000000a", NamespaceName: "1-bk00000000",
		Bridge: "br0", VXLAN: topo.VXLAN{Name: "vxlan0", VNI: 4100, Port: 4789},
		Services: []topo.ServiceVIP{{Service: "db", ServiceID: "dbq0000000000000000000000", VIP: "10.0.9.2/24", Tasks: []string{"10.0.9.3"}}}})
	s.Sort()
}

// onOvnet1 is service web's entry on ovnet1.
func onOvnet1(t *testing.T, s *topo.Snapshot) *topo.ServiceVIP {
	t.Helper()
	for i := range s.Overlays {
		if s.Overlays[i].Network == "ovnet1" {
			return &s.Overlays[i].Services[0]
		}
	}
	t.Fatal("no ovnet1")
	return nil
}

func TestServicePathsOnOneNode(t *testing.T) {
	const task = "web.1.ptraped4988clo7ayib9yqar1"
	toTask := "ovc1:eth0 → 1-oi67uqdgl8:veth1 → 1-oi67uqdgl8:br0 → 1-oi67uqdgl8:veth3 → " + task + ":eth2"
	for _, tc := range []struct {
		name, src, dst string
		mutate         func(t *testing.T, s *topo.Snapshot)
		verdict        string
		hops           string
		reason         []string
	}{
		{"by name", "ovc1", "web", nil, Unknown,
			"DNS 127.0.0.11 (in ovc1) → IPVS (ovc1's namespace) → " + toTask,
			[]string{"to task " + task + " (10.0.1.6) of service web, on this node", "IPVS in ovc1's namespace", "the service's one task 10.0.1.6"}},
		{"by service ID prefix", "ovc1", "zim7qeu", nil, Unknown, "DNS 127.0.0.11 (in ovc1) → IPVS (ovc1's namespace) → " + toTask,
			[]string{"of service web"}},
		{"by VIP", "ovc1", "10.0.1.5", nil, Unknown, "IPVS (ovc1's namespace) → " + toTask, []string{"10.0.1.5 is service web's VIP"}},
		{"tasks on other nodes", "ovc1", "web", func(t *testing.T, s *topo.Snapshot) {
			onOvnet1(t, s).Tasks = []string{"10.0.1.77", "10.0.1.78"}
		}, Unknown, "DNS 127.0.0.11 (in ovc1) → IPVS (ovc1's namespace) → ovc1:eth0 → 1-oi67uqdgl8:veth1 → 1-oi67uqdgl8:br0 → 1-oi67uqdgl8:vxlan0",
			[]string{"service web has no task on this node", "10.0.1.77, 10.0.1.78", "beyond this node netviz cannot see"}},
		{"dnsrr", "ovc1", "web", func(t *testing.T, s *topo.Snapshot) {
			v := onOvnet1(t, s)
			v.VIP, v.EndpointMode = "", topo.EndpointDNSRR
		}, Unknown, "DNS 127.0.0.11 (in ovc1) → " + toTask,
			[]string{"round robin", "netviz followed 10.0.1.6", "service web"}},
		{"no task", "ovc1", "web", func(t *testing.T, s *topo.Snapshot) {
			onOvnet1(t, s).Tasks = nil
		}, Unknown, "DNS 127.0.0.11 (in ovc1)", []string{"service web has no task on overlay ovnet1 that this node knows of"}},
		{"dnsrr, the sender a task, another elsewhere", task, "web", func(t *testing.T, s *topo.Snapshot) {
			v := onOvnet1(t, s)
			v.VIP, v.EndpointMode, v.Tasks = "", topo.EndpointDNSRR, []string{"10.0.1.6", "10.0.1.77"}
		}, Unknown, "DNS 127.0.0.11 (in " + task + ") → " + task + ":eth2 → 1-oi67uqdgl8:veth3 → 1-oi67uqdgl8:br0 → 1-oi67uqdgl8:vxlan0",
			[]string{"netviz followed 10.0.1.77", "service web"}},
		{"sender is the only task", task, "web", nil, Reachable, "DNS 127.0.0.11 (in " + task + ") → IPVS (" + task + "'s namespace) → " + task + ":lo",
			[]string{"only task is the sender itself"}},
		{"no shared network", "ovc1", "db", withBackend, Blocked, "DNS 127.0.0.11 (in ovc1)",
			[]string{"ovc1 is on no network of service db", "Docker's DNS does not resolve db", "service db is on backnet"}},
		{"VIP of a network the sender is not on", "ovc1", "10.0.9.2", withBackend, Blocked, "ovc1",
			[]string{"10.0.9.2 is service db's VIP, but ovc1 is on no network of service db"}},
		{"only on the ingress", "ovc1", "web", func(t *testing.T, s *topo.Snapshot) {
			for i := range s.Overlays {
				if s.Overlays[i].Network == "ovnet1" {
					s.Overlays[i].Services = nil
				}
			}
		}, Blocked, "DNS 127.0.0.11 (in ovc1)", []string{"only the routing mesh's ingress"}},
		{"from the host", "host", "web", nil, Unknown, "", []string{"inside containers only"}},
		{"sender not running", "ovc1", "web", func(t *testing.T, s *topo.Snapshot) {
			c, _ := s.Container("ovc1")
			c.State = "exited"
		}, Blocked, "", []string{"ovc1 is not running"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := findOnSwarmNode(t, tc.mutate, tc.src, tc.dst)
			bad := r.Verdict != tc.verdict || hops(r) != tc.hops && tc.hops != ""
			for _, want := range tc.reason {
				bad = bad || !strings.Contains(r.Reason, want)
			}
			if bad {
				t.Errorf("%s → %s:\n got %s: %s\n     %s\nwant %s: %q\n     %s", tc.src, tc.dst, r.Verdict, r.Reason, hops(r), tc.verdict, tc.reason, tc.hops)
			}
		})
	}
}

func TestServiceNamesItCannotPlace(t *testing.T) {
	s := swarmNode(t)
	withBackend(t, s)
	for _, tc := range []struct{ in, want string }{
		{"wbe", `no service "wbe" either (did you mean web?)`},
		{"dbx", "did you mean db?"},
		{"nothing-like-it", `no service "nothing-like-it" either`},
	} {
		_, err := Find(s, "ovc1", tc.in, Options{})
		if !errors.Is(err, ErrUnknownEndpoint) || !errors.Is(err, topo.ErrUnknownContainer) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.in, err, tc.want)
		}
	}
	if _, err := Find(s, "ovc1", "nothing-like-it", Options{}); strings.Contains(err.Error(), "did you mean") {
		t.Errorf("no close name, yet: %v", err)
	}
	// A prefix of two services' IDs names neither.
	onOvnet1(t, s).ServiceID = "dbq1111111111111111111111"
	for i := range s.Overlays {
		if s.Overlays[i].Ingress {
			s.Overlays[i].Services[0].ServiceID = "dbq1111111111111111111111"
		}
	}
	if _, err := Find(s, "ovc1", "dbq", Options{}); !errors.Is(err, ErrUnknownEndpoint) || !strings.Contains(err.Error(), "several services, name one: db, web") {
		t.Errorf("ambiguous prefix: %v", err)
	}
}

// findOnSwarmNode follows src to dst on the recorded swarm node, changed
// by mutate first when it is set.
func findOnSwarmNode(t *testing.T, mutate func(*testing.T, *topo.Snapshot), src, dst string) Result {
	t.Helper()
	s := swarmNode(t)
	if mutate != nil {
		mutate(t, s)
	}
	r, err := Find(s, src, dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
