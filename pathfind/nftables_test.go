package pathfind

import (
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/topo"
)

// The gallery host with Debian's /etc/nftables.conf loaded beside Docker's
// iptables-nft rules: its forward chain drops what Docker accepts.
func debianNftables(t *testing.T) *topo.Snapshot {
	s := recorded(t)
	s.Firewall.Nftables = fwtest.Native(t, "nft-debian-forward-drop.json")
	return s
}

// The same, with a forward chain that lets Docker's bridges through.
func nftablesAcceptsDocker(t *testing.T) *topo.Snapshot {
	s := recorded(t)
	s.Firewall.Nftables = fwtest.Native(t, "nft-forward-accepts-docker.json")
	return s
}

// A native chain whose rule netviz cannot evaluate (a mark) may accept.
func nftablesUnsure(t *testing.T) *topo.Snapshot {
	s := debianNftables(t)
	fwd := &s.Firewall.Nftables[0].Chains[1]
	fwd.Rules = []topo.Rule{{Raw: "meta mark 0x1 accept", Target: "ACCEPT", Other: true}}
	return s
}

// The gallery host as Docker 29 with firewall-backend nftables would leave
// it: iptables empty, Docker's rules in its docker-bridges table.
func docker29Nftables(t *testing.T) *topo.Snapshot {
	s := recorded(t)
	s.Firewall = topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendNftables,
		RuleSets: []topo.RuleSet{{Backend: topo.BackendNft, Family: 4}}, Nftables: fwtest.Native(t, "nft-docker29.json")}
	return s
}

func TestPathsNativeNftables(t *testing.T) {
	out := "web1:eth0 → vetha87bbed → docker0 → routing → FORWARD: ACCEPT"
	checkPaths(t, debianNftables, []pathCase{
		{"web1", "198.51.100.7", Blocked, out + " → nftables inet filter forward: policy DROP",
			"the nftables chain inet filter forward has policy drop"},
		// br_netfilter hands bridged packets to the same hook.
		{"web1", "api", Blocked, "web1:eth0 → vetha87bbed → docker0 → FORWARD: ACCEPT → nftables inet filter forward: policy DROP",
			"do not override another table's drop"},
		{"host", "db", Reachable, "host → routing → br-backend → veth7db0765 → db:eth0", "directly"},
	})
	checkPaths(t, nftablesAcceptsDocker, []pathCase{
		{"web1", "198.51.100.7", Reachable,
			out + " → nftables inet filter forward: ACCEPT → MASQUERADE as 192.0.2.2 → eth0 → outside", "masqueraded"},
		{"db", "198.51.100.7", Reachable,
			"db:eth0 → veth7db0765 → br-backend → routing → FORWARD: ACCEPT → nftables inet filter forward → docker-out: ACCEPT → MASQUERADE as 192.0.2.2 → eth0 → outside", "masqueraded"},
		{"db", "198.51.100.7:25", Blocked,
			"db:eth0 → veth7db0765 → br-backend → routing → FORWARD: ACCEPT → nftables inet filter forward → docker-out: DROP",
			"dropped by the nftables chain inet filter docker-out"},
	})
	// The mark rule netviz passes over might accept what the policy drops:
	// unknown, naming the rule.
	checkPaths(t, nftablesUnsure, []pathCase{
		{"web1", "198.51.100.7", Unknown, out + " → nftables inet filter forward: policy DROP?",
			"the nftables chain inet filter forward drops it unless the rule `meta mark 0x1 accept` in inet filter forward, which netviz cannot evaluate (it matches on a mark), lets it through first"},
	})
	// An accept it passes over where the policy accepts anyway changes
	// nothing; a drop it passes over might drop it.
	for _, tc := range []struct {
		target, verdict, reason string
	}{
		{"ACCEPT", Reachable, "masqueraded"},
		{"DROP", Unknown, "netviz cannot evaluate the rule `meta mark 0x1 drop` in inet filter forward, which may drop it"},
	} {
		s := nftablesUnsure(t)
		fwd := &s.Firewall.Nftables[0].Chains[1]
		fwd.Policy = "ACCEPT"
		fwd.Rules[0].Target, fwd.Rules[0].Raw = tc.target, "meta mark 0x1 "+strings.ToLower(tc.target)
		if r, _ := Find(s, "web1", "198.51.100.7", Options{}); r.Verdict != tc.verdict || !strings.Contains(r.Reason, tc.reason) {
			t.Errorf("passing over a mark rule (%s) in a chain that accepts: %s: %s, want %s: …%s…", tc.target, r.Verdict, r.Reason, tc.verdict, tc.reason)
		}
	}
}

func TestPathsDocker29Nftables(t *testing.T) {
	checkPaths(t, docker29Nftables, []pathCase{
		{"web1", "198.51.100.7", Reachable,
			"web1:eth0 → vetha87bbed → docker0 → routing → nftables ip docker-bridges filter-FORWARD → filter-forward-out__docker0: ACCEPT → MASQUERADE as 192.0.2.2 → eth0 → outside",
			"masqueraded"},
		{"198.51.100.7", "172.17.0.2:22", Blocked,
			"198.51.100.7 → eth0 → nftables ip docker-bridges filter-FORWARD → filter-forward-in__docker0: DROP",
			"dropped by the nftables chain ip docker-bridges filter-forward-in__docker0"},
	})
}
