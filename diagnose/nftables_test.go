package diagnose

import (
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/topo"
)

func forwardDrops(fs []Finding) []Finding {
	return slices.DeleteFunc(slices.Clone(fs), func(f Finding) bool { return f.ID != ForwardDrop })
}

func TestForwardDropInNativeNftables(t *testing.T) {
	t.Run("debian's policy drop", func(t *testing.T) {
		s := healthy(t)
		s.Firewall.Nftables = fwtest.Native(t, "nft-debian-forward-drop.json")
		fs := forwardDrops(Run(s))
		var subjects []string
		for _, f := range fs {
			subjects = append(subjects, strings.Join(f.SubjectNames(), ","))
			if f.Severity != topo.SeverityError || !strings.Contains(f.Message, "do not override another table's drop") {
				t.Errorf("finding %+v", f)
			}
		}
		// Every network with a running container, none of the others.
		want := []string{"appnet,nftables inet filter forward", "backend,nftables inet filter forward", "bridge,nftables inet filter forward"}
		if !slices.Equal(subjects, want) {
			t.Fatalf("subjects %q, want %q", subjects, want)
		}
		if fix := fs[2].Fix; !strings.Contains(fix, `nft insert rule inet filter forward iifname "docker0" accept`) ||
			!strings.Contains(fix, `oifname "docker0" accept`) || !strings.Contains(fix, "policy accept") {
			t.Errorf("fix %q", fix)
		}
	})
	t.Run("a chain that lets the bridges through", func(t *testing.T) {
		s := healthy(t)
		s.Firewall.Nftables = fwtest.Native(t, "nft-forward-accepts-docker.json")
		if fs := forwardDrops(Run(s)); len(fs) != 0 {
			t.Errorf("findings %s", dump(fs))
		}
	})
	t.Run("a drop rule", func(t *testing.T) {
		s := healthy(t)
		s.Firewall.Nftables = fwtest.Native(t, "nft-forward-accepts-docker.json")
		out := &s.Firewall.Nftables[0].Chains[2] // docker-out, where br-* jumps
		if out.Name != "docker-out" {
			t.Fatalf("chain %q", out.Name)
		}
		out.Rules = append([]topo.Rule{{Raw: `oifname "eth0" drop`, Out: "eth0", Target: "DROP", Handle: 99}}, out.Rules...)
		fs := forwardDrops(Run(s))
		if len(fs) != 2 || !slices.Equal(fs[0].SubjectNames(), []string{"appnet", "nftables inet filter docker-out"}) ||
			!strings.Contains(fs[0].Fix, "nft delete rule inet filter docker-out handle 99") || !strings.Contains(fs[0].Message, "`oifname \"eth0\" drop`") {
			t.Errorf("findings %s", dump(fs))
		}
	})
	t.Run("rules netviz cannot evaluate", func(t *testing.T) {
		s := healthy(t)
		s.Firewall.Nftables = fwtest.Native(t, "nft-debian-forward-drop.json")
		fwd := &s.Firewall.Nftables[0].Chains[1]
		fwd.Rules = []topo.Rule{{Raw: "meta mark 0x1 accept", Target: "ACCEPT", Other: true}}
		for _, f := range forwardDrops(Run(s)) {
			if f.Severity != topo.SeverityWarning || !strings.Contains(f.Message, "cannot evaluate") {
				t.Errorf("finding %+v", f)
			}
		}
	})
	t.Run("docker 29's own table", func(t *testing.T) {
		s := healthy(t)
		s.Firewall = topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendNftables,
			RuleSets: []topo.RuleSet{{Backend: topo.BackendNft, Family: 4}}, Nftables: fwtest.Native(t, "nft-docker29.json")}
		fs := Run(s)
		if d := forwardDrops(fs); len(d) != 0 {
			t.Errorf("forward-drop %s", dump(d))
		}
		// Where Docker's rules are, for someone looking with iptables -L.
		if !has(fs, IptablesBackendSplit, []string{"iptables-nft", "nftables"}) {
			t.Errorf("no iptables-backend-split info in %s", dump(fs))
		}
		// The iptables FORWARD policy a Docker with iptables left behind.
		s.Firewall.RuleSets[0].Tables = []topo.Table{{Name: "filter", Chains: []topo.Chain{{Name: "FORWARD", Policy: "DROP"}}}}
		d := forwardDrops(Run(s))
		if len(d) != 3 || !slices.Equal(d[0].SubjectNames(), []string{"appnet", "FORWARD"}) || !strings.Contains(d[0].Fix, "iptables-nft -P FORWARD ACCEPT") {
			t.Errorf("forward-drop %s", dump(d))
		}
	})
	t.Run("docker 29's NAT rules", func(t *testing.T) {
		s := healthy(t)
		s.Firewall = topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendNftables,
			RuleSets: []topo.RuleSet{{Backend: topo.BackendNft, Family: 4}}, Nftables: fwtest.Native(t, "nft-docker29.json")}
		masq := func(fs []Finding) []string {
			var out []string
			for _, f := range fs {
				if f.ID == MissingMasquerade {
					out = append(out, strings.Join(f.SubjectNames(), ","))
				}
			}
			return out
		}
		// docker0's masquerade is in nat-postrouting-out__docker0.
		if got := masq(Run(s)); slices.Contains(got, "bridge,172.17.0.0/16") {
			t.Errorf("missing-masquerade for docker0, whose rule is in Docker's table: %v", got)
		}
		for i, c := range s.Firewall.Nftables[0].Chains {
			if c.Name == "nat-postrouting-out__docker0" {
				s.Firewall.Nftables[0].Chains[i].Rules = nil
			}
		}
		fs := Run(s)
		if got := masq(fs); !slices.Contains(got, "bridge,172.17.0.0/16") {
			t.Errorf("no missing-masquerade for docker0 with its rule gone: %v", got)
		}
		for _, f := range fs {
			if f.ID == MissingMasquerade && strings.Contains(f.Message, "172.17.0.0/16") && !strings.Contains(f.Fix, "nft add rule ip docker-bridges nat-postrouting-out__docker0") {
				t.Errorf("fix %q", f.Fix)
			}
		}
	})
}

// forward-drop names the rules it cannot evaluate instead of passing over
// them: in iptables and native nftables chains alike, as a warning when
// the rule may accept what is dropped, as info when it may drop what is
// accepted.
func TestForwardDropNamesRulesItCannotEvaluate(t *testing.T) {
	iptables := func(r topo.Rule) *topo.Snapshot {
		s := healthy(t)
		c := chainOf(s, "filter", "FORWARD")
		c.Rules = append([]topo.Rule{r}, c.Rules...)
		return s
	}
	for _, tc := range []struct {
		name    string
		s       *topo.Snapshot
		sev     topo.Severity
		subject []string
		message string
	}{
		{"iptables ipset drop", iptables(topo.Rule{Raw: "-m set --match-set blocked src -j DROP", Target: "DROP", Other: true}),
			topo.SeverityInfo, []string{"appnet", "FORWARD"},
			"but it cannot evaluate the rule `-A FORWARD -m set --match-set blocked src -j DROP` (it matches on an ipset), which may drop it"},
		{"iptables mark accept before a drop", func() *topo.Snapshot {
			s := iptables(topo.Rule{Raw: "-m mark --mark 0x1 -j ACCEPT", Target: "ACCEPT", Other: true})
			c := chainOf(s, "filter", "FORWARD")
			c.Rules = slices.Insert(c.Rules, 1, topo.Rule{Raw: "-i br-edf6ad18f54c -j DROP", In: "br-edf6ad18f54c", Target: "DROP"})
			return s
		}(), topo.SeverityWarning, []string{"appnet", "FORWARD"},
			"unless the rule `-A FORWARD -m mark --mark 0x1 -j ACCEPT` before it, which netviz cannot evaluate (it matches on a mark), lets it through"},
		{"nftables mark drop", func() *topo.Snapshot {
			s := healthy(t)
			s.Firewall.Nftables = fwtest.Native(t, "nft-debian-forward-drop.json")
			fwd := &s.Firewall.Nftables[0].Chains[1]
			fwd.Policy = "ACCEPT"
			fwd.Rules = []topo.Rule{{Raw: "meta mark 0x1 drop", Target: "DROP", Other: true}}
			return s
		}(), topo.SeverityInfo, []string{"appnet", "nftables inet filter forward"},
			"but it cannot evaluate the rule `meta mark 0x1 drop` in inet filter forward (it matches on a mark), which may drop it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := forwardDrops(Run(tc.s))
			if !slices.ContainsFunc(fs, func(f Finding) bool {
				return f.Severity == tc.sev && slices.Equal(f.SubjectNames(), tc.subject) && strings.Contains(f.Message, tc.message)
			}) {
				t.Errorf("want %s %v …%s…, got %s", tc.sev, tc.subject, tc.message, dump(fs))
			}
		})
	}
}

// IPv6 is checked as IPv4 is: through ip6tables and the native chains that
// see IPv6, once per finding when a chain treats both alike.
func TestForwardDropIPv6(t *testing.T) {
	s := healthy(t)
	n, _ := s.Network("appnet")
	n.IPv6 = true
	n.Subnets = append(n.Subnets, topo.Subnet{Subnet: "fd00:db8:20::/64"})
	s.Firewall.RuleSets = append(s.Firewall.RuleSets, topo.RuleSet{Backend: s.Firewall.DockerBackend, Family: 6,
		Tables: []topo.Table{{Name: "filter", Chains: []topo.Chain{{Name: "FORWARD", Policy: "DROP"}}}}})
	var fs []Finding
	for _, f := range forwardDrops(Run(s)) {
		if f.SubjectNames()[0] == "appnet" {
			fs = append(fs, f)
		}
	}
	if len(fs) != 1 || fs[0].Severity != topo.SeverityError || !slices.Equal(fs[0].SubjectNames(), []string{"appnet", "FORWARD"}) ||
		!strings.HasPrefix(fs[0].Message, `IPv6 traffic from network "appnet"`) || !strings.Contains(fs[0].Fix, "ip6tables -I FORWARD -i br-edf6ad18f54c -j ACCEPT") {
		t.Errorf("findings %s", dump(fs))
	}

	// Debian's inet filter drops both families: one finding.
	s = healthy(t)
	n, _ = s.Network("appnet")
	n.IPv6 = true
	n.Subnets = append(n.Subnets, topo.Subnet{Subnet: "fd00:db8:20::/64"})
	s.Firewall.Nftables = fwtest.Native(t, "nft-debian-forward-drop.json")
	var appnet int
	for _, f := range forwardDrops(Run(s)) {
		if f.SubjectNames()[0] == "appnet" {
			appnet++
		}
	}
	if appnet != 1 {
		t.Errorf("%d forward-drop findings for appnet, want 1", appnet)
	}
}
