package tree

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/topo"
)

func explained(t *testing.T, s *topo.Snapshot, opt Options) string {
	t.Helper()
	opt.Explain = true
	var buf bytes.Buffer
	if err := Write(&buf, s, opt); err != nil {
		t.Fatal(err)
	}
	golden.CheckText(t, buf.String(), opt.Color)
	return buf.String()
}

// The gallery host has a bit of everything: pairs on three bridges, a
// container with three links, a sharer, a macvlan, a named namespace's
// orphan veth, a stopped and a host-mode container, a published port, the
// firewall.
func TestTreeExplainGolden(t *testing.T) {
	goldenText(t, "host.explain.tree.golden", []byte(explained(t, fwtest.Host(t), Options{})))
}

// Each command sits under the line it explains, before the next line of
// the tree, with what it shows on the line after it.
func TestTreeExplainUnderItsLine(t *testing.T) {
	s := fwtest.Host(t)
	out := explained(t, s, Options{})
	lines := strings.Split(out, "\n")
	under := func(element, command string) {
		t.Helper()
		at := -1
		for i, l := range lines {
			if strings.Contains(l, element) && !strings.Contains(l, "$ ") && at < 0 {
				at = i
			}
		}
		if at < 0 {
			t.Fatalf("no line %q", element)
		}
		for _, l := range lines[at+1:] {
			if strings.Contains(l, "├─ ") || strings.Contains(l, "└─ ") {
				break // the next line of the tree
			}
			if strings.HasSuffix(l, "$ "+command) {
				return
			}
		}
		t.Errorf("%q is not under %q", command, element)
	}
	under("eth0  uplink", "ip route show default")
	under("docker0", "ip link show master docker0")
	under("vetha87bbed ⇄ web1:eth0", "bridge link show dev vetha87bbed")
	under("vetha87bbed ⇄ web1:eth0", "nsenter -t 3716 -n ip addr show dev eth0")
	under("published", "docker port web1")
	under("published", "iptables -t nat -S DOCKER")
	under("web1: namespace", "readlink /proc/3716/ns/net")
	under(`vethblue ⇄ netns "blue"`, "ip netns exec blue ip -d link show dev eth0")
	under("mv1:eth0", "nsenter -t 468 -n ip -d link show dev eth0")
	under("firewall", "iptables -S FORWARD")
	under("host vm", "ip route show")
	if !strings.HasPrefix(out, "commands to see each fact by hand, to run as root on vm\n") {
		t.Errorf("no header:\n%s", out[:200])
	}
	plain := &bytes.Buffer{}
	if err := Write(plain, s, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "$ ") {
		t.Error("commands without Explain")
	}
}

func TestTreeExplainColorAndRecorded(t *testing.T) {
	s := fwtest.Host(t)
	s.GeneratedAt = time.Date(2026, 11, 29, 14, 0, 0, 0, time.UTC)
	out := explained(t, s, Options{Color: true, Recorded: true})
	if !strings.Contains(out, "\x1b[2m$ ip -d link show dev docker0\x1b[0m") {
		t.Error("commands are not faint on a terminal")
	}
	if !strings.Contains(out, "with the PIDs and names the snapshot recorded (2026-11-29 14:00:00 UTC)") {
		t.Errorf("a recorded snapshot's commands do not say so:\n%s", strings.SplitN(out, "\n", 2)[0])
	}
}

// Hostile names reach the terminal quoted and escaped: no escape sequence
// of theirs, no line break, each command one line.
func TestTreeExplainHostileNames(t *testing.T) {
	s := &topo.Snapshot{
		Host:    topo.Host{Hostname: "h", Uplink: "eth0"},
		Bridges: []topo.Bridge{{Name: "br\x1b[2J", Index: 3, Ports: []string{"veth\x1b]0;pwned\x07"}}},
		Pairs: []topo.Pair{{HostInterface: "veth\x1b]0;pwned\x07", Bridge: "br\x1b[2J", Namespace: "ns-1", Container: "a$(id)",
			ContainerInterface: "eth0'x", ContainerIfindex: 2, IPv4: "10.0.0.2/24", Verified: true}},
		Containers: []topo.Container{{Name: "a$(id)", State: "running", PID: 42, Namespace: "ns-1",
			Interfaces: []topo.Interface{{Name: "eth0'x", Index: 2, Kind: topo.KindVeth, PeerIndex: 7, Addresses: []string{"10.0.0.2/24"}}}}},
	}
	out := explained(t, s, Options{})
	for _, want := range []string{
		`$ ip -d link show dev $'br\x1b[2J'`,
		`$ bridge link show dev $'veth\x1b]0;pwned\x07'`,
		`$ nsenter -t 42 -n ip -d link show dev 'eth0'\''x'`,
		`$ docker inspect --format '{{.State.Pid}}' 'a$(id)'`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in\n%s", want, out)
		}
	}
}
