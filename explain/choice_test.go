package explain

import (
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/topo"
)

func containerOf(t *testing.T, s *topo.Snapshot, name string) *topo.Container {
	t.Helper()
	c, ok := s.Container(name)
	if !ok {
		t.Fatalf("no container %s", name)
	}
	return c
}

// The firewall commands follow the backend the snapshot's firewall shows:
// plain iptables when Docker's rules are in the backend the iptables
// command uses, the backend's own program when not, nft for Docker's
// nftables backend.
func TestFirewallCommandsFollowTheBackend(t *testing.T) {
	t.Run("iptables-nft, the default", func(t *testing.T) {
		s := fwtest.Host(t)
		e := New(s)
		web := containerOf(t, s, "web1")
		c := contains(t, e.Ports(web), "iptables -t nat -S DOCKER")
		if c.Expect != "--dport 8080" {
			t.Errorf("DNAT rule expects %q", c.Expect)
		}
		contains(t, e.Firewall(), "iptables -S FORWARD")
		n, _ := s.Network("appnet")
		contains(t, e.Network(n), "iptables -t nat -S POSTROUTING")
		lacks(t, e.Ports(web), "nft")
	})
	t.Run("Docker's rules in legacy, iptables is nft", func(t *testing.T) {
		s := fwtest.Host(t)
		s.Firewall.DockerBackend, s.Firewall.Default = topo.BackendLegacy, topo.BackendNft
		s.Firewall.RuleSets[0].Backend = topo.BackendLegacy
		e := New(s)
		contains(t, e.Ports(containerOf(t, s, "web1")), "iptables-legacy -t nat -S DOCKER")
		contains(t, e.Firewall(), "iptables-legacy -S FORWARD")
		lacks(t, e.Firewall(), "iptables -S")
	})
	t.Run("Docker's nftables backend", func(t *testing.T) {
		s := fwtest.Host(t)
		s.Firewall = topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendNftables,
			Nftables: fwtest.Native(t, "nft-docker29.json")}
		e := New(s)
		c := contains(t, e.Ports(containerOf(t, s, "web1")), "nft list chain ip docker-bridges nat-prerouting-and-output")
		if c.Expect != "dport 8080" {
			t.Errorf("DNAT rule expects %q", c.Expect)
		}
		contains(t, e.Firewall(), "nft list table ip docker-bridges")
		lacks(t, e.Firewall(), "iptables")
		lacks(t, e.Ports(containerOf(t, s, "web1")), "iptables")
		n, _ := s.Network("bridge")
		contains(t, e.Network(n), "nft list chain ip docker-bridges nat-postrouting-out__docker0")
		lacks(t, e.Network(n), "nft list chain ip docker-bridges nat-postrouting-in__docker0") // empty: no masquerade to show
	})
	t.Run("a rule a finding names", func(t *testing.T) {
		s := fwtest.Host(t)
		s.Firewall.Nftables = fwtest.Native(t, "nft-debian-forward-drop.json")
		e := New(s)
		f := topo.Finding{ID: "x", Subject: []topo.Ref{topo.RuleRef("DOCKER-USER"), topo.RuleRef("nftables inet filter forward"),
			topo.SettingRef(topo.SysctlIPForward), topo.RouteRef("10.1.0.0/16 dev eth1")}}
		got := e.Finding(f)
		contains(t, got, "iptables -t filter -S DOCKER-USER")
		contains(t, got, "nft list chain inet filter forward")
		contains(t, got, "sysctl net.ipv4.ip_forward")
		if c := contains(t, got, "ip route show"); c.Expect != "10.1.0.0/16" {
			t.Errorf("route expects %q", c.Expect)
		}
	})
}

// A container's namespace is entered with nsenter and its PID (its owner's
// for a container that joined another's), a named namespace by its name;
// when the daemon lives in another namespace, host commands enter it.
func TestNamespaceEntry(t *testing.T) {
	s := fwtest.Host(t)
	e := New(s)
	web := containerOf(t, s, "web1")
	contains(t, e.Container(web), "nsenter -t 3716 -n ip route show")
	c := contains(t, e.Container(web), "readlink /proc/3716/ns/net")
	if c.Expect != "net:["+strings.TrimPrefix(web.Namespace, "ns-")+"]" {
		t.Errorf("readlink expects %q", c.Expect)
	}
	sidecar := containerOf(t, s, "sidecar")
	sidecar.PID = 0 // as a snapshot may list a sharer
	contains(t, e.ContainerInterface(sidecar, web.Interfaces[1]), "nsenter -t 3716 -n ip -d link show dev eth0")
	var blue *topo.Namespace
	for i := range s.Namespaces {
		if s.Namespaces[i].Name == "blue" {
			blue = &s.Namespaces[i]
		}
	}
	if blue == nil {
		t.Fatal("fixture lost its named namespace blue")
	}
	contains(t, e.Namespace(blue), "ip netns exec blue ip addr")
	for _, i := range blue.Interfaces {
		if i.Name == "eth0" {
			contains(t, e.NamespaceInterface(blue.ID, i), "ip netns exec blue ip -d link show dev eth0")
		}
	}
	// An unnamed namespace no container owns: only a process in it, which
	// lsns finds, lets one in.
	blue.Name = ""
	unnamed := New(s)
	for _, got := range [][]Command{unnamed.Namespace(blue), unnamed.NamespaceInterface(blue.ID, blue.Interfaces[len(blue.Interfaces)-1])} {
		if len(got) != 1 || got[0].Line != "lsns -t net" || got[0].Expect != strings.TrimPrefix(blue.ID, "ns-") {
			t.Errorf("unnamed namespace: %v", argvs(got))
		}
	}
	blue.Name = "blue"
	old := containerOf(t, s, "old")
	if got := e.Container(old); len(got) != 1 || got[0].Expect != topo.StateCreated {
		t.Errorf("a created container: %v", argvs(got))
	}
	if p := e.Pair(s.Pairs[0]); p[0].Argv[0] != "ip" || e.HostNote() != "" {
		t.Errorf("host commands enter a namespace though the daemon is in the caller's: %v", argvs(p))
	}

	const msg = "host is the Docker daemon's an unnamed network namespace (dockerd, pid 7746, answering on /run/d.sock), not the namespace netviz runs in"
	s.Warnings = append(s.Warnings, topo.Warning{Code: codeDaemonNamespace, Message: msg})
	e = New(s)
	contains(t, e.Bridge(s.Bridges[0]), "nsenter -t 7746 -n ip -d link show dev "+s.Bridges[0].Name)
	contains(t, e.Firewall(), "nsenter -t 7746 -n iptables -S FORWARD")
	contains(t, e.Container(web), "nsenter -t 3716 -n ip addr") // container PIDs need no daemon prefix
	contains(t, e.Ports(web), "docker -H unix:///run/d.sock port web1")
	if !strings.Contains(e.HostNote(), "nsenter -t 7746 -n") {
		t.Errorf("note %q", e.HostNote())
	}
	s.Namespaces[0].Name = "netviz-e28"
	contains(t, New(s).Uplink("eth0"), "ip netns exec netviz-e28 ip route show default")

	s.Warnings = []topo.Warning{{Code: codeKernelUnavailable, Message: "no kernel"}}
	e = New(s)
	for _, c := range all(e, s) {
		if c.Argv[0] != "docker" {
			t.Errorf("without a kernel view: %s", c.Line)
		}
	}
	if e.HostNote() == "" {
		t.Error("no note without a kernel view")
	}
}
