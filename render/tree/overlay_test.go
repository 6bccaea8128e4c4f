package tree

import (
	"bytes"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
)

func TestTreeSwarmGolden(t *testing.T) {
	s := rendertest.Diagram(t, "swarm")
	for _, c := range []struct {
		name string
		opt  Options
	}{
		{"swarm.tree.golden", Options{}},
		{"swarm.explain.tree.golden", Options{Explain: true, Recorded: true}},
		{"swarm-problems.tree.golden", Options{Problems: rendertest.SwarmProblems(t)}},
		{"swarm.ascii.tree.golden", Options{ASCII: true}},
		{"swarm.color.tree.golden", Options{Color: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, s, c.opt); err != nil {
				t.Fatal(err)
			}
			golden.CheckText(t, buf.String(), c.opt.Color)
			goldenText(t, c.name, buf.Bytes())
		})
	}
}

// A Swarm node's tree draws each overlay with its sandbox and the legs on
// br0, ingress_sbox's gwbridge leg as the routing mesh's, and never an
// orphan; each sandbox veth (all named veth0, veth1 ...) exactly once.
func TestTreeSwarmShapes(t *testing.T) {
	s := rendertest.Diagram(t, "swarm")
	var buf bytes.Buffer
	if err := Write(&buf, s, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"swarm node k2x9q7m3v5n8  manager  active  addr 192.168.56.11",
		"overlay appnet  vni 4097  vxlan0 udp/4789  mtu 1450  2 peers (192.168.56.12, 192.168.56.13)",
		"overlay ingress  routing mesh  vni 4096",
		"sandbox 1-7m1qk3r8x2  br0  10.0.1.1/24",
		"sandbox 1-w4e9r2t6y1  br0  10.0.0.1/24",
		"veth9a0b1c2 ⇄ ingress_sbox:eth1",
		"published 8080→80/tcp",
		"service web  vip 10.0.1.2/24",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tree lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "orphan") || strings.Contains(out, "netns") {
		t.Errorf("a Swarm node's own namespaces are drawn as orphans:\n%s", out)
	}
	if strings.Contains(out, "─ br0  bridge") {
		t.Errorf("a sandbox's br0 is drawn as a host bridge:\n%s", out)
	}
	// 2 tasks × 3 legs, ingress_sbox's 2, lb_'s 1.
	if n := strings.Count(out, " ⇄ "); n != 9 {
		t.Errorf("%d veth pairs drawn, want 9:\n%s", n, out)
	}
}

// The swarm checks' findings land on the overlay they name, the uplink,
// the sandbox of a VXLAN device, and the host.
func TestTreeSwarmProblemPlaces(t *testing.T) {
	s := rendertest.Diagram(t, "swarm")
	var buf bytes.Buffer
	if err := Write(&buf, s, Options{Problems: rendertest.SwarmProblems(t)}); err != nil {
		t.Fatal(err)
	}
	lineOf := func(prefix string) string {
		for _, l := range strings.Split(buf.String(), "\n") {
			if strings.Contains(l, prefix) {
				return l
			}
		}
		t.Fatalf("no line with %q:\n%s", prefix, buf.String())
		return ""
	}
	for prefix, id := range map[string]string{
		"overlay appnet":       "overlay-mtu",
		"eth0  uplink":         "overlay-mtu",
		"overlay ingress":      "overlay-partitioned",
		"sandbox 1-7m1qk3r8x2": "vxlan-down",
		"host swarm-node-1":    "swarm-ports-blocked",
	} {
		if l := lineOf(prefix); !strings.Contains(l, id) {
			t.Errorf("line %q lacks %s", l, id)
		}
	}
}

// A real single-node swarm: every pair is drawn once, under its bridge or
// its overlay's sandbox, and none is an orphan.
func TestTreeRealSwarmNode(t *testing.T) {
	s := rendertest.Diagram(t, "swarm-node")
	var buf bytes.Buffer
	if err := Write(&buf, s, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := strings.Count(out, " ⇄ "); n != len(s.Pairs) {
		t.Errorf("%d pairs drawn, the snapshot has %d:\n%s", n, len(s.Pairs), out)
	}
	if strings.Contains(out, "orphan") {
		t.Errorf("orphans on a swarm node:\n%s", out)
	}
	for _, o := range s.Overlays {
		if !strings.Contains(out, "overlay "+o.Network+" ") || !strings.Contains(out, "sandbox "+o.NamespaceName+" ") {
			t.Errorf("overlay %s or its sandbox %s not drawn:\n%s", o.Network, o.NamespaceName, out)
		}
	}
	if !strings.Contains(out, "no peers") {
		t.Errorf("a single node's overlays do not say they have no peers:\n%s", out)
	}
}
