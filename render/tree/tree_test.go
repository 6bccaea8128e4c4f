package tree

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/topo"
)

// goldenText compares got with testdata/name, or rewrites it with -update.
func goldenText(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got)
}

func TestTreeGolden(t *testing.T) {
	type tc struct {
		fixture string
		filter  topo.Filter
		opt     Options
	}
	cases := map[string]tc{
		"full.color.tree.golden":     {fixture: "full", opt: Options{Color: true}},
		"full.ascii.tree.golden":     {fixture: "full", opt: Options{ASCII: true}},
		"full-backend.tree.golden":   {fixture: "full", filter: topo.Filter{Network: "backend"}},
		"full-sidecar.tree.golden":   {fixture: "full", filter: topo.Filter{Container: "web1-metrics"}},
		"full-macvlan.tree.golden":   {fixture: "full", filter: topo.Filter{Network: "macnet"}},
		"routed.color.tree.golden":   {fixture: "routed", opt: Options{Color: true}},
		"denied-web.tree.golden":     {fixture: "denied", filter: topo.Filter{Container: "web"}},
		"full-hostmode.tree.golden":  {fixture: "full", filter: topo.Filter{Container: "node-exporter"}},
		"full-stopped.tree.golden":   {fixture: "full", filter: topo.Filter{Container: "old-job"}},
		"full-nonemode.tree.golden":  {fixture: "full", filter: topo.Filter{Container: "batch"}},
		"full-multinet.tree.golden":  {fixture: "full", filter: topo.Filter{Container: "api"}},
		"full-dualstack.tree.golden": {fixture: "full", filter: topo.Filter{Network: "v6net"}},
	}
	for _, f := range rendertest.TextFixtures {
		cases[f+".tree.golden"] = tc{fixture: f}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s, err := c.filter.Apply(rendertest.Text(t, c.fixture))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := Write(&buf, s, c.opt); err != nil {
				t.Fatal(err)
			}
			golden.CheckText(t, buf.String(), c.opt.Color)
			goldenText(t, name, buf.Bytes())
		})
	}
}

func TestTreeShowsEveryContainerOnce(t *testing.T) {
	for _, f := range rendertest.TextFixtures {
		t.Run(f, func(t *testing.T) {
			s := rendertest.Text(t, f)
			var buf bytes.Buffer
			if err := Write(&buf, s, Options{}); err != nil {
				t.Fatal(err)
			}
			tree, _, _ := strings.Cut(buf.String(), "\nwarning:")
			words := strings.FieldsFunc(tree, func(r rune) bool {
				return strings.ContainsRune(" \n,:()", r)
			})
			for _, c := range s.Containers {
				n := 0
				for _, w := range words {
					if w == c.Name {
						n++
					}
				}
				// A container on several networks is on one line per link.
				want := max(1, countPairs(s, c.Name)+countSubs(c))
				if n != want {
					t.Errorf("container %q appears %d times, want %d", c.Name, n, want)
				}
			}
		})
	}
}

func countPairs(s *topo.Snapshot, container string) int {
	n := 0
	for _, p := range s.Pairs {
		if p.Container == container {
			n++
		}
	}
	return n
}

func countSubs(c topo.Container) int {
	n := 0
	for _, i := range c.Interfaces {
		if i.Kind == topo.KindMacvlan || i.Kind == topo.KindIpvlan {
			n++
		}
	}
	return n
}

func TestTreeHandmadeSnapshots(t *testing.T) {
	for name, s := range map[string]*topo.Snapshot{
		"zero": {},
		// Unsorted, with nil lists, as a caller might build it by hand; a
		// pair names a bridge the snapshot does not list.
		"unsorted": {
			Host: topo.Host{Hostname: "h", Uplink: "eth9"},
			Pairs: []topo.Pair{
				{HostInterface: "vethb", Bridge: "br9", Container: "b", ContainerInterface: "eth0"},
				{HostInterface: "vetha", Bridge: "br9", Container: "a", ContainerInterface: "eth0", Namespace: "ns-1", Verified: false},
			},
			Containers: []topo.Container{{Name: "b", State: "running"}, {Name: "a", State: "running"}},
		},
		// A lab trick: a host veth as macvlan parent, so no NIC is needed.
		"veth-parent": {
			Host:       topo.Host{Hostname: "lab", Uplink: "eth0", Namespace: "ns-4026531840"},
			Interfaces: []topo.Interface{{Name: "mvparent0", Index: 35, Kind: topo.KindVeth, State: "down", MTU: 1500}},
			Pairs: []topo.Pair{{HostInterface: "mvparent0", HostIfindex: 35, Namespace: "ns-4026532990", NamespaceName: "demo-mvparent",
				ContainerInterface: "p0", ContainerIfindex: 2, MAC: "c6:7b:51:28:a9:73", Verified: true}},
			Containers: []topo.Container{{Name: "mv1", State: "running", NetworkMode: "macnet", Namespace: "ns-4026532704",
				Interfaces: []topo.Interface{{Name: "eth0", Index: 12, Kind: topo.KindMacvlan, Parent: "mvparent0", Network: "macnet",
					MAC: "02:42:c0:a8:32:02", Addresses: []string{"192.168.50.2/24"}}}}},
		},
		// Names the kernel allows and a terminal would obey.
		"hostile": {
			Host:    topo.Host{Hostname: "h", Uplink: "eth0"},
			Bridges: []topo.Bridge{{Name: "br\x1b[2J", Index: 3, Ports: []string{"veth\x1b]0;pwned\x07", "vethok"}}},
			Pairs: []topo.Pair{
				{HostInterface: "veth\x1b]0;pwned\x07", Bridge: "br\x1b[2J", Namespace: "ns-1", NamespaceName: "red\tteam\n", ContainerInterface: "eth0", IPv4: "10.0.0.2/24", Verified: true},
				{HostInterface: "vethok", Bridge: "br\x1b[2J", Namespace: "ns-2", NamespaceName: "blue", ContainerInterface: "eth0", IPv4: "10.0.0.3/24", Verified: true},
			},
			Warnings: []topo.Warning{{Code: "x", Subject: "\x1b[31m", Message: "line one\nline two"}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, s, Options{}); err != nil {
				t.Fatal(err)
			}
			golden.CheckText(t, buf.String(), false)
			goldenText(t, "handmade-"+name+".tree.golden", buf.Bytes())
		})
	}
	if err := Write(&bytes.Buffer{}, nil, Options{}); err == nil {
		t.Error("Write(nil) did not fail")
	}
}

func TestTreeColorFollowsKindNotName(t *testing.T) {
	// A container named like a bridge is still painted as a container.
	s := &topo.Snapshot{
		Host:       topo.Host{Hostname: "h"},
		Bridges:    []topo.Bridge{{Name: "docker0", Index: 3, Ports: []string{"veth1"}}},
		Containers: []topo.Container{{Name: "docker0", State: "running", Namespace: "ns-2"}},
		Pairs:      []topo.Pair{{HostInterface: "veth1", Bridge: "docker0", Container: "docker0", ContainerInterface: "eth0", Namespace: "ns-2", Verified: true}},
	}
	var buf bytes.Buffer
	if err := Write(&buf, s, Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	bridge := colorize(true, textBridge, "docker0")
	container := colorize(true, textContainer, "docker0")
	if strings.Count(out, bridge) != 1 || strings.Count(out, container) != 1 {
		t.Errorf("want docker0 painted once as a bridge and once as a container:\n%s", out)
	}
}

// The tree's last host line says where Docker's rules are, when the
// snapshot holds the firewall, and warns about what breaks forwarding.
func TestTreeFirewallLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		fw   topo.Firewall
		ipf  string
		want string // the firewall line, "" for none
	}{
		{"not read", topo.Firewall{}, "", ""},
		{"nft", topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendNft, RuleSets: []topo.RuleSet{{Backend: topo.BackendNft, Family: 4}}},
			"1", "└─ firewall  Docker's rules in iptables-nft  ip_forward on"},
		{"split", topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendLegacy, RuleSets: []topo.RuleSet{{Backend: topo.BackendLegacy, Family: 4}}},
			"0", "└─ firewall  Docker's rules in iptables-legacy  iptables command: nft  ip_forward off"},
		{"none", topo.Firewall{Default: topo.BackendLegacy, RuleSets: []topo.RuleSet{{Backend: topo.BackendLegacy, Family: 4}}},
			"", "└─ firewall  no Docker rules found  iptables command: legacy"},
		{"nftables", topo.Firewall{DockerBackend: topo.BackendNftables, Nftables: []topo.NftTable{{Family: "ip", Name: "docker-bridges"}, {Family: "inet", Name: "filter"}}},
			"1", "└─ firewall  Docker's rules in nftables (table ip docker-bridges)  2 native nftables tables  ip_forward on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &topo.Snapshot{Host: topo.Host{Hostname: "h", Uplink: "eth0"}, Firewall: tc.fw, Sysctls: map[string]string{}}
			if tc.ipf != "" {
				s.Sysctls[topo.SysctlIPForward] = tc.ipf
			}
			var buf bytes.Buffer
			if err := Write(&buf, s, Options{}); err != nil {
				t.Fatal(err)
			}
			var got string
			for _, l := range strings.Split(buf.String(), "\n") {
				if strings.Contains(l, "firewall") {
					got = strings.TrimRight(l, " ")
				}
			}
			if got != tc.want {
				t.Errorf("firewall line %q, want %q in\n%s", got, tc.want, buf.String())
			}
		})
	}
}

func TestTreeProblemsGolden(t *testing.T) {
	for name, opt := range map[string]Options{
		"full-problems.tree.golden":       {},
		"full-problems.color.tree.golden": {Color: true},
		"full-problems.ascii.tree.golden": {ASCII: true},
	} {
		t.Run(name, func(t *testing.T) {
			opt.Problems = rendertest.FullProblems(t)
			var buf bytes.Buffer
			if err := Write(&buf, rendertest.Text(t, "full"), opt); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			golden.CheckText(t, out, opt.Color)
			if strings.Contains(out, "iptables-backend-split") {
				t.Error("an info problem is drawn")
			}
			goldenText(t, name, buf.Bytes())
		})
	}
}

func TestTreeProblemLines(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, rendertest.Text(t, "full"), Options{Problems: rendertest.FullProblems(t)}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	line := func(has string) string {
		t.Helper()
		for _, l := range lines {
			if strings.Contains(l, has) {
				return l
			}
		}
		t.Fatalf("no line has %q:\n%s", has, buf.String())
		return ""
	}
	for has, want := range map[string]string{
		"host dockerhost":         "✖ ip-forward-disabled, forward-drop",
		"br-7d2f1c0e9a4b  bridge": "✖ bridge-down",
		"web1:eth0":               "✖ veth-down",
		"mv1:eth0":                "✖ veth-down",
		"also in this namespace":  "✖ endpoint-without-interface",
		"api:eth1":                "⚠ mtu-mismatch",
		"eth0  uplink":            "⚠ mtu-mismatch",
		"vethf00d1e5":             "⚠ orphan-veth",
		"docker0  ":               "✖ endpoint-without-interface ⚠ orphan-veth",
		"host network:":           "node-exporter ⚠ published-port-mismatch",
		"stopped:":                "old-job (exited) ✖ published-port-mismatch",
		"problems:":               "problems: 7 errors (ip-forward-disabled, bridge-down, veth-down, endpoint-without-interface, published-port-mismatch, forward-drop), 3 warnings (mtu-mismatch, orphan-veth, published-port-mismatch)",
	} {
		if l := line(has); !strings.HasSuffix(l, want) && !strings.HasPrefix(l, want) {
			t.Errorf("line %q does not end with %q", l, want)
		}
	}
	if l := line("eth0  uplink"); strings.Contains(l, "veth-down") {
		t.Errorf("web1's eth0 marked the uplink: %q", l)
	}
	if l := line("api:eth0"); strings.Contains(l, "mtu-mismatch") {
		t.Errorf("api:eth1's problem marked api:eth0: %q", l)
	}
}

// With no problems (nil or only info) the tree is the one without.
// A host whose default route leaves through a veth (Docker in LXC, a
// dockerd in a namespace of its own) says so on the uplink's line.
func TestTreeVethUplink(t *testing.T) {
	s := rendertest.Text(t, "full")
	for i := range s.Interfaces {
		if s.Interfaces[i].Name == s.Host.Uplink {
			s.Interfaces[i].Kind = topo.KindVeth
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, s, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), s.Host.Uplink+"  uplink (veth, peer in the namespace outside)  up") {
		t.Errorf("the uplink's line does not say it is a veth:\n%s", buf.String())
	}
}

func TestTreeWithoutProblemsIsUnchanged(t *testing.T) {
	var plain, info bytes.Buffer
	s := rendertest.Text(t, "full")
	if err := Write(&plain, s, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Write(&info, s, Options{Problems: rendertest.FullProblems(t)[len(rendertest.FullProblems(t))-1:]}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain.Bytes(), info.Bytes()) {
		t.Errorf("an info problem changed the tree:\n%s", info.String())
	}
}

// A problem's ID, message and fix stay text on the terminal too.
func TestProblemsStayText(t *testing.T) {
	s := rendertest.Diagram(t, "hostile")
	problems := []topo.Finding{rendertest.HostileProblem()}
	var tree bytes.Buffer
	if err := Write(&tree, s, Options{Problems: problems}); err != nil {
		t.Fatal(err)
	}
	golden.CheckText(t, tree.String(), false)
	if !strings.Contains(tree.String(), `✖ x"<b>&\N\x1b[31m`) {
		t.Errorf("tree does not show the ID with its escape spelt out:\n%s", tree.String())
	}
}

func TestColorize(t *testing.T) {
	if got := colorize(false, textBridge, "docker0"); got != "docker0" {
		t.Errorf("colour off: %q", got)
	}
	if got := colorize(true, textBridge, "docker0"); got != "\x1b[1;34mdocker0\x1b[0m" {
		t.Errorf("colour on: %q", got)
	}
	if got := colorize(true, textPlain, "up"); got != "up" {
		t.Errorf("plain text painted: %q", got)
	}
	if got := colorize(true, textWarning, ""); got != "" {
		t.Errorf("empty text painted: %q", got)
	}
}
