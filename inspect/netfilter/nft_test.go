package netfilter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/topo"
)

func parseNftFile(t *testing.T, name string) []topo.NftTable {
	t.Helper()
	tables, err := ParseNft([]byte(recorded(t, name)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tables
}

func nftChain(t *testing.T, tables []topo.NftTable, family, table, chain string) *topo.NftChain {
	t.Helper()
	for i := range tables {
		if tables[i].Family != family || tables[i].Name != table {
			continue
		}
		for j := range tables[i].Chains {
			if tables[i].Chains[j].Name == chain {
				return &tables[i].Chains[j]
			}
		}
	}
	t.Fatalf("no chain %s %s %s", family, table, chain)
	return nil
}

// The files are nft's own output (see testdata/record-nft.sh).
func TestParseNftRecorded(t *testing.T) {
	t.Run("debian", func(t *testing.T) {
		tables := parseNftFile(t, "nft-debian-forward-drop.json")
		var names []string
		for _, tb := range tables {
			names = append(names, tb.Family+" "+tb.Name)
		}
		if want := []string{"ip filter", "ip nat", "inet filter"}; !slices.Equal(names, want) {
			t.Errorf("tables %q, want %q", names, want)
		}
		fwd := nftChain(t, tables, "inet", "filter", "forward")
		if fwd.Type != "filter" || fwd.Hook != "forward" || fwd.Priority != 0 || fwd.Policy != "DROP" || len(fwd.Rules) != 0 {
			t.Errorf("forward %+v", fwd)
		}
		// Debian's input chain has no policy: nft's default, accept.
		if in := nftChain(t, tables, "inet", "filter", "input"); in.Policy != "ACCEPT" {
			t.Errorf("input policy %q", in.Policy)
		}
		// iptables-nft's own chain, as nft shows it: xt matches are Other.
		pre := nftChain(t, tables, "ip", "nat", "PREROUTING")
		if pre.Priority != -100 || len(pre.Rules) != 1 || pre.Rules[0].Target != "DOCKER" {
			t.Errorf("nat PREROUTING %+v", pre)
		}
		if user := nftChain(t, tables, "ip", "filter", "DOCKER-USER"); user.Base() {
			t.Errorf("DOCKER-USER is a regular chain: %+v", user)
		}
	})
	t.Run("accepts docker", func(t *testing.T) {
		tables := parseNftFile(t, "nft-forward-accepts-docker.json")
		fwd := nftChain(t, tables, "inet", "filter", "forward").Rules
		want := []topo.Rule{
			// A verdict map: one rule per element.
			{Raw: "ct state vmap { invalid : drop, established : accept, related : accept }", CTState: "INVALID", Target: "DROP"},
			{Raw: "ct state vmap { invalid : drop, established : accept, related : accept }", CTState: "ESTABLISHED", Target: "ACCEPT"},
			{Raw: "ct state vmap { invalid : drop, established : accept, related : accept }", CTState: "RELATED", Target: "ACCEPT"},
			{Raw: `iifname "docker0" accept`, In: "docker0", Target: "ACCEPT"},
			{Raw: `oifname "docker0" accept`, Out: "docker0", Target: "ACCEPT"},
			// A named set: its elements.
			{Raw: "iifname @docker_bridges accept", In: "br-nvtest", Target: "ACCEPT"},
			// nft's wildcard is iptables' +.
			{Raw: `iifname "br-*" oifname != "br-*" jump docker-out`, In: "br-+", Out: "!br-+", Target: "docker-out"},
			{Raw: "ip saddr 192.0.2.0/24 reject", Source: "192.0.2.0/24", Target: "REJECT"},
		}
		for i := range fwd {
			fwd[i].Handle = 0
		}
		if !slices.Equal(fwd, want) {
			t.Errorf("forward rules\n got %+v\nwant %+v", fwd, want)
		}
		in := nftChain(t, tables, "inet", "filter", "input").Rules
		if len(in) != 5 || in[2].DPort != "22" || in[3].DPort != "443" || in[3].Protocol != "tcp" {
			t.Errorf("an anonymous set of ports is one rule per port: %+v", in)
		}
		if r := in[4]; !r.Other || r.Protocol != "icmp" || r.Target != "ACCEPT" {
			t.Errorf("limit is not modelled: %+v", r)
		}
		if r := nftChain(t, tables, "inet", "filter", "docker-out").Rules[0]; r.Protocol != "tcp" || r.DPort != "25" || r.Target != "DROP" || r.Handle == 0 {
			t.Errorf("docker-out %+v", r)
		}
	})
	t.Run("docker 29", func(t *testing.T) {
		tables := parseNftFile(t, "nft-docker29.json")
		fwd := nftChain(t, tables, "ip", "docker-bridges", "filter-FORWARD")
		var outs []string
		for _, r := range fwd.Rules {
			outs = append(outs, r.In+">"+r.Out+":"+r.Target)
		}
		want := []string{">docker0:filter-forward-in__docker0", ">br-nvtest:filter-forward-in__br-nvtest",
			"docker0>:filter-forward-out__docker0", "br-nvtest>:filter-forward-out__br-nvtest"}
		if !slices.Equal(outs, want) {
			t.Errorf("filter-FORWARD expands its verdict maps to %q, want %q", outs, want)
		}
		dnat := nftChain(t, tables, "ip", "docker-bridges", "nat-prerouting-and-output").Rules[0]
		if dnat.Target != "DNAT" || dnat.ToDestination != "10.99.0.2:80" || dnat.DPort != "8080" || dnat.In != "!br-nvtest" || dnat.Other {
			t.Errorf("DNAT %+v", dnat)
		}
		if raw := nftChain(t, tables, "ip", "docker-bridges", "raw-PREROUTING"); raw.Priority != -300 || raw.Rules[0].Dest != "10.99.0.2" {
			t.Errorf("raw-PREROUTING %+v", raw)
		}
	})
}

func TestParseNftErrors(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `{}`, `{"nftables": 1}`,
		`{"nftables": [{"table": {"family": "ip"}}]}`,
		`{"nftables": [{"chain": {"family": "ip", "table": "t", "name": "c"}}]}`,
		`{"nftables": [{"table": {"family": "ip", "name": "t"}}, {"rule": {"family": "ip", "table": "t", "chain": "c", "expr": []}}]}`,
		`{"nftables": [{"table": {"family": "ip", "name": "t"}}, {"table": {"family": "ip", "name": "t"}}]}`,
	} {
		if _, err := ParseNft([]byte(in)); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
	if tables, err := ParseNft([]byte(`{"nftables": [{"metainfo": {"version": "1.0.6"}}]}`)); err != nil || len(tables) != 0 {
		t.Errorf("an empty rule set: %v %v", tables, err)
	}
}

// Unknown expressions and shapes make a rule Other, never an error.
func TestParseNftUnknownExpressions(t *testing.T) {
	in := `{"nftables": [{"table": {"family": "inet", "name": "t"}},
	{"chain": {"family": "inet", "table": "t", "name": "c", "type": "filter", "hook": "forward", "prio": "filter", "policy": "drop"}},
	{"rule": {"family": "inet", "table": "t", "chain": "c", "handle": 3, "expr": [
		{"match": {"op": "==", "left": {"meta": {"key": "mark"}}, "right": 1}}, {"accept": null}]}},
	{"rule": {"family": "inet", "table": "t", "chain": "c", "handle": 4, "expr": [
		{"match": {"op": "!=", "left": {"meta": {"key": "iifname"}}, "right": {"set": ["a", "b"]}}}, {"goto": {"target": "x"}}]}},
	{"rule": {"family": "inet", "table": "t", "chain": "c", "handle": 5, "expr": [{"queue": {"num": 1}}]}}]}`
	tables, err := ParseNft([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	c := tables[0].Chains[0]
	if c.Priority != 0 || c.Policy != "DROP" || len(c.Rules) != 3 {
		t.Fatalf("chain %+v", c)
	}
	for _, r := range c.Rules {
		if !r.Other {
			t.Errorf("rule %q is not Other", r.Raw)
		}
	}
	if r := c.Rules[1]; r.Raw != `iifname != { "a", "b" } goto x` {
		t.Errorf("raw %q", r.Raw)
	}
}

func TestFirewallReadsNativeNftables(t *testing.T) {
	fr := &fakeRunner{out: map[string]string{
		"iptables":          "iptables v1.8.9 (nf_tables)\n",
		"iptables-nft-save": recorded(t, "docker20-nft.v4"),
		"nft":               recorded(t, "nft-debian-forward-drop.json"),
	}}
	fw, warns, err := New(Options{Runner: fr}).Firewall(context.Background())
	if err != nil || len(warns) != 0 {
		t.Fatalf("err %v warnings %v", err, warns)
	}
	// ip filter and ip nat are iptables-nft's: read once, by iptables-nft-save.
	if len(fw.Nftables) != 1 || fw.Nftables[0].Family != "inet" || fw.Nftables[0].Name != "filter" {
		t.Fatalf("native tables %+v", fw.Nftables)
	}
	if fw.DockerBackend != topo.BackendNft {
		t.Errorf("docker backend %q", fw.DockerBackend)
	}
	if !slices.Contains(fr.calls, "/usr/sbin/nft -j list ruleset") {
		t.Errorf("calls %q", fr.calls)
	}

	// Without iptables-nft-save, nft's view of iptables-nft's tables is all there is.
	fr = &fakeRunner{out: map[string]string{"nft": recorded(t, "nft-debian-forward-drop.json")}}
	fw, _, _ = New(Options{Runner: fr}).Firewall(context.Background())
	if len(fw.Nftables) != 3 {
		t.Errorf("without iptables-nft-save: %d native tables, want 3", len(fw.Nftables))
	}
}

func TestFirewallDockerNftablesBackend(t *testing.T) {
	fr := &fakeRunner{out: map[string]string{
		"iptables":          "iptables v1.8.9 (nf_tables)\n",
		"iptables-nft-save": recorded(t, "empty-legacy.v4"),
		"nft":               recorded(t, "nft-docker29.json"),
	}}
	fw, _, err := New(Options{Runner: fr}).Firewall(context.Background())
	if err != nil || fw.DockerBackend != topo.BackendNftables || len(fw.Nftables) != 2 {
		t.Fatalf("err %v docker backend %q, %d native tables", err, fw.DockerBackend, len(fw.Nftables))
	}
}

func TestFirewallNftDeniedOrBroken(t *testing.T) {
	fr := &fakeRunner{out: map[string]string{"iptables-legacy-save": ""},
		fail: map[string]error{
			"iptables-nft-save": errors.New("iptables-nft-save: exit status 4: Permission denied (you must be root)"),
			"nft":               errors.New("nft: exit status 1: netlink: Error: cache initialization failed: Operation not permitted"),
		}}
	_, warns, err := New(Options{Runner: fr}).Firewall(context.Background())
	if err != nil || len(warns) != 1 || warns[0].Code != "firewall-denied" || warns[0].Subject != "iptables-nft-save,nft" {
		t.Fatalf("err %v warnings %+v", err, warns)
	}
	fr = &fakeRunner{out: map[string]string{"iptables-legacy-save": "", "nft": "not json"}}
	_, warns, _ = New(Options{Runner: fr}).Firewall(context.Background())
	if len(warns) != 1 || warns[0].Code != "firewall-unreadable" || warns[0].Subject != "nft" || !strings.Contains(warns[0].Message, "cannot parse") {
		t.Fatalf("warnings %+v", warns)
	}
}

func FuzzParseNft(f *testing.F) {
	// Run with -fuzzminimizetime=100x: minimizing each new input of a few
	// kB for the default minute stalls the fuzzer.
	for _, name := range []string{"nft-debian-forward-drop.json", "nft-forward-accepts-docker.json", "nft-docker29.json"} {
		var b bytes.Buffer
		if err := json.Compact(&b, []byte(recorded(f, name))); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tables, err := ParseNft(data)
		if err != nil {
			return
		}
		for _, tb := range tables {
			for _, c := range tb.Chains {
				if c.Name == "" || (c.Base() && c.Policy == "") {
					t.Fatalf("chain %+v", c)
				}
			}
		}
	})
}
