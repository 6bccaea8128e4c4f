package pathfind

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/topo"
)

// recorded is the gallery host (Docker 20.10) with the rules iptables-save
// printed on it.
func recorded(t *testing.T) *topo.Snapshot {
	s := fwtest.Host(t)
	s.Sysctls = map[string]string{topo.SysctlIPForward: "1", topo.SysctlBridgeNFCallIP: "1"}
	return s
}

func hops(r Result) string {
	var at []string
	for _, h := range r.Hops {
		at = append(at, h.At)
	}
	return strings.Join(at, " → ")
}

func TestPaths(t *testing.T) {
	for _, tc := range []struct {
		src, dst string
		mutate   func(s *topo.Snapshot)
		verdict  string
		hops     string
		reason   string
	}{
		{"web1", "api", nil, Reachable,
			"web1:eth0 → vetha87bbed → docker0 → FORWARD: ACCEPT → veth51b5f16 → api:eth2", "same bridge network"},
		{"api", "db", nil, Reachable,
			"api:eth1 → vethe470e1d → br-backend → FORWARD: ACCEPT → veth7db0765 → db:eth0", "same bridge network"},
		{"web1", "db", nil, Blocked,
			"web1:eth0 → vetha87bbed → docker0 → routing → FORWARD → DOCKER-ISOLATION-STAGE-2: DROP", "different bridge networks are isolated"},
		{"web1", "198.51.100.7", nil, Reachable,
			"web1:eth0 → vetha87bbed → docker0 → routing → FORWARD: ACCEPT → MASQUERADE as 192.0.2.2 → eth0 → outside", "masqueraded"},
		{"198.51.100.7", "192.0.2.2:8080", nil, Reachable,
			"198.51.100.7 → eth0 → DNAT 172.17.0.2:80 → FORWARD: ACCEPT → docker0 → vetha87bbed → web1:eth0", "DNAT to 172.17.0.2:80"},
		{"host", "192.0.2.2:8080", nil, Reachable,
			"host → DNAT 172.17.0.2:80 → docker0 → vetha87bbed → web1:eth0", "published port"},
		{"198.51.100.7", "172.17.0.2:22", nil, Blocked, "198.51.100.7 → eth0 → FORWARD: policy DROP", "policy is DROP"},
		// Docker 20.10 lets the LAN reach a published container port directly
		// (Docker 28 adds a raw-table DROP for it): netviz says so.
		{"198.51.100.7", "172.17.0.2:80", nil, Reachable, "198.51.100.7 → eth0 → FORWARD: ACCEPT → docker0 → vetha87bbed → web1:eth0", "straight to the container"},
		{"host", "db", nil, Reachable, "host → routing → br-backend → veth7db0765 → db:eth0", "directly"},
		{"web1", "api", func(s *topo.Snapshot) {
			i, _ := s.HostInterface("veth51b5f16")
			i.Up = false
		}, Blocked, "web1:eth0 → vetha87bbed → docker0 → FORWARD: ACCEPT → veth51b5f16", "veth51b5f16 is down"},
		{"web1", "198.51.100.7", func(s *topo.Snapshot) { s.Sysctls[topo.SysctlIPForward] = "0" }, Blocked,
			"web1:eth0 → vetha87bbed → docker0 → routing → routing", "ip_forward = 0"},
		{"web1", "198.51.100.7", func(s *topo.Snapshot) { s.Firewall = topo.Firewall{} }, Unknown, "", "could not read the firewall"},
		{"old", "web1", nil, Blocked, "", "not running"},
	} {
		t.Run(tc.src+"→"+tc.dst, func(t *testing.T) {
			s := recorded(t)
			if tc.mutate != nil {
				tc.mutate(s)
			}
			r, err := Find(s, tc.src, tc.dst, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tc.verdict || (tc.hops != "" && hops(r) != tc.hops) || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("got %s: %s\n  %s\nwant %s: …%s…\n  %s", r.Verdict, r.Reason, hops(r), tc.verdict, tc.reason, tc.hops)
			}
			if !slices.ContainsFunc(r.Hops, func(h Hop) bool { return h.At != "" }) && tc.hops != "" {
				t.Errorf("no hops")
			}
		})
	}
}

func TestUnknownEndpoint(t *testing.T) {
	_, err := Find(recorded(t), "web1", "nosuch", Options{})
	if !errors.Is(err, topo.ErrUnknownContainer) {
		t.Errorf("err = %v", err)
	}
}

func TestText(t *testing.T) {
	r, _ := Find(recorded(t), "web1", "db", Options{})
	txt := r.Text()
	for _, want := range []string{"web1:eth0 → vetha87bbed → docker0", "-A DOCKER-ISOLATION-STAGE-2 -o br-backend -j DROP", "BLOCKED: dropped by DOCKER-ISOLATION-STAGE-2"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
}
