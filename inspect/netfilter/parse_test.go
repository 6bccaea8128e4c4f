package netfilter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/topo"
)

func parseFile(t *testing.T, name string) *topo.RuleSet {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	tables, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &topo.RuleSet{Tables: tables}
}

func chain(t *testing.T, rs *topo.RuleSet, table, name string) *topo.Chain {
	t.Helper()
	c, ok := rs.Chain(table, name)
	if !ok {
		t.Fatalf("no chain %s/%s", table, name)
	}
	return c
}

func TestParseRecorded(t *testing.T) {
	for _, tc := range []struct {
		file      string
		tables    []string
		forward   string // FORWARD policy
		docker    bool
		check     func(t *testing.T, rs *topo.RuleSet)
		nFwdRules int
	}{
		{
			// Captured with iptables-save on Docker 20.10 and iptables 1.8.9 (nf_tables).
			file: "docker20-nft.v4", tables: []string{"filter", "nat"}, forward: "DROP", docker: true, nFwdRules: 34,
			check: func(t *testing.T, rs *topo.RuleSet) {
				dnat := chain(t, rs, "nat", "DOCKER").Rules
				last := dnat[len(dnat)-1]
				want := topo.Rule{Raw: "! -i br-48010afca36c -p tcp -m tcp --dport 8443 -j DNAT --to-destination 172.31.0.42:443",
					In: "!br-48010afca36c", Protocol: "tcp", DPort: "8443", Target: "DNAT", ToDestination: "172.31.0.42:443"}
				if last != want {
					t.Errorf("DNAT rule\n got %+v\nwant %+v", last, want)
				}
				post := chain(t, rs, "nat", "POSTROUTING").Rules[0]
				if post.Source != "172.31.0.0/24" || post.Out != "!br-48010afca36c" || post.Target != "MASQUERADE" {
					t.Errorf("MASQUERADE rule %+v", post)
				}
				ct := chain(t, rs, "filter", "FORWARD").Rules[2]
				if ct.CTState != "RELATED,ESTABLISHED" || ct.Out != "br-48010afca36c" || ct.Target != "ACCEPT" || ct.Other {
					t.Errorf("conntrack rule %+v", ct)
				}
				pre := chain(t, rs, "nat", "PREROUTING").Rules[0]
				if pre.DstType != "LOCAL" || pre.Target != "DOCKER" {
					t.Errorf("PREROUTING rule %+v", pre)
				}
			},
		},
		{
			// Docker 25-27 layout, written from what those versions' bridge
			// driver programs (not captured), as iptables-legacy 1.8.7 prints
			// it (nat first, no backend in the header), for the gallery
			// host's networks: per
			// bridge rules still in FORWARD, explicit RETURNs at the end of
			// DOCKER-USER and both isolation chains, "backend" created with
			// enable_icc=false (its DROP appended last), and an internal
			// network whose drops are at the top of STAGE-1 and which has no
			// isolation jump, MASQUERADE or nat RETURN.
			file: "docker27-legacy.v4", tables: []string{"nat", "filter"}, forward: "DROP", docker: true, nFwdRules: 15,
			check: func(t *testing.T, rs *topo.RuleSet) {
				if u := chain(t, rs, "filter", "DOCKER-USER").Rules; len(u) != 1 || u[0].Target != "RETURN" || u[0].Raw != "-j RETURN" {
					t.Errorf("DOCKER-USER %+v", u)
				}
				fwd := chain(t, rs, "filter", "FORWARD").Rules
				icc := fwd[len(fwd)-1]
				if icc.In != "br-backend" || icc.Out != "br-backend" || icc.Target != "DROP" || icc.Other {
					t.Errorf("icc=false rule %+v", icc)
				}
				if in := fwd[2]; in.In != "br-9f8e7d6c5b4a" || in.Out != "br-9f8e7d6c5b4a" || in.Target != "ACCEPT" {
					t.Errorf("internal network's own traffic %+v", in)
				}
				iso := chain(t, rs, "filter", "DOCKER-ISOLATION-STAGE-1").Rules
				if iso[0].Source != "!172.19.0.0/16" || iso[0].Out != "br-9f8e7d6c5b4a" || iso[0].Target != "DROP" ||
					iso[1].Dest != "!172.19.0.0/16" || iso[1].In != "br-9f8e7d6c5b4a" || iso[1].Target != "DROP" {
					t.Errorf("internal network drops %+v %+v", iso[0], iso[1])
				}
				if last := iso[len(iso)-1]; last.Target != "RETURN" || last.Raw != "-j RETURN" {
					t.Errorf("STAGE-1 ends with %+v", last)
				}
				acc := chain(t, rs, "filter", "DOCKER").Rules[0]
				if acc.Dest != "172.17.0.2/32" || acc.In != "!docker0" || acc.Out != "docker0" || acc.Protocol != "tcp" || acc.DPort != "80" || acc.Target != "ACCEPT" {
					t.Errorf("published port ACCEPT %+v", acc)
				}
				nat := chain(t, rs, "nat", "DOCKER").Rules
				want := topo.Rule{Raw: "! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80",
					In: "!docker0", Protocol: "tcp", DPort: "8080", Target: "DNAT", ToDestination: "172.17.0.2:80"}
				if len(nat) != 4 || nat[3] != want || nat[0].In != "br-backend" || nat[0].Target != "RETURN" {
					t.Errorf("nat DOCKER %+v", nat)
				}
				var masq []string
				for _, r := range chain(t, rs, "nat", "POSTROUTING").Rules {
					if r.Target == "MASQUERADE" {
						masq = append(masq, r.Source+" "+r.Out)
					}
				}
				if strings.Join(masq, ",") != "172.30.0.0/24 !br-backend,172.20.0.0/16 !br-edf6ad18f54c,172.17.0.0/16 !docker0,172.17.0.2/32 " {
					t.Errorf("MASQUERADE rules %q", masq)
				}
				hairpin := chain(t, rs, "nat", "POSTROUTING").Rules[3]
				if hairpin.Dest != "172.17.0.2/32" || hairpin.DPort != "80" {
					t.Errorf("hairpin MASQUERADE %+v", hairpin)
				}
				if out := chain(t, rs, "nat", "OUTPUT").Rules[0]; out.Dest != "!127.0.0.0/8" || out.DstType != "LOCAL" || out.Target != "DOCKER" {
					t.Errorf("nat OUTPUT %+v", out)
				}
			},
		},
		{
			// Docker 28 layout (DOCKER-FORWARD, DOCKER-CT, DOCKER-BRIDGE, raw
			// PREROUTING drops, internal networks in STAGE-1), legacy backend.
			file: "docker28-legacy.v4", tables: []string{"raw", "filter", "nat"}, forward: "DROP", docker: true, nFwdRules: 2,
			check: func(t *testing.T, rs *topo.RuleSet) {
				user := chain(t, rs, "filter", "DOCKER-USER").Rules[0]
				if user.Source != "203.0.113.0/24" || user.Target != "REJECT" || user.Other {
					t.Errorf("DOCKER-USER rule %+v", user)
				}
				iso := chain(t, rs, "filter", "DOCKER-ISOLATION-STAGE-1").Rules[2]
				if iso.Source != "!172.19.0.0/16" || iso.Out != "br-9f8e7d6c5b4a" || iso.Target != "DROP" {
					t.Errorf("internal network rule %+v", iso)
				}
				raw := chain(t, rs, "raw", "PREROUTING").Rules[0]
				if raw.Dest != "172.18.0.2/32" || raw.In != "!br-1a2b3c4d5e6f" || raw.Target != "DROP" {
					t.Errorf("raw rule %+v", raw)
				}
				udp := chain(t, rs, "nat", "DOCKER").Rules[1]
				if udp.Dest != "127.0.0.1/32" || udp.Protocol != "udp" || udp.DPort != "5353" || udp.ToDestination != "172.18.0.2:53" {
					t.Errorf("udp DNAT %+v", udp)
				}
			},
		},
		{
			file: "docker28-nft.v6", tables: []string{"filter", "nat"}, forward: "DROP", docker: true, nFwdRules: 2,
			check: func(t *testing.T, rs *topo.RuleSet) {
				d := chain(t, rs, "nat", "DOCKER").Rules[0]
				if d.ToDestination != "[fd00:db8:1::2]:80" {
					t.Errorf("v6 DNAT %+v", d)
				}
			},
		},
		{file: "ufw-nft.v4", tables: []string{"filter"}, forward: "DROP", nFwdRules: 2,
			check: func(t *testing.T, rs *topo.RuleSet) {
				if r := chain(t, rs, "filter", "FORWARD").Rules[1]; !r.Other || r.Target != "DROP" {
					t.Errorf("ipset rule must be marked other: %+v", r)
				}
			}},
		{file: "empty-legacy.v4"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			rs := parseFile(t, tc.file)
			var names []string
			for _, tb := range rs.Tables {
				names = append(names, tb.Name)
			}
			if strings.Join(names, ",") != strings.Join(tc.tables, ",") {
				t.Errorf("tables %v, want %v", names, tc.tables)
			}
			if rs.HasDocker() != tc.docker {
				t.Errorf("HasDocker %v", rs.HasDocker())
			}
			if tc.forward != "" {
				f := chain(t, rs, "filter", "FORWARD")
				if f.Policy != tc.forward || len(f.Rules) != tc.nFwdRules {
					t.Errorf("FORWARD policy %q with %d rules, want %q with %d", f.Policy, len(f.Rules), tc.forward, tc.nFwdRules)
				}
				if d, ok := rs.Chain("filter", "DOCKER"); ok && d.Policy != "" {
					t.Errorf("user chain with policy %q", d.Policy)
				}
			}
			if tc.check != nil {
				tc.check(t, rs)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"-A FORWARD -j DROP\n",         // rule outside a table
		"*filter\n:FORWARD DROP\n-A\n", // no chain
		"*filter\n-A X -m comment --comment \"open\n",
		"COMMIT\n",
		"*\n",
		"*filter\nrubbish\n",
	} {
		if _, err := Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%q): no error", in)
		}
	}
}

func TestBackendOfVersion(t *testing.T) {
	for in, want := range map[string]string{
		"iptables v1.8.9 (nf_tables)\n": topo.BackendNft,
		"iptables v1.8.7 (legacy)\n":    topo.BackendLegacy,
		"iptables v1.6.1\n":             topo.BackendLegacy,
		"":                              "",
	} {
		if got := BackendOfVersion(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// FuzzParse: any input either parses or gives an error; never a panic, and
// every rule lands in a declared table.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.v[46]")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("*filter\n-A X ! -i \"a b\" \\\" -j\n"))
	f.Add([]byte("*nat\n:DOCKER -\n-A DOCKER ! ! -p\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tables, err := Parse(data)
		if err != nil {
			return
		}
		for _, tb := range tables {
			if tb.Name == "" {
				t.Fatal("table without a name")
			}
			for _, c := range tb.Chains {
				if c.Name == "" {
					t.Fatal("chain without a name")
				}
			}
		}
	})
}
