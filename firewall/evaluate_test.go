package firewall

import (
	"net/netip"
	"strconv"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/topo"
)

func recordedRules(t *testing.T, name string) *topo.RuleSet {
	return &topo.RuleSet{Tables: fwtest.Tables(t, name)}
}

func TestEvaluateDockerChains(t *testing.T) {
	ip := netip.MustParseAddr
	d20 := recordedRules(t, "docker20-nft.v4")
	d27 := recordedRules(t, "docker27-legacy.v4")
	d28 := recordedRules(t, "docker28-legacy.v4")
	for _, tc := range []struct {
		name          string
		rs            *topo.RuleSet
		table, chain  string
		p             Packet
		verdict, from string
	}{
		{"20.10 same bridge", d20, "filter", "FORWARD",
			Packet{In: "docker0", Out: "docker0", Src: ip("172.17.0.2"), Dst: ip("172.17.0.3"), Protocol: "tcp", DPort: 80, CTState: "NEW"}, "ACCEPT", "FORWARD"},
		{"20.10 bridge to bridge", d20, "filter", "FORWARD",
			Packet{In: "docker0", Out: "br-48010afca36c", Src: ip("172.17.0.2"), Dst: ip("172.31.0.42"), Protocol: "tcp", DPort: 443, CTState: "NEW"}, "DROP", "DOCKER-ISOLATION-STAGE-2"},
		{"20.10 out to the world", d20, "filter", "FORWARD",
			Packet{In: "docker0", Out: "eth0", Src: ip("172.17.0.2"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443, CTState: "NEW"}, "ACCEPT", "FORWARD"},
		{"20.10 in from the world, unpublished", d20, "filter", "FORWARD",
			Packet{In: "eth0", Out: "docker0", Src: ip("198.51.100.7"), Dst: ip("172.17.0.2"), Protocol: "tcp", DPort: 22, CTState: "NEW"}, "DROP", "FORWARD"},
		{"20.10 in from the world, published", d20, "filter", "FORWARD",
			Packet{In: "eth0", Out: "docker0", Src: ip("198.51.100.7"), Dst: ip("172.17.0.2"), Protocol: "tcp", DPort: 80, CTState: "NEW"}, "ACCEPT", "DOCKER"},
		{"20.10 DNAT", d20, "nat", "PREROUTING",
			Packet{In: "eth0", Src: ip("198.51.100.7"), Dst: ip("192.0.2.2"), Protocol: "tcp", DPort: 8080, CTState: "NEW", DstLocal: true}, "DNAT", "DOCKER"},
		{"20.10 masquerade", d20, "nat", "POSTROUTING",
			Packet{In: "docker0", Out: "eth0", Src: ip("172.17.0.2"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443}, "MASQUERADE", "POSTROUTING"},
		{"27 same bridge", d27, "filter", "FORWARD",
			Packet{In: "docker0", Out: "docker0", Src: ip("172.17.0.2"), Dst: ip("172.17.0.3"), Protocol: "tcp", DPort: 80, CTState: "NEW"}, "ACCEPT", "FORWARD"},
		{"27 same bridge, icc=false", d27, "filter", "FORWARD",
			Packet{In: "br-backend", Out: "br-backend", Src: ip("172.30.0.2"), Dst: ip("172.30.0.3"), Protocol: "tcp", DPort: 5432, CTState: "NEW"}, "DROP", "FORWARD"},
		{"27 bridge to bridge", d27, "filter", "FORWARD",
			Packet{In: "docker0", Out: "br-backend", Src: ip("172.17.0.2"), Dst: ip("172.30.0.3"), Protocol: "tcp", DPort: 5432, CTState: "NEW"}, "DROP", "DOCKER-ISOLATION-STAGE-2"},
		{"27 icc=false network out to the world", d27, "filter", "FORWARD",
			Packet{In: "br-backend", Out: "eth0", Src: ip("172.30.0.3"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443, CTState: "NEW"}, "ACCEPT", "FORWARD"},
		{"27 reply from the world", d27, "filter", "FORWARD",
			Packet{In: "eth0", Out: "br-edf6ad18f54c", Src: ip("198.51.100.7"), Dst: ip("172.20.0.2"), Protocol: "tcp", DPort: 40000, CTState: "ESTABLISHED"}, "ACCEPT", "FORWARD"},
		{"27 internal network out", d27, "filter", "FORWARD",
			Packet{In: "br-9f8e7d6c5b4a", Out: "eth0", Src: ip("172.19.0.2"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443, CTState: "NEW"}, "DROP", "DOCKER-ISOLATION-STAGE-1"},
		{"27 internal network, same bridge", d27, "filter", "FORWARD",
			Packet{In: "br-9f8e7d6c5b4a", Out: "br-9f8e7d6c5b4a", Src: ip("172.19.0.2"), Dst: ip("172.19.0.3"), Protocol: "tcp", DPort: 80, CTState: "NEW"}, "ACCEPT", "FORWARD"},
		{"27 published", d27, "filter", "FORWARD",
			Packet{In: "eth0", Out: "docker0", Src: ip("198.51.100.7"), Dst: ip("172.17.0.2"), Protocol: "tcp", DPort: 80, CTState: "NEW"}, "ACCEPT", "DOCKER"},
		{"27 unpublished", d27, "filter", "FORWARD",
			Packet{In: "eth0", Out: "docker0", Src: ip("198.51.100.7"), Dst: ip("172.17.0.2"), Protocol: "tcp", DPort: 22, CTState: "NEW"}, "DROP", "FORWARD"},
		{"27 DNAT", d27, "nat", "PREROUTING",
			Packet{In: "eth0", Src: ip("198.51.100.7"), Dst: ip("192.0.2.2"), Protocol: "tcp", DPort: 8080, CTState: "NEW", DstLocal: true}, "DNAT", "DOCKER"},
		{"27 no DNAT from the container's own bridge", d27, "nat", "PREROUTING",
			Packet{In: "docker0", Src: ip("172.17.0.3"), Dst: ip("192.0.2.2"), Protocol: "tcp", DPort: 8080, CTState: "NEW", DstLocal: true}, "ACCEPT", "PREROUTING"},
		{"27 masquerade", d27, "nat", "POSTROUTING",
			Packet{In: "br-backend", Out: "eth0", Src: ip("172.30.0.3"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443}, "MASQUERADE", "POSTROUTING"},
		{"27 internal network is not masqueraded", d27, "nat", "POSTROUTING",
			Packet{In: "br-9f8e7d6c5b4a", Out: "eth0", Src: ip("172.19.0.2"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443}, "ACCEPT", "POSTROUTING"},
		{"28 same bridge", d28, "filter", "FORWARD",
			Packet{In: "br-1a2b3c4d5e6f", Out: "br-1a2b3c4d5e6f", Src: ip("172.18.0.2"), Dst: ip("172.18.0.3"), Protocol: "tcp", DPort: 80, CTState: "NEW"}, "ACCEPT", "DOCKER-FORWARD"},
		{"28 out to the world", d28, "filter", "FORWARD",
			Packet{In: "br-1a2b3c4d5e6f", Out: "eth0", Src: ip("172.18.0.2"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443, CTState: "NEW"}, "ACCEPT", "DOCKER-FORWARD"},
		{"28 reply from the world", d28, "filter", "FORWARD",
			Packet{In: "eth0", Out: "br-1a2b3c4d5e6f", Src: ip("198.51.100.7"), Dst: ip("172.18.0.2"), Protocol: "tcp", DPort: 40000, CTState: "ESTABLISHED"}, "ACCEPT", "DOCKER-CT"},
		{"28 unpublished, dropped in DOCKER", d28, "filter", "FORWARD",
			Packet{In: "eth0", Out: "br-1a2b3c4d5e6f", Src: ip("198.51.100.7"), Dst: ip("172.18.0.2"), Protocol: "tcp", DPort: 22, CTState: "NEW"}, "DROP", "DOCKER"},
		{"28 straight to a container's address", d28, "raw", "PREROUTING",
			Packet{In: "eth0", Src: ip("198.51.100.7"), Dst: ip("172.18.0.2"), Protocol: "tcp", DPort: 80}, "DROP", "PREROUTING"},
		{"28 internal network out", d28, "filter", "FORWARD",
			Packet{In: "br-9f8e7d6c5b4a", Out: "eth0", Src: ip("172.19.0.2"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443, CTState: "NEW"}, "DROP", "DOCKER-ISOLATION-STAGE-1"},
		{"28 DOCKER-USER reject", d28, "filter", "FORWARD",
			Packet{In: "eth0", Out: "br-1a2b3c4d5e6f", Src: ip("203.0.113.9"), Dst: ip("172.18.0.2"), Protocol: "tcp", DPort: 80, CTState: "NEW"}, "REJECT", "DOCKER-USER"},
		{"28 published", d28, "filter", "FORWARD",
			Packet{In: "eth0", Out: "br-1a2b3c4d5e6f", Src: ip("198.51.100.7"), Dst: ip("172.18.0.2"), Protocol: "tcp", DPort: 80, CTState: "NEW"}, "ACCEPT", "DOCKER"},
		{"28 bridge to bridge", d28, "filter", "FORWARD",
			Packet{In: "docker0", Out: "br-1a2b3c4d5e6f", Src: ip("172.17.0.2"), Dst: ip("172.18.0.2"), Protocol: "tcp", DPort: 80, CTState: "NEW"}, "DROP", "DOCKER-ISOLATION-STAGE-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Evaluate(tc.rs, tc.table, tc.chain, tc.p)
			if d.Verdict != tc.verdict || d.Chain != tc.from || d.Uncertain {
				t.Errorf("got %s in %s (uncertain %v, rule %+v), want %s in %s", d.Verdict, d.Chain, d.Uncertain, d.Rule, tc.verdict, tc.from)
			}
		})
	}
}

func TestHostPort(t *testing.T) {
	for in, want := range map[string]string{"172.18.0.2:80": "172.18.0.2 80", "[fd00::2]:80": "fd00::2 80", "10.0.0.1": "10.0.0.1 0"} {
		a, p, ok := HostPort(in)
		if !ok || a.String()+" "+strconv.Itoa(p) != want {
			t.Errorf("%s: %v %d %v", in, a, p, ok)
		}
	}
}
