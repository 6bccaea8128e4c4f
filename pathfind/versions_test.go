package pathfind

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/topo"
)

// checkPaths runs Find for each case and compares verdict, hops and reason.
func checkPaths(t *testing.T, s func(t *testing.T) *topo.Snapshot, cases []pathCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.src+"→"+tc.dst, func(t *testing.T) {
			r, err := Find(s(t), tc.src, tc.dst, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tc.verdict || hops(r) != tc.hops || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("got %s: %s\n  %s\nwant %s: …%s…\n  %s", r.Verdict, r.Reason, hops(r), tc.verdict, tc.reason, tc.hops)
			}
		})
	}
}

type pathCase struct {
	src, dst, verdict, hops, reason string
}

// The gallery host with the rules Docker 25-27 program for it, in the
// legacy backend, where "backend" was created with enable_icc=false.
func docker27(t *testing.T) *topo.Snapshot {
	s := recorded(t)
	s.Firewall = topo.Firewall{Default: topo.BackendLegacy, DockerBackend: topo.BackendLegacy, RuleSets: []topo.RuleSet{
		{Backend: topo.BackendLegacy, Family: 4, Tables: fwtest.Tables(t, "docker27-legacy.v4")}}}
	return s
}

func TestPathsDocker27(t *testing.T) {
	checkPaths(t, docker27, []pathCase{
		{"web1", "api", Reachable,
			"web1:eth0 → vetha87bbed → docker0 → FORWARD: ACCEPT → veth51b5f16 → api:eth2", "same bridge network"},
		{"web1", "db", Blocked,
			"web1:eth0 → vetha87bbed → docker0 → routing → FORWARD → DOCKER-ISOLATION-STAGE-2: DROP", "different bridge networks are isolated"},
		{"api", "db", Blocked,
			"api:eth1 → vethe470e1d → br-backend → FORWARD: DROP", "inter-container communication is off"},
		{"db", "198.51.100.7", Reachable,
			"db:eth0 → veth7db0765 → br-backend → routing → FORWARD: ACCEPT → MASQUERADE as 192.0.2.2 → eth0 → outside", "masqueraded"},
		{"198.51.100.7", "192.0.2.2:8080", Reachable,
			"198.51.100.7 → eth0 → DNAT 172.17.0.2:80 → FORWARD: ACCEPT → docker0 → vetha87bbed → web1:eth0", "DNAT to 172.17.0.2:80 (web1)"},
		{"198.51.100.7", "192.0.2.2:8081", Reachable, "198.51.100.7 → eth0 → INPUT: ACCEPT → host 192.0.2.2", "delivered to the host itself"},
		{"host", "192.0.2.2:8080", Reachable,
			"host → DNAT 172.17.0.2:80 → docker0 → vetha87bbed → web1:eth0", "published port"},
	})
}

// host28 is a small Docker 28 host whose names match
// inspect/netfilter/testdata/docker28-legacy.v4: the default bridge with c0,
// network "front" (br-1a2b3c4d5e6f) with web, which publishes 8080 → 80,
// and web2, and the internal network "private" (br-9f8e7d6c5b4a) with vault.
func host28(t *testing.T) *topo.Snapshot {
	s := &topo.Snapshot{
		Host:    topo.Host{Uplink: "eth0", Runtime: topo.Runtime{Name: "docker", Version: "28.0.4"}},
		Sysctls: map[string]string{topo.SysctlIPForward: "1", topo.SysctlBridgeNFCallIP: "1"},
		Firewall: topo.Firewall{Default: topo.BackendLegacy, DockerBackend: topo.BackendLegacy, RuleSets: []topo.RuleSet{
			{Backend: topo.BackendLegacy, Family: 4, Tables: fwtest.Tables(t, "docker28-legacy.v4")}}},
		Interfaces: []topo.Interface{{Name: "eth0", Up: true, Addresses: []string{"192.0.2.2/24"}}},
		Routes: []topo.Route{{Dst: "default", Gateway: "192.0.2.1", Interface: "eth0", Family: 4},
			{Dst: "192.0.2.0/24", Interface: "eth0", Family: 4}},
	}
	network := func(name, bridge, subnet string, internal bool) {
		s.Networks = append(s.Networks, topo.Network{Name: name, ID: name + "-id", Driver: "bridge", Bridge: bridge, Internal: internal,
			Subnets: []topo.Subnet{{Subnet: subnet}}})
		gw := strings.TrimSuffix(subnet, "0.0/16") + "0.1"
		s.Interfaces = append(s.Interfaces, topo.Interface{Name: bridge, Kind: topo.KindBridge, Up: true, Addresses: []string{gw + "/16"}})
		s.Routes = append(s.Routes, topo.Route{Dst: subnet, Interface: bridge, Src: gw, Family: 4})
	}
	network("bridge", "docker0", "172.17.0.0/16", false)
	network("front", "br-1a2b3c4d5e6f", "172.18.0.0/16", false)
	network("private", "br-9f8e7d6c5b4a", "172.19.0.0/16", true)
	container := func(name, net, addr string, ports ...topo.Port) {
		n, _ := s.Network(net)
		mac := fmt.Sprintf("02:42:ac:%02x:00:%02x", len(s.Containers)+1, len(s.Containers)+2)
		ns := "ns-" + name
		gw := strings.TrimSuffix(n.Subnets[0].Subnet, "0.0/16") + "0.1"
		routes := []topo.Route{{Dst: n.Subnets[0].Subnet, Interface: "eth0", Family: 4}}
		if !n.Internal {
			routes = append(routes, topo.Route{Dst: "default", Gateway: gw, Interface: "eth0", Family: 4})
		}
		s.Containers = append(s.Containers, topo.Container{Name: name, ID: name + "-id", State: topo.StateRunning, NetworkMode: net, Namespace: ns,
			Endpoints:  []topo.Endpoint{{Network: net, NetworkID: n.ID, MAC: mac, IPv4: addr + "/16", Gateway: gw}},
			Ports:      ports,
			Interfaces: []topo.Interface{{Name: "eth0", Index: 2, Kind: topo.KindVeth, MAC: mac, Up: true, Addresses: []string{addr + "/16"}}}})
		s.Namespaces = append(s.Namespaces, topo.Namespace{ID: ns, Owner: name, Containers: []string{name}, Routes: routes})
		veth := "veth-" + name
		s.Interfaces = append(s.Interfaces, topo.Interface{Name: veth, Kind: topo.KindVeth, Up: true, Master: n.Bridge})
		s.Pairs = append(s.Pairs, topo.Pair{Container: name, ContainerInterface: "eth0", ContainerIfindex: 2, HostInterface: veth,
			Bridge: n.Bridge, Network: net, MAC: mac, IPv4: addr + "/16", Namespace: ns, Verified: true})
	}
	container("c0", "bridge", "172.17.0.2")
	container("web", "front", "172.18.0.2", topo.Port{HostIP: "0.0.0.0", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"})
	container("web2", "front", "172.18.0.3")
	container("vault", "private", "172.19.0.2")
	s.Sort()
	return s
}

// Docker 28 moved its rules into DOCKER-FORWARD, DOCKER-CT and DOCKER-BRIDGE
// and drops packets from outside addressed straight to a container in the
// raw table: path follows all of them.
func TestPathsDocker28(t *testing.T) {
	checkPaths(t, host28, []pathCase{
		{"web", "web2", Reachable,
			"web:eth0 → veth-web → br-1a2b3c4d5e6f → FORWARD: ACCEPT → veth-web2 → web2:eth0", "same bridge network"},
		{"c0", "web", Blocked,
			"c0:eth0 → veth-c0 → docker0 → routing → FORWARD → DOCKER-ISOLATION-STAGE-2: DROP", "different bridge networks are isolated"},
		{"web", "198.51.100.7", Reachable,
			"web:eth0 → veth-web → br-1a2b3c4d5e6f → routing → FORWARD: ACCEPT → MASQUERADE as 192.0.2.2 → eth0 → outside", "masqueraded"},
		{"vault", "198.51.100.7", Blocked, "vault", `network "private" is internal: Docker gives vault no route to 198.51.100.7`},
		{"web", "vault", Blocked,
			"web:eth0 → veth-web → br-1a2b3c4d5e6f → routing → FORWARD → DOCKER-ISOLATION-STAGE-1: DROP",
			`network "private" is internal: Docker drops what enters it from elsewhere (rule -A DOCKER-ISOLATION-STAGE-1 ! -s 172.19.0.0/16 -o br-9f8e7d6c5b4a -j DROP)`},
		{"198.51.100.7", "192.0.2.2:8080", Reachable,
			"198.51.100.7 → eth0 → DNAT 172.18.0.2:80 → FORWARD: ACCEPT → br-1a2b3c4d5e6f → veth-web → web:eth0", "DNAT to 172.18.0.2:80 (web)"},
		{"203.0.113.9", "192.0.2.2:8080", Blocked,
			"203.0.113.9 → eth0 → DNAT 172.18.0.2:80 → FORWARD → DOCKER-USER: REJECT", "a rule someone added to DOCKER-USER"},
		{"198.51.100.7", "172.18.0.2:80", Blocked,
			"198.51.100.7 → eth0 → raw PREROUTING: DROP", "addressed straight to a container"},
		{"host", "web", Reachable, "host → routing → br-1a2b3c4d5e6f → veth-web → web:eth0", "directly"},
	})
}

// A network created with -o com.docker.network.host_ipv4=ADDR is
// source-NATed with SNAT instead of MASQUERADE.
func TestPathSNAT(t *testing.T) {
	snat := func(t *testing.T) *topo.Snapshot {
		s := docker27(t)
		rs, _ := s.Firewall.RuleSet(topo.BackendLegacy, 4)
		c, _ := rs.Chain("nat", "POSTROUTING")
		c.Rules[0] = topo.Rule{Raw: "-s 172.30.0.0/24 ! -o br-backend -j SNAT --to-source 192.0.2.2",
			Source: "172.30.0.0/24", Out: "!br-backend", Target: "SNAT"}
		return s
	}
	checkPaths(t, snat, []pathCase{
		{"db", "198.51.100.7", Reachable,
			"db:eth0 → veth7db0765 → br-backend → routing → FORWARD: ACCEPT → SNAT to 192.0.2.2 → eth0 → outside", "source-NATed to 192.0.2.2"},
	})
	if got := toSource("-s 10.0.0.0/8 -j SNAT"); got != "?" {
		t.Errorf("toSource without --to-source: %q", got)
	}
}

// A packet that leaves an --internal network by a route of its own is
// dropped by Docker because the network is internal, and path says so.
func TestPathLeavesInternalNetwork(t *testing.T) {
	routed := func(t *testing.T) *topo.Snapshot {
		s := host28(t)
		for i := range s.Namespaces {
			if s.Namespaces[i].Owner == "vault" {
				s.Namespaces[i].Routes = append(s.Namespaces[i].Routes, topo.Route{Dst: "default", Gateway: "172.19.0.1", Interface: "eth0", Family: 4})
			}
		}
		return s
	}
	checkPaths(t, routed, []pathCase{
		{"vault", "198.51.100.7", Blocked,
			"vault:eth0 → veth-vault → br-9f8e7d6c5b4a → routing → FORWARD → DOCKER-ISOLATION-STAGE-1: DROP",
			`network "private" is internal: Docker drops what leaves it (rule -A DOCKER-ISOLATION-STAGE-1 ! -d 172.19.0.0/16 -i br-9f8e7d6c5b4a -j DROP)`},
		{"vault", "web", Blocked, "vault:eth0 → veth-vault → br-9f8e7d6c5b4a → routing → FORWARD → DOCKER-ISOLATION-STAGE-1: DROP",
			`network "private" is internal: Docker drops what leaves it`},
	})
}

// A network whose masquerading is off on purpose (routed gateway mode,
// enable_ip_masquerade=false) sends its packets out with their own source
// address: path says so, and does not ask for the missing MASQUERADE.
func TestPathNoMasqueradeOnPurpose(t *testing.T) {
	for _, opt := range []map[string]string{
		{topo.OptGatewayModeIPv4: topo.GatewayRouted},
		{topo.OptMasquerade: "false"},
	} {
		off := func(t *testing.T) *topo.Snapshot {
			s := docker27(t)
			rs, _ := s.Firewall.RuleSet(topo.BackendLegacy, 4)
			c, _ := rs.Chain("nat", "POSTROUTING")
			c.Rules = slices.DeleteFunc(c.Rules, func(r topo.Rule) bool { return r.Source == "172.30.0.0/24" })
			n, _ := s.Network("backend")
			n.Options = opt
			return s
		}
		for k, v := range opt {
			checkPaths(t, off, []pathCase{
				{"db", "198.51.100.7", Reachable,
					"db:eth0 → veth7db0765 → br-backend → routing → FORWARD: ACCEPT → eth0 → outside",
					fmt.Sprintf(`with its own source address 172.30.0.3: network "backend" is not masqueraded (%s=%s), so replies come back only where the network beyond routes 172.30.0.0/24 to this host`, k, v)},
			})
		}
	}
}

// On Docker 28 and later a network not masqueraded but not routed either
// (enable_ip_masquerade=false) gets no replies: Docker's raw PREROUTING
// drops what comes from outside addressed straight to a container.
func TestPathNoMasqueradeRepliesDropped(t *testing.T) {
	off := func(t *testing.T) *topo.Snapshot {
		s := host28(t)
		rs, _ := s.Firewall.RuleSet(topo.BackendLegacy, 4)
		c, _ := rs.Chain("nat", "POSTROUTING")
		c.Rules = slices.DeleteFunc(c.Rules, func(r topo.Rule) bool { return r.Source == "172.18.0.0/16" })
		n, _ := s.Network("front")
		n.Options = map[string]string{topo.OptMasquerade: "false"}
		return s
	}
	checkPaths(t, off, []pathCase{
		{"web", "198.51.100.7", Blocked,
			"web:eth0 → veth-web → br-1a2b3c4d5e6f → routing → FORWARD: ACCEPT → eth0 → outside → reply: raw PREROUTING: DROP",
			`it leaves eth0 with its own source address 172.18.0.2 (network "front" is not masqueraded: com.docker.network.bridge.enable_ip_masquerade=false), but Docker drops the replies`},
	})
}

// An iptables rule netviz cannot evaluate (an ipset) is named, whether it
// may drop what the chain accepts or accept what it drops.
func TestPathNamesRulesItCannotEvaluate(t *testing.T) {
	with := func(r topo.Rule) func(t *testing.T) *topo.Snapshot {
		return func(t *testing.T) *topo.Snapshot {
			s := docker27(t)
			rs, _ := s.Firewall.RuleSet(topo.BackendLegacy, 4)
			c, _ := rs.Chain("filter", "FORWARD")
			c.Rules = append([]topo.Rule{r}, c.Rules...)
			return s
		}
	}
	checkPaths(t, with(topo.Rule{Raw: "-m set --match-set blocked src -j DROP", Target: "DROP", Other: true}), []pathCase{
		{"db", "198.51.100.7", Unknown,
			"db:eth0 → veth7db0765 → br-backend → routing → FORWARD: ACCEPT → MASQUERADE as 192.0.2.2 → eth0 → outside",
			"but netviz cannot evaluate the rule `-A FORWARD -m set --match-set blocked src -j DROP` (legacy), which may drop it"},
	})
	checkPaths(t, with(topo.Rule{Raw: "-i br-backend -m set --match-set allowed dst -j ACCEPT", In: "br-backend", Target: "ACCEPT", Other: true}), []pathCase{
		{"api", "db", Unknown, "api:eth1 → vethe470e1d → br-backend → FORWARD: DROP?",
			"FORWARD drops it unless the rule `-A FORWARD -i br-backend -m set --match-set allowed dst -j ACCEPT`, which netviz cannot evaluate (it matches on an ipset), lets it through first"},
	})
}

// host28v6 is host28 with IPv6 on "front" (fd00:db8:1::/64) and the
// ip6tables rules Docker 28 wrote for it (docker28-nft.v6): NAT66 out,
// 8080 published to web's [fd00:db8:1::2]:80.
func host28v6(t *testing.T) *topo.Snapshot {
	s := host28(t)
	s.Firewall.RuleSets = append(s.Firewall.RuleSets, topo.RuleSet{Backend: topo.BackendLegacy, Family: 6, Tables: fwtest.Tables(t, "docker28-nft.v6")})
	s.Sysctls[topo.SysctlIPv6Forward] = "1"
	n, _ := s.Network("front")
	n.IPv6 = true
	n.Subnets = append(n.Subnets, topo.Subnet{Subnet: "fd00:db8:1::/64", Gateway: "fd00:db8:1::1"})
	for i := range s.Interfaces {
		switch s.Interfaces[i].Name {
		case "eth0":
			s.Interfaces[i].Addresses = append(s.Interfaces[i].Addresses, "2001:db8:ffff::2/64", "fe80::1/64")
		case "br-1a2b3c4d5e6f":
			s.Interfaces[i].Addresses = append(s.Interfaces[i].Addresses, "fe80::2/64", "fd00:db8:1::1/64")
		}
	}
	s.Routes = append(s.Routes,
		topo.Route{Dst: "default", Gateway: "2001:db8:ffff::1", Interface: "eth0", Family: 6},
		topo.Route{Dst: "fd00:db8:1::/64", Interface: "br-1a2b3c4d5e6f", Family: 6})
	for i, addr := range map[string]string{"web": "fd00:db8:1::2", "web2": "fd00:db8:1::3"} {
		c, _ := s.Container(i)
		c.Endpoints[0].IPv6 = []string{addr + "/64"}
		for j := range s.Namespaces {
			if s.Namespaces[j].Owner == i {
				s.Namespaces[j].Routes = append(s.Namespaces[j].Routes,
					topo.Route{Dst: "fd00:db8:1::/64", Interface: "eth0", Family: 6},
					topo.Route{Dst: "default", Gateway: "fd00:db8:1::1", Interface: "eth0", Family: 6})
			}
		}
	}
	return s
}

// IPv6 is followed as IPv4 is: its routes, ip6tables' chains, NAT66.
func TestPathsIPv6(t *testing.T) {
	checkPaths(t, host28v6, []pathCase{
		{"web", "2001:db8::7", Reachable,
			"web:eth0 → veth-web → br-1a2b3c4d5e6f → routing → FORWARD: ACCEPT → MASQUERADE as 2001:db8:ffff::2 → eth0 → outside", "masqueraded"},
		{"web", "fd00:db8:1::3", Reachable,
			"web:eth0 → veth-web → br-1a2b3c4d5e6f → veth-web2 → web2:eth0", "same bridge network"}, // no bridge-nf-call-ip6tables
		{"2001:db8::7", "[2001:db8:ffff::2]:8080", Reachable,
			"2001:db8::7 → eth0 → DNAT [fd00:db8:1::2]:80 → FORWARD: ACCEPT → br-1a2b3c4d5e6f → veth-web → web:eth0", "DNAT to [fd00:db8:1::2]:80 (web)"},
		{"2001:db8::7", "[fd00:db8:1::3]:22", Blocked,
			"2001:db8::7 → eth0 → FORWARD → DOCKER: DROP", "dropped by DOCKER"},
		{"c0", "2001:db8::7", Blocked, "c0", "c0 has no route to 2001:db8::7"},
	})
	off := func(t *testing.T) *topo.Snapshot {
		s := host28v6(t)
		s.Sysctls[topo.SysctlIPv6Forward] = "0"
		return s
	}
	checkPaths(t, off, []pathCase{
		{"web", "2001:db8::7", Blocked, "web:eth0 → veth-web → br-1a2b3c4d5e6f → routing → routing", "does not forward IPv6 packets"},
	})
}
