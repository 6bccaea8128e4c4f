package inspect

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/topo"
)

// swarmRuntime is a fakeRuntime in a swarm.
type swarmRuntime struct {
	*fakeRuntime
	swarm SwarmFacts
}

var _ SwarmReader = swarmRuntime{}

func (r swarmRuntime) Swarm(context.Context) (SwarmFacts, error) { return r.swarm, nil }

// dockerKernel is a fakeKernel with Docker's own namespaces bound under a
// directory.
type dockerKernel struct {
	*fakeKernel
	dir    string
	docker []NamespaceFacts
	asked  []string // the directories asked for
	pids   []int
}

var _ DockerNamespaceReader = (*dockerKernel)(nil)

func (k *dockerKernel) DockerNamespaces(_ context.Context, dir string, keep func(string) bool, pids []int) ([]NamespaceFacts, error) {
	k.asked = append(k.asked, dir)
	k.pids = pids
	if dir != k.dir {
		return nil, nil
	}
	var out []NamespaceFacts
	for _, f := range k.docker {
		if keep(f.Name) {
			out = append(out, f)
		}
	}
	return out, nil
}

const (
	ovnetID   = "abcdef0123456789"
	ingressID = "1ngr3ss000000000"
	gwIdx     = 5 // docker_gwbridge in the host namespace
)

// swarmWorld is a swarm node: an overlay "ovnet" (encrypted) with two
// containers whose overlay legs have the same ifindex (30) and whose
// sandbox veths tell them apart only by the nsid the sandbox gives each;
// ingress_sbox with its leg on docker_gwbridge; a container sandbox file
// that must not be read as Docker's own.
func swarmWorld(t *testing.T) (*Inspector, *dockerKernel) {
	w := newWorld(t)
	w.kernel.host.Namespace.Links = append(w.kernel.host.Namespace.Links,
		Link{Index: gwIdx, Name: topo.NetworkGWBridge, Kind: topo.KindBridge, MTU: 1500, OperState: "up", Up: true, LinkNetNsID: -1})
	w.nextIdx = 40
	w.runtime.networks = append(w.runtime.networks,
		topo.Network{Name: topo.NetworkGWBridge, ID: "gw", Driver: "bridge", Bridge: topo.NetworkGWBridge},
		topo.Network{Name: "ovnet", ID: ovnetID, Driver: topo.DriverOverlay, Scope: "swarm", Options: map[string]string{topo.OptOverlayEncrypted: ""}},
		topo.Network{Name: topo.NetworkIngress, ID: ingressID, Driver: topo.DriverOverlay, Scope: "swarm"},
	)
	// A container on a bridge network only: no sandbox asks about it.
	// (w.container's pointers last only until the next container.)
	plain, plainNS := w.container("plain", "bridge")
	plain.Endpoints = []topo.Endpoint{{Network: "bridge", MAC: "02:42:ac:11:00:02", IPv4: "172.17.0.2/16"}}
	w.veth(plainNS, 3, "eth0", 2, "02:42:ac:11:00:02", "172.17.0.2/16")
	c1, r1 := w.container("c1", "ovnet")
	c1.Endpoints = []topo.Endpoint{{Network: "ovnet", MAC: "02:42:0a:00:01:02", IPv4: "10.0.1.2/24"}}
	c2, r2 := w.container("c2", "ovnet")
	c2.Endpoints = []topo.Endpoint{{Network: "ovnet", MAC: "02:42:0a:00:01:03", IPv4: "10.0.1.3/24"}}
	w.veth(r1, gwIdx, "eth1", 31, "02:42:ac:12:00:03", "172.18.0.3/16")
	w.veth(r2, gwIdx, "eth1", 31, "02:42:ac:12:00:04", "172.18.0.4/16")
	// The overlay legs: in each container eth0 (ifindex 30 in both),
	// peer in the sandbox, which the container sees as its nsid 3.
	for _, c := range []struct {
		ref      NSRef
		mac, ip  string
		sboxVeth int
	}{{r1, "02:42:0a:00:01:02", "10.0.1.2/24", 5}, {r2, "02:42:0a:00:01:03", "10.0.1.3/24", 6}} {
		f := w.kernel.namespaces[c.ref]
		f.Links = append(f.Links, Link{Index: 30, Name: "eth0", Kind: topo.KindVeth, MAC: c.mac, MTU: 1450, OperState: "up", Up: true,
			ParentIndex: c.sboxVeth, LinkNetNsID: 3, Addresses: []string{c.ip}})
		w.kernel.namespaces[c.ref] = f
	}
	sbox := NamespaceFacts{Ref: NSRef{Dev: 4, Inode: 4026539001}, NsID: 40, Name: "1-" + ovnetID[:10], Links: []Link{
		{Index: 1, Name: "lo", Kind: topo.KindLoopback, LinkNetNsID: -1},
		{Index: 2, Name: "br0", Kind: topo.KindBridge, MTU: 1450, OperState: "up", Up: true, Addresses: []string{"10.0.1.1/24"}, LinkNetNsID: -1},
		{Index: 3, Name: "vxlan0", Kind: "vxlan", MTU: 1450, OperState: "unknown", Up: true, MasterIndex: 2, ParentIndex: 10, LinkNetNsID: 0,
			VXLAN: &VXLANLink{VNI: 4097, Port: 4789}},
		{Index: 5, Name: "veth0", Kind: topo.KindVeth, MTU: 1450, Up: true, MasterIndex: 2, ParentIndex: 30, LinkNetNsID: 7},
		{Index: 6, Name: "veth1", Kind: topo.KindVeth, MTU: 1450, Up: true, MasterIndex: 2, ParentIndex: 30, LinkNetNsID: 8},
	}, Docker: &DockerNamespace{
		PeerNsIDs: map[int]NSRef{7: r1, 8: r2},
		FDB: []FDBEntry{
			{LinkIndex: 3, MAC: "02:42:0a:00:01:09", Dst: "192.0.2.7"},
			{LinkIndex: 3, MAC: "02:42:0a:00:01:08", Dst: "192.0.2.7"},
			{LinkIndex: 3, MAC: "7e:53:6f:14:3f:d0"}, // the device's own
		},
		Neighbours: []Neighbour{{LinkIndex: 2, IP: "10.0.1.9", MAC: "02:42:0a:00:01:09"}},
	}}
	ingress := NamespaceFacts{Ref: NSRef{Dev: 4, Inode: 4026539002}, NsID: 41, Name: "ingress_sbox", Links: []Link{
		{Index: 1, Name: "lo", Kind: topo.KindLoopback, LinkNetNsID: -1},
		{Index: 9, Name: "eth1", Kind: topo.KindVeth, MAC: "02:42:ac:12:00:02", MTU: 1500, Up: true, OperState: "up", ParentIndex: 60, LinkNetNsID: 0, Addresses: []string{"172.18.0.2/16"}},
	}, Docker: &DockerNamespace{IPVSErr: errors.New("the kernel has no IPVS generic netlink family")}}
	w.kernel.host.Namespace.Links = append(w.kernel.host.Namespace.Links,
		Link{Index: 60, Name: "veth9f00000", Kind: topo.KindVeth, MTU: 1500, OperState: "up", Up: true, MasterIndex: gwIdx, ParentIndex: 9, LinkNetNsID: 41})
	// A container's sandbox file is under the same directory.
	stray := NamespaceFacts{Ref: NSRef{Dev: 4, Inode: 4026539003}, NsID: 42, Name: "3b9d5b8b9961", Docker: &DockerNamespace{}}

	k := &dockerKernel{fakeKernel: w.kernel, dir: "/var/run/docker-x/netns", docker: []NamespaceFacts{sbox, ingress, stray}}
	rt := swarmRuntime{fakeRuntime: w.runtime, swarm: SwarmFacts{
		Node:     &topo.SwarmNode{NodeID: "node1", Addr: "192.0.2.2", Manager: true, State: "active", Nodes: 3},
		NetnsDir: k.dir,
		Services: map[string][]topo.ServiceVIP{ovnetID: {{Service: "web", ServiceID: "s1", VIP: "10.0.1.5/24", Tasks: []string{"10.0.1.9"}}}},
	}}
	in := &Inspector{Runtime: rt, Kernel: k, Opts: Options{Concurrency: 2, Version: "test",
		Now: func() time.Time { return time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC) }}}
	return in, k
}

func TestSwarmNodeDockerNamespaces(t *testing.T) {
	in, k := swarmWorld(t)
	s, err := in.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(k.asked, []string{"/var/run/docker-x/netns"}) {
		t.Errorf("Docker's namespaces looked for in %v, want where the runtime said", k.asked)
	}
	if len(k.pids) != 2 {
		t.Errorf("the nsids of %d containers' namespaces asked, want those of the 2 on an overlay", len(k.pids))
	}
	roles := map[string]string{}
	for _, ns := range s.Namespaces {
		if ns.Name != "" {
			roles[ns.Name] = ns.Role
		}
	}
	want := map[string]string{"1-abcdef0123": topo.RoleOverlaySandbox, "ingress_sbox": topo.RoleIngressSandbox}
	if len(roles) != len(want) || roles["1-abcdef0123"] != want["1-abcdef0123"] || roles["ingress_sbox"] != want["ingress_sbox"] {
		t.Errorf("named namespaces and roles = %v, want %v (a container's sandbox file is not Docker's own)", roles, want)
	}
	if s.Swarm == nil || s.Swarm.NodeID != "node1" || s.Swarm.Nodes != 3 || s.Swarm.NetnsDir != k.dir {
		t.Errorf("swarm = %+v", s.Swarm)
	}
	if codes := warningCodes(s); !slices.Contains(codes, "ipvs-unreadable:ingress_sbox") || slices.ContainsFunc(codes, func(c string) bool { return strings.HasPrefix(c, "peer-namespace-unknown") }) {
		t.Errorf("warnings = %v: want IPVS said unreadable for ingress_sbox, and every veth's peer found", codes)
	}
}

func TestOverlayLegsPairByTheSandboxsNsIDs(t *testing.T) {
	in, _ := swarmWorld(t)
	s, err := in.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sboxID := NamespaceID(NSRef{Dev: 4, Inode: 4026539001})
	for _, tc := range []struct{ container, veth, ip string }{{"c1", "veth0", "10.0.1.2/24"}, {"c2", "veth1", "10.0.1.3/24"}} {
		p := pairOf(t, s, tc.container, "eth0")
		if p.HostInterface != tc.veth || p.HostNamespace != sboxID || p.Bridge != "br0" || p.Network != "ovnet" || !p.Verified || p.IPv4 != tc.ip {
			t.Errorf("%s:eth0 pair = %+v, want %s on br0 of %s, network ovnet, verified", tc.container, p, tc.veth, sboxID)
		}
		gw := pairOf(t, s, tc.container, "eth1")
		if gw.HostNamespace != "" || gw.Bridge != topo.NetworkGWBridge || gw.Network != topo.NetworkGWBridge {
			t.Errorf("%s:eth1 pair = %+v, want a host veth on docker_gwbridge", tc.container, gw)
		}
		c, _ := s.Container(tc.container)
		for _, i := range c.Interfaces {
			if i.Name == "eth0" && i.HostPeer != tc.veth {
				t.Errorf("%s:eth0 names %q as its peer, want %s", tc.container, i.HostPeer, tc.veth)
			}
		}
	}
	var leg *topo.Pair
	for i := range s.Pairs {
		if s.Pairs[i].HostInterface == "veth9f00000" {
			leg = &s.Pairs[i]
		}
	}
	if leg == nil || leg.Container != "" || leg.Sandbox != "ingress_sbox" || leg.Network != topo.NetworkGWBridge || !leg.Verified || leg.ContainerInterface != "eth1" {
		t.Errorf("ingress_sbox's leg = %+v, want Sandbox ingress_sbox on docker_gwbridge, verified", leg)
	}
}

func TestOverlayModel(t *testing.T) {
	in, _ := swarmWorld(t)
	s, err := in.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Overlays) != 1 {
		t.Fatalf("overlays = %+v, want ovnet's (the ingress has no sandbox here)", s.Overlays)
	}
	o := s.Overlays[0]
	if o.Network != "ovnet" || o.NetworkID != ovnetID || !o.Encrypted || o.Ingress || o.NamespaceName != "1-abcdef0123" || o.Bridge != "br0" || o.MTU != 1450 {
		t.Errorf("overlay = %+v", o)
	}
	if o.VXLAN != (topo.VXLAN{Name: "vxlan0", VNI: 4097, Port: 4789, MTU: 1450, State: "unknown"}) {
		t.Errorf("vxlan = %+v", o.VXLAN)
	}
	wantPeers := []topo.VTEPPeer{{VTEP: "192.0.2.7", MACs: []string{"02:42:0a:00:01:08", "02:42:0a:00:01:09"}, IPs: []string{"10.0.1.9"}}}
	if len(o.Peers) != 1 || o.Peers[0].VTEP != wantPeers[0].VTEP || !slices.Equal(o.Peers[0].MACs, wantPeers[0].MACs) || !slices.Equal(o.Peers[0].IPs, wantPeers[0].IPs) {
		t.Errorf("peers = %+v, want %+v", o.Peers, wantPeers)
	}
	if len(o.Services) != 1 || o.Services[0].VIP != "10.0.1.5/24" {
		t.Errorf("services = %+v", o.Services)
	}
}

// A node in no swarm, or a runtime that cannot tell, reads nothing more.
func TestNoSwarmNoDockerNamespaces(t *testing.T) {
	in, k := swarmWorld(t)
	rt := in.Runtime.(swarmRuntime)
	rt.swarm = SwarmFacts{}
	in.Runtime = rt
	s, err := in.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(k.asked) != 0 || s.Swarm != nil || len(s.Overlays) != 0 {
		t.Errorf("asked %v, swarm %+v, overlays %+v: want nothing read without a netns directory", k.asked, s.Swarm, s.Overlays)
	}
}

// swarmReadingRuntime is a swarm node whose runtime inspects one
// container at a time, as live views need.
type swarmReadingRuntime struct {
	*readingRuntime
	swarm SwarmFacts
}

func (r swarmReadingRuntime) Swarm(context.Context) (SwarmFacts, error) { return r.swarm, nil }

// A live view re-reads a container: Docker's namespaces, which no
// container's process leads to, must not drop out of the model (the
// ingress_sbox leg would turn into an orphan again).
func TestRefreshKeepsDockerNamespaces(t *testing.T) {
	in, _ := swarmWorld(t)
	rt := in.Runtime.(swarmRuntime)
	in.Runtime = swarmReadingRuntime{readingRuntime: &readingRuntime{fakeRuntime: rt.fakeRuntime, inspect: map[string]int{}}, swarm: rt.swarm}
	tr := in.Track()
	full, err := tr.Full(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	c1, _ := full.Container("c1")
	for _, touched := range []Touched{{Containers: []string{c1.ID}}, {Host: true}, {Networks: true}} {
		got, err := tr.Refresh(t.Context(), touched)
		if err != nil {
			t.Fatal(err)
		}
		sameSnapshot(t, got, full)
	}
}
