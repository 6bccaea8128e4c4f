package firewall

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/topo"
)

func TestEvaluateNftables(t *testing.T) {
	ip := netip.MustParseAddr
	fw := topo.Firewall{Nftables: append(fwtest.Native(t, "nft-docker29.json"), fwtest.Native(t, "nft-forward-accepts-docker.json")...)}
	d29, _ := fw.Nftable("ip", "docker-bridges")
	acc, _ := fw.Nftable("inet", "filter")
	for _, tc := range []struct {
		name          string
		table         *topo.NftTable
		chain         string
		p             Packet
		verdict, from string
		uncertain     bool
	}{
		{"docker 29: out to the world", d29, "filter-FORWARD",
			Packet{In: "br-nvtest", Out: "eth0", Src: ip("10.99.0.2"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443, CTState: "NEW"},
			"ACCEPT", "filter-forward-out__br-nvtest", false},
		{"docker 29: published port", d29, "filter-FORWARD",
			Packet{In: "eth0", Out: "br-nvtest", Src: ip("198.51.100.7"), Dst: ip("10.99.0.2"), Protocol: "tcp", DPort: 80, CTState: "NEW"},
			"ACCEPT", "filter-forward-in__br-nvtest", false},
		{"docker 29: unpublished port", d29, "filter-FORWARD",
			Packet{In: "eth0", Out: "br-nvtest", Src: ip("198.51.100.7"), Dst: ip("10.99.0.2"), Protocol: "tcp", DPort: 22, CTState: "NEW"},
			"DROP", "filter-forward-in__br-nvtest", false},
		{"docker 29: DNAT", d29, "nat-PREROUTING",
			Packet{In: "eth0", Src: ip("198.51.100.7"), Dst: ip("192.0.2.10"), Protocol: "tcp", DPort: 8080, CTState: "NEW", DstLocal: true},
			"DNAT", "nat-prerouting-and-output", false},
		{"host firewall: docker0 out", acc, "forward",
			Packet{In: "docker0", Out: "eth0", Src: ip("172.17.0.2"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443, CTState: "NEW"},
			"ACCEPT", "forward", false},
		{"host firewall: a set of bridges", acc, "forward",
			Packet{In: "br-nvtest", Out: "eth0", Src: ip("10.99.0.2"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443, CTState: "NEW"},
			"ACCEPT", "forward", false},
		{"host firewall: jump, then drop", acc, "forward",
			Packet{In: "br-other", Out: "eth0", Src: ip("10.98.0.2"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 25, CTState: "NEW"},
			"DROP", "docker-out", false},
		{"host firewall: policy", acc, "forward",
			Packet{In: "eth1", Out: "eth0", Src: ip("10.1.0.2"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443, CTState: "NEW"},
			"DROP", "forward", false},
		{"host firewall: reject", acc, "forward",
			Packet{In: "eth1", Out: "eth0", Src: ip("192.0.2.9"), Dst: ip("198.51.100.7"), Protocol: "tcp", DPort: 443, CTState: "NEW"},
			"REJECT", "forward", false},
		{"host firewall: a limit passed over", acc, "input",
			Packet{In: "eth0", Src: ip("198.51.100.7"), Dst: ip("192.0.2.10"), Protocol: "icmp", CTState: "NEW", DstLocal: true},
			"DROP", "input", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := EvaluateNft(tc.table, tc.chain, tc.p)
			if d.Verdict != tc.verdict || d.Chain != tc.from || d.Uncertain != tc.uncertain {
				t.Errorf("got %s in %s (uncertain %v), want %s in %s (uncertain %v)", d.Verdict, d.Chain, d.Uncertain, tc.verdict, tc.from, tc.uncertain)
			}
		})
	}
}

func TestHookChains(t *testing.T) {
	fw := topo.Firewall{Nftables: []topo.NftTable{
		{Family: "inet", Name: "late", Chains: []topo.NftChain{{Chain: topo.Chain{Name: "fwd", Policy: "ACCEPT"}, Type: "filter", Hook: "forward", Priority: 10}}},
		{Family: "ip6", Name: "v6", Chains: []topo.NftChain{{Chain: topo.Chain{Name: "fwd", Policy: "DROP"}, Type: "filter", Hook: "forward"}}},
		{Family: "bridge", Name: "br", Chains: []topo.NftChain{{Chain: topo.Chain{Name: "fwd", Policy: "DROP"}, Type: "filter", Hook: "forward"}}},
		{Family: "ip", Name: "early", Chains: []topo.NftChain{
			{Chain: topo.Chain{Name: "in", Policy: "DROP"}, Type: "filter", Hook: "input"},
			{Chain: topo.Chain{Name: "fwd", Policy: "DROP"}, Type: "filter", Hook: "forward", Priority: -5},
			{Chain: topo.Chain{Name: "helper"}},
		}},
	}}
	var got []string
	for _, h := range HookChains(&fw, "filter", "forward", 4) {
		got = append(got, h.Label())
	}
	if want := []string{"nftables ip early fwd", "nftables inet late fwd"}; !slices.Equal(got, want) {
		t.Errorf("IPv4 forward chains %q, want %q", got, want)
	}
	if n := len(HookChains(&fw, "filter", "forward", 6)); n != 2 {
		t.Errorf("IPv6 forward chains: %d, want 2 (inet and ip6)", n)
	}
}
