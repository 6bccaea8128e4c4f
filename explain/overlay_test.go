package explain

import (
	"slices"
	"testing"

	"github.com/netviz/netviz/internal/rendertest"
)

// Docker's own namespaces are entered by their file under the exec root:
// no process holds them and ip netns does not list them.
func TestOverlayCommands(t *testing.T) {
	s := rendertest.Diagram(t, "swarm")
	e := New(s)
	o := s.Overlays[0] // appnet
	got := argvs(e.Overlay(o))
	for _, want := range []string{
		"nsenter --net=/var/run/docker/netns/1-7m1qk3r8x2 ip -d link show dev vxlan0",
		"nsenter --net=/var/run/docker/netns/1-7m1qk3r8x2 bridge fdb show dev vxlan0",
		"nsenter --net=/var/run/docker/netns/1-7m1qk3r8x2 ip neigh show dev vxlan0",
		"docker network inspect -v appnet",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("overlay commands lack %q: %q", want, got)
		}
	}
	vx := contains(t, e.Overlay(o), "nsenter --net=/var/run/docker/netns/1-7m1qk3r8x2 ip -d link show dev vxlan0")
	if vx.Expect != "vxlan id 4097" {
		t.Errorf("vxlan0 expects %q", vx.Expect)
	}
	fdb := contains(t, e.Overlay(o), "nsenter --net=/var/run/docker/netns/1-7m1qk3r8x2 bridge fdb show dev vxlan0")
	if fdb.Expect != "dst 192.168.56.12" {
		t.Errorf("the fdb expects %q", fdb.Expect)
	}

	ipvs := e.IPVS("ns-4026532210")
	if len(ipvs) != 1 || !ipvs[0].Optional || ipvs[0].Line != "nsenter --net=/var/run/docker/netns/ingress_sbox ipvsadm -Ln" {
		t.Errorf("ipvs of ingress_sbox: %+v", ipvs)
	}
	if got := e.IPVS("ns-4026532301"); got != nil {
		t.Errorf("a container's namespace is no Docker sandbox: %+v", got)
	}

	// A veth on a sandbox's br0 is looked at in the sandbox, not the host.
	for _, p := range s.Pairs {
		if p.HostNamespace == "ns-4026532288" && p.HostInterface == "veth1" {
			got := argvs(e.Pair(p))
			want := "nsenter --net=/var/run/docker/netns/1-7m1qk3r8x2 ip -d link show dev veth1"
			if !slices.Contains(got, want) {
				t.Errorf("sandbox pair: %q, want %q", got, want)
			}
			lacks(t, e.Pair(p), "ip -d link")
		}
	}
	// ingress_sbox's link, from its own namespace.
	ns, _ := s.Namespace("ns-4026532210")
	got = argvs(e.Namespace(ns))
	if !slices.Contains(got, "nsenter --net=/var/run/docker/netns/ingress_sbox ip addr") {
		t.Errorf("ingress_sbox: %q", got)
	}
	if sw := e.Swarm(s.Swarm); len(sw) != 1 || sw[0].Expect != s.Swarm.NodeID {
		t.Errorf("swarm: %+v", sw)
	}

	// A daemon with another exec root: its directory, as the snapshot says.
	s.Swarm.NetnsDir = "/run/d2/netns"
	e = New(s)
	contains(t, e.IPVS("ns-4026532210"), "nsenter --net=/run/d2/netns/ingress_sbox ipvsadm -Ln")
}
