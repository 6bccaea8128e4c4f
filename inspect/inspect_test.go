package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/topo"
)

var hostRef = NSRef{Dev: 4, Inode: 4026531840}

// world builds a fake host: links in the host namespace, containers with
// namespaces, and veth pairs between them wired the way the kernel reports
// them (IFLA_LINK + IFLA_LINK_NETNSID on both ends).
type world struct {
	t       *testing.T
	runtime *fakeRuntime
	kernel  *fakeKernel
	nextIdx int
	nextPID int
	nextIno uint64
	nsids   map[NSRef]int
}

func newWorld(t *testing.T) *world {
	w := &world{
		t:       t,
		runtime: &fakeRuntime{info: RuntimeInfo{Name: "docker", Version: "20.10.24", APIVersion: "1.41", Hostname: "vm", Kernel: "6.1.0"}},
		nextIdx: 10, nextPID: 1000, nextIno: 4026532200,
		nsids: map[NSRef]int{},
	}
	w.kernel = &fakeKernel{
		host: HostFacts{Hostname: "vm", Kernel: "6.1.0", Namespace: NamespaceFacts{
			Ref: hostRef, NsID: -1,
			Links: []Link{
				{Index: 1, Name: "lo", Kind: topo.KindLoopback, MTU: 65536, OperState: "unknown", Up: true, Addresses: []string{"127.0.0.1/8"}, LinkNetNsID: -1},
				{Index: 2, Name: "eth0", Kind: topo.KindDevice, MAC: "02:fc:00:00:00:01", MTU: 1400, OperState: "up", Up: true, Addresses: []string{"192.0.2.2/24"}, LinkNetNsID: -1},
				{Index: 3, Name: "docker0", Kind: topo.KindBridge, MTU: 1500, OperState: "up", Up: true, Addresses: []string{"172.17.0.1/16"}, LinkNetNsID: -1},
				{Index: 4, Name: "br-ba5126881f2f", Kind: topo.KindBridge, MTU: 1500, OperState: "up", Up: true, Addresses: []string{"172.18.0.1/16"}, LinkNetNsID: -1},
			},
			Routes: []topo.Route{
				{Dst: "default", Gateway: "192.0.2.1", Interface: "eth0", Family: 4},
				{Dst: "172.17.0.0/16", Interface: "docker0", Family: 4},
			},
		}},
		pidNS:      map[int]NSRef{},
		namespaces: map[NSRef]NamespaceFacts{},
		refErr:     map[int]error{},
		readErr:    map[int]error{},
		readAs:     map[int]NSRef{},
	}
	w.runtime.networks = []topo.Network{
		{Name: "bridge", ID: "b1", Driver: "bridge", Bridge: "docker0", Subnets: []topo.Subnet{{Subnet: "172.17.0.0/16", Gateway: "172.17.0.1"}}},
		{Name: "appnet", ID: "ba5126881f2f0000", Driver: "bridge", Bridge: "br-ba5126881f2f", Subnets: []topo.Subnet{{Subnet: "172.18.0.0/16", Gateway: "172.18.0.1"}}},
		{Name: "macnet", ID: "m1", Driver: "macvlan", Parent: "eth0"},
		{Name: "host", ID: "h1", Driver: "host"},
		{Name: "none", ID: "n1", Driver: "null"},
	}
	return w
}

// namespace makes a namespace with a loopback, held by a new pid.
func (w *world) namespace(name string) (NSRef, int) {
	w.nextIno++
	w.nextPID++
	ref := NSRef{Dev: 4, Inode: w.nextIno}
	nsid := len(w.nsids)
	w.nsids[ref] = nsid
	w.kernel.pidNS[w.nextPID] = ref
	w.kernel.namespaces[ref] = NamespaceFacts{Ref: ref, NsID: nsid, Name: name, Links: []Link{
		{Index: 1, Name: "lo", Kind: topo.KindLoopback, MTU: 65536, OperState: "unknown", Up: true, Addresses: []string{"127.0.0.1/8"}, LinkNetNsID: -1},
	}}
	return ref, w.nextPID
}

// container runs a container with its own namespace.
func (w *world) container(name, mode string) (*ContainerInfo, NSRef) {
	ref, pid := w.namespace("")
	c := ContainerInfo{ID: fmt.Sprintf("%s%064x", name, len(w.runtime.containers))[:64], Name: name, Image: "busybox", State: topo.StateRunning, NetworkMode: mode, PID: pid}
	w.runtime.containers = append(w.runtime.containers, c)
	return &w.runtime.containers[len(w.runtime.containers)-1], ref
}

// veth creates a pair: host end on bridge (ifindex), peer named ifname in ns
// with index peerIdx (the same index in every namespace is the common case).
func (w *world) veth(ns NSRef, bridge int, ifname string, peerIdx int, mac, ipv4 string, ipv6 ...string) Link {
	w.nextIdx++
	hostIdx := w.nextIdx
	hl := Link{Index: hostIdx, Name: fmt.Sprintf("veth%07x", hostIdx), Kind: topo.KindVeth, MTU: 1500, OperState: "up", Up: true,
		MasterIndex: bridge, ParentIndex: peerIdx, LinkNetNsID: w.nsids[ns], Addresses: []string{}}
	w.kernel.host.Namespace.Links = append(w.kernel.host.Namespace.Links, hl)
	f := w.kernel.namespaces[ns]
	addrs := []string{}
	if ipv4 != "" {
		addrs = append(addrs, ipv4)
	}
	addrs = append(addrs, ipv6...)
	f.Links = append(f.Links, Link{Index: peerIdx, Name: ifname, Kind: topo.KindVeth, MAC: mac, MTU: 1500, OperState: "up", Up: true,
		ParentIndex: hostIdx, LinkNetNsID: 0, Addresses: addrs})
	w.kernel.namespaces[ns] = f
	return hl
}

func (w *world) snapshot(all bool) *topo.Snapshot {
	w.t.Helper()
	in := &Inspector{Runtime: w.runtime, Kernel: w.kernel, Opts: Options{All: all, Concurrency: 3, Version: "test",
		Now: func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) }}}
	s, err := in.Snapshot(context.Background())
	if err != nil {
		w.t.Fatalf("Snapshot: %v", err)
	}
	return s
}

func pairOf(t *testing.T, s *topo.Snapshot, container, iface string) topo.Pair {
	t.Helper()
	for _, p := range s.Pairs {
		if p.Container == container && p.ContainerInterface == iface {
			return p
		}
	}
	t.Fatalf("no pair for %s:%s in %+v", container, iface, s.Pairs)
	return topo.Pair{}
}

func warningCodes(s *topo.Snapshot) []string {
	var out []string
	for _, w := range s.Warnings {
		out = append(out, w.Code+":"+w.Subject)
	}
	return out
}

func TestPairsByNsIDAndIfindexNotByName(t *testing.T) {
	w := newWorld(t)
	// Dozens of containers whose eth0 all have ifindex 9.
	want := map[string]string{}
	for i := range 40 {
		name := fmt.Sprintf("web%02d", i)
		c, ns := w.container(name, "bridge")
		c.Endpoints = []topo.Endpoint{{Network: "bridge", MAC: fmt.Sprintf("02:42:ac:11:00:%02x", i+2)}}
		hl := w.veth(ns, 3, "eth0", 9, fmt.Sprintf("02:42:ac:11:00:%02x", i+2), fmt.Sprintf("172.17.0.%d/16", i+2))
		want[name] = hl.Name
	}
	s := w.snapshot(false)
	if len(s.Pairs) != 40 {
		t.Fatalf("got %d pairs, want 40", len(s.Pairs))
	}
	for name, veth := range want {
		p := pairOf(t, s, name, "eth0")
		if p.HostInterface != veth || p.ContainerIfindex != 9 || !p.Verified || p.Bridge != "docker0" || p.Network != "bridge" {
			t.Errorf("%s: got %+v, want host veth %s on docker0, verified", name, p, veth)
		}
	}
	if len(s.Warnings) != 0 {
		t.Errorf("unexpected warnings %v", warningCodes(s))
	}
	// Every namespace is read once.
	for ref, n := range w.kernel.reads {
		if n != 1 {
			t.Errorf("namespace %v read %d times", ref, n)
		}
	}
}

func TestMultiNetworkContainerHasOnePairPerNetwork(t *testing.T) {
	w := newWorld(t)
	c, ns := w.container("web3", "appnet")
	c.Endpoints = []topo.Endpoint{
		{Network: "appnet", MAC: "02:42:ac:12:00:03"},
		{Network: "bridge", MAC: "02:42:ac:11:00:03"},
		{Network: "backend", MAC: "02:42:ac:13:00:03"},
	}
	w.veth(ns, 4, "eth0", 20, "02:42:ac:12:00:03", "172.18.0.3/16")
	w.veth(ns, 3, "eth1", 22, "02:42:AC:11:00:03", "172.17.0.3/16", "fd00::3/64")
	w.veth(ns, 0, "eth2", 24, "02:42:ac:13:00:03", "172.19.0.3/16") // veth with no master
	s := w.snapshot(false)
	if len(s.Pairs) != 3 {
		t.Fatalf("got %d pairs, want 3: %+v", len(s.Pairs), s.Pairs)
	}
	for _, tc := range []struct{ iface, network, bridge, ipv4, mac string }{
		{"eth0", "appnet", "br-ba5126881f2f", "172.18.0.3/16", "02:42:ac:12:00:03"},
		{"eth1", "bridge", "docker0", "172.17.0.3/16", "02:42:ac:11:00:03"},
		{"eth2", "backend", "", "172.19.0.3/16", "02:42:ac:13:00:03"},
	} {
		p := pairOf(t, s, "web3", tc.iface)
		if p.Network != tc.network || p.Bridge != tc.bridge || p.IPv4 != tc.ipv4 || p.MAC != tc.mac {
			t.Errorf("%s: got %+v, want %+v", tc.iface, p, tc)
		}
	}
	if p := pairOf(t, s, "web3", "eth1"); !slices.Equal(p.IPv6, []string{"fd00::3/64"}) {
		t.Errorf("eth1 ipv6 = %v", p.IPv6)
	}
	got, _ := s.Container("web3")
	var peers []string
	for _, i := range got.Interfaces {
		peers = append(peers, i.Name+"="+i.HostPeer+"/"+i.Network)
	}
	if !slices.Equal(peers, []string{"lo=/", "eth0=veth000000b/appnet", "eth1=veth000000c/bridge", "eth2=veth000000d/backend"}) {
		t.Errorf("container interfaces = %v", peers)
	}
}

func TestSharedNamespaceBelongsToOwner(t *testing.T) {
	w := newWorld(t)
	web, ns := w.container("web1", "bridge")
	web.Endpoints = []topo.Endpoint{{Network: "bridge", MAC: "02:42:ac:11:00:02"}}
	w.veth(ns, 3, "eth0", 9, "02:42:ac:11:00:02", "172.17.0.2/16")
	// The sidecar joined web1's namespace: its pid is in the same namespace.
	w.nextPID++
	w.kernel.pidNS[w.nextPID] = ns
	w.runtime.containers = append(w.runtime.containers, ContainerInfo{ID: strings.Repeat("5", 64), Name: "sidecar", State: topo.StateRunning,
		NetworkMode: "container:" + w.runtime.containers[0].ID, PID: w.nextPID})
	s := w.snapshot(false)

	p := pairOf(t, s, "web1", "eth0")
	if !slices.Equal(p.SharedWith, []string{"sidecar"}) {
		t.Errorf("pair sharedWith = %v", p.SharedWith)
	}
	side, _ := s.Container("sidecar")
	if side.SharesNamespaceWith != "web1" || side.Namespace != NamespaceID(ns) || len(side.Interfaces) != 0 {
		t.Errorf("sidecar = %+v", side)
	}
	nsRec, ok := s.Namespace(NamespaceID(ns))
	if !ok || nsRec.Owner != "web1" || !slices.Equal(nsRec.Containers, []string{"sidecar", "web1"}) {
		t.Errorf("namespace = %+v", nsRec)
	}
	if n := w.kernel.reads[ns]; n != 1 {
		t.Errorf("shared namespace read %d times, want 1", n)
	}
}

func TestHostNoneMacvlanModes(t *testing.T) {
	w := newWorld(t)
	// host mode: its pid is in the host namespace.
	w.nextPID++
	w.kernel.pidNS[w.nextPID] = hostRef
	w.runtime.containers = append(w.runtime.containers, ContainerInfo{ID: strings.Repeat("a", 64), Name: "hostnet", State: topo.StateRunning, NetworkMode: "host", PID: w.nextPID})
	w.container("nonet", "none")
	_, mv := w.container("mv1", "macnet")
	f := w.kernel.namespaces[mv]
	f.Links = append(f.Links, Link{Index: 2, Name: "eth0", Kind: topo.KindMacvlan, MAC: "02:42:c0:a8:32:0a", MTU: 1400, OperState: "up", Up: true,
		ParentIndex: 2, LinkNetNsID: 0, Addresses: []string{"192.168.50.10/24"}})
	w.kernel.namespaces[mv] = f
	s := w.snapshot(false)

	if len(s.Pairs) != 0 {
		t.Errorf("pairs = %+v, want none", s.Pairs)
	}
	hostC, _ := s.Container("hostnet")
	if hostC.Namespace != s.Host.Namespace || len(hostC.Interfaces) != 0 {
		t.Errorf("hostnet = %+v", hostC)
	}
	hostNS, _ := s.Namespace(s.Host.Namespace)
	if !hostNS.Host || !slices.Equal(hostNS.Containers, []string{"hostnet"}) {
		t.Errorf("host namespace = %+v", hostNS)
	}
	none, _ := s.Container("nonet")
	if len(none.Interfaces) != 1 || none.Interfaces[0].Kind != topo.KindLoopback {
		t.Errorf("nonet interfaces = %+v", none.Interfaces)
	}
	// ipvlan shares its parent's MAC: the network comes from the address.
	iv, ivns := w.container("iv1", "ipnet")
	iv.Endpoints = []topo.Endpoint{{Network: "ipnet", MAC: "", IPv4: "192.168.60.10/24"}}
	f = w.kernel.namespaces[ivns]
	f.Links = append(f.Links, Link{Index: 2, Name: "eth0", Kind: topo.KindIpvlan, MAC: "02:fc:00:00:00:01", ParentIndex: 2, LinkNetNsID: 0, Addresses: []string{"192.168.60.10/24"}})
	w.kernel.namespaces[ivns] = f
	s = w.snapshot(false)
	if c, _ := s.Container("iv1"); len(c.Interfaces) != 2 || c.Interfaces[1].Network != "ipnet" || c.Interfaces[1].Parent != "eth0" {
		t.Errorf("iv1 interfaces = %+v", c.Interfaces)
	}
	m, _ := s.Container("mv1")
	if len(m.Interfaces) != 2 || m.Interfaces[1].Parent != "eth0" || m.Interfaces[1].Kind != topo.KindMacvlan {
		t.Errorf("mv1 interfaces = %+v", m.Interfaces)
	}
	if s.Host.Uplink != "eth0" || s.Host.Runtime != (topo.Runtime{Name: "docker", Version: "20.10.24", APIVersion: "1.41"}) {
		t.Errorf("host = %+v", s.Host)
	}
}

func TestOrphanVeths(t *testing.T) {
	w := newWorld(t)
	named, _ := w.namespace("blue")
	unnamed, _ := w.namespace("")
	// A namespace no container holds: remove its pid so only FindNamespaces sees it.
	for pid, ref := range w.kernel.pidNS {
		if ref == named || ref == unnamed {
			delete(w.kernel.pidNS, pid)
		}
	}
	w.veth(named, 3, "eth0", 2, "aa:bb:cc:00:00:01", "172.17.0.50/16")
	w.veth(unnamed, 0, "veth1", 5, "aa:bb:cc:00:00:02", "")
	w.kernel.hidden = []NamespaceFacts{w.kernel.namespaces[named], w.kernel.namespaces[unnamed]}
	// A veth whose peer namespace nobody holds any more.
	w.kernel.host.Namespace.Links = append(w.kernel.host.Namespace.Links, Link{Index: 99, Name: "vethdead", Kind: topo.KindVeth, ParentIndex: 7, LinkNetNsID: 42, MasterIndex: 3})
	s := w.snapshot(false)

	if len(s.Pairs) != 3 {
		t.Fatalf("pairs = %+v", s.Pairs)
	}
	var blue, anon, dead topo.Pair
	for _, p := range s.Pairs {
		switch p.HostInterface {
		case "vethdead":
			dead = p
		default:
			if p.NamespaceName == "blue" {
				blue = p
			} else {
				anon = p
			}
		}
	}
	if blue.Container != "" || blue.ContainerInterface != "eth0" || blue.Namespace != NamespaceID(named) || blue.Bridge != "docker0" || !blue.Verified {
		t.Errorf("blue orphan = %+v", blue)
	}
	if anon.Namespace != NamespaceID(unnamed) || anon.NamespaceName != "" || anon.ContainerInterface != "veth1" {
		t.Errorf("unnamed orphan = %+v", anon)
	}
	if dead.Namespace != "" || dead.ContainerIfindex != 7 {
		t.Errorf("dead pair = %+v", dead)
	}
	if !slices.Contains(warningCodes(s), "peer-namespace-unknown:vethdead") {
		t.Errorf("warnings = %v", warningCodes(s))
	}
	nsRec, ok := s.Namespace(NamespaceID(named))
	if !ok || nsRec.Name != "blue" || len(nsRec.Interfaces) != 2 || nsRec.Interfaces[1].HostPeer == "" {
		t.Errorf("orphan namespace = %+v", nsRec)
	}
}

// A dockerd in a namespace of its own, Docker in LXC/LXD or in a
// Docker-in-Docker container: the default route leaves through a veth whose
// peer is in the namespace outside. It is the uplink — not a pair, not an
// orphan, and the namespace outside is not looked for.
func TestVethUplinkIsTheUplinkNotAnOrphan(t *testing.T) {
	w := newWorld(t)
	outside, _ := w.namespace("")
	for pid, ref := range w.kernel.pidNS {
		if ref == outside {
			delete(w.kernel.pidNS, pid)
		}
	}
	links := w.kernel.host.Namespace.Links
	links[1] = Link{Index: 2, Name: "eth0", Kind: topo.KindVeth, MAC: "06:95:cc:de:10:3a", MTU: 1500, OperState: "up", Up: true,
		Addresses: []string{"100.70.111.158/30"}, ParentIndex: 1416, LinkNetNsID: w.nsids[outside]}
	f := w.kernel.namespaces[outside]
	f.Links = append(f.Links, Link{Index: 1416, Name: "nve28-27662", Kind: topo.KindVeth, MTU: 1500, OperState: "up", Up: true,
		Addresses: []string{"100.70.111.157/30"}, ParentIndex: 2, LinkNetNsID: 0})
	w.kernel.namespaces[outside] = f
	w.kernel.hidden = []NamespaceFacts{f}
	w.kernel.host.Namespace.Routes = append(w.kernel.host.Namespace.Routes,
		topo.Route{Dst: "default", Interface: "eth0", Family: 6})
	c, ref := w.container("web", "bridge")
	w.veth(ref, 3, "eth0", 2, "aa:bb:cc:00:00:01", "172.17.0.2/16")
	c.Endpoints = []topo.Endpoint{{Network: "bridge", IPv4: "172.17.0.2/16", MAC: "aa:bb:cc:00:00:01"}}
	s := w.snapshot(false)

	if s.Host.Uplink != "eth0" {
		t.Errorf("uplink = %q, want eth0", s.Host.Uplink)
	}
	if len(s.Pairs) != 1 || s.Pairs[0].Container != "web" {
		t.Errorf("pairs = %+v, want only web's", s.Pairs)
	}
	if up, ok := s.UplinkInterface(); !ok || up.Kind != topo.KindVeth {
		t.Errorf("uplink interface = %+v, %v", up, ok)
	}
	if _, ok := s.Namespace(NamespaceID(outside)); ok {
		t.Errorf("the namespace outside, which holds the uplink's peer, is listed: %+v", s.Namespaces)
	}
	if len(s.Warnings) > 0 {
		t.Errorf("warnings = %v", warningCodes(s))
	}
}

func TestDecoyIfindexInOtherNamespaceIsNotPaired(t *testing.T) {
	w := newWorld(t)
	_, a := w.container("a", "bridge")
	_, b := w.container("b", "bridge")
	w.veth(a, 3, "eth0", 9, "02:42:ac:11:00:02", "172.17.0.2/16")
	// b has an eth0 with ifindex 9 too, but its peer is in no other namespace.
	f := w.kernel.namespaces[b]
	f.Links = append(f.Links, Link{Index: 9, Name: "eth0", Kind: topo.KindVeth, ParentIndex: 10, LinkNetNsID: -1})
	w.kernel.namespaces[b] = f
	s := w.snapshot(false)
	if len(s.Pairs) != 1 || s.Pairs[0].Container != "a" {
		t.Fatalf("pairs = %+v", s.Pairs)
	}
}

func TestCrossCheckFailureIsUnverified(t *testing.T) {
	w := newWorld(t)
	_, ns := w.container("a", "bridge")
	w.veth(ns, 3, "eth0", 9, "02:42:ac:11:00:02", "172.17.0.2/16")
	f := w.kernel.namespaces[ns]
	f.Links[1].ParentIndex = 12345
	w.kernel.namespaces[ns] = f
	s := w.snapshot(false)
	if p := pairOf(t, s, "a", "eth0"); p.Verified {
		t.Errorf("pair verified despite container side pointing elsewhere: %+v", p)
	}
}

func TestContainerGoneAndPidReuse(t *testing.T) {
	w := newWorld(t)
	c1, _ := w.container("exited-early", "bridge")
	delete(w.kernel.pidNS, c1.PID) // exits between inspect and namespace stat
	c2, _ := w.container("reused", "bridge")
	w.kernel.readAs[c2.PID] = hostRef // pid reused by a host process before the read
	c3, ns3 := w.container("ok", "bridge")
	w.veth(ns3, 3, "eth0", 9, "02:42:ac:11:00:04", "172.17.0.4/16")
	_ = c3
	s := w.snapshot(false)
	codes := warningCodes(s)
	for _, want := range []string{"container-gone:exited-early", "container-gone:reused"} {
		if !slices.Contains(codes, want) {
			t.Errorf("warnings %v lack %s", codes, want)
		}
	}
	for _, name := range []string{"exited-early", "reused"} {
		c, ok := s.Container(name)
		if !ok || c.Namespace != "" || len(c.Interfaces) != 0 {
			t.Errorf("%s = %+v, want listed without namespace", name, c)
		}
	}
	if p := pairOf(t, s, "ok", "eth0"); !p.Verified {
		t.Errorf("ok pair = %+v", p)
	}
}

func TestPermissionDeniedIsOneWarning(t *testing.T) {
	w := newWorld(t)
	for i := range 3 {
		c, ns := w.container(fmt.Sprintf("c%d", i), "bridge")
		w.kernel.refErr[c.PID] = fmt.Errorf("stat /proc/%d/ns/net: %w", c.PID, fs.ErrPermission)
		w.veth(ns, 3, "eth0", 9, "02:42:ac:11:00:09", "")
	}
	s := w.snapshot(false)
	if len(s.Warnings) != 1 || s.Warnings[0].Code != "namespace-denied" || !strings.Contains(s.Warnings[0].Message, "sudo") {
		t.Fatalf("warnings = %+v", s.Warnings)
	}
	if len(s.Pairs) != 3 {
		t.Errorf("host veths should still be listed, got %+v", s.Pairs)
	}
	if len(s.Bridges) != 2 || s.Bridges[0].Name != "br-ba5126881f2f" || len(s.Bridges[1].Ports) != 3 {
		t.Errorf("bridges = %+v", s.Bridges)
	}
}

func TestStoppedContainersOnlyWithAll(t *testing.T) {
	w := newWorld(t)
	w.runtime.containers = append(w.runtime.containers, ContainerInfo{ID: strings.Repeat("e", 64), Name: "old", State: topo.StateExited, NetworkMode: "bridge"})
	w.container("up", "bridge")
	if s := w.snapshot(false); len(s.Containers) != 1 {
		t.Errorf("without --all: %d containers", len(s.Containers))
	}
	s := w.snapshot(true)
	old, ok := s.Container("old")
	if !ok || old.Namespace != "" || old.State != topo.StateExited {
		t.Errorf("old = %+v", old)
	}
}

func TestDaemonErrorIsReturned(t *testing.T) {
	w := newWorld(t)
	w.runtime.err = fmt.Errorf("%w at unix:///nope: connection refused", ErrDaemonUnreachable)
	in := &Inspector{Runtime: w.runtime, Kernel: w.kernel}
	_, err := in.Snapshot(context.Background())
	if err == nil || !strings.Contains(err.Error(), "unix:///nope") {
		t.Fatalf("err = %v", err)
	}
}

func TestBridgesAndHostInterfaces(t *testing.T) {
	w := newWorld(t)
	_, ns := w.container("a", "bridge")
	hl := w.veth(ns, 3, "eth0", 9, "02:42:ac:11:00:02", "172.17.0.2/16")
	f := w.kernel.host
	f.Namespace.Links[2].STP = true
	w.kernel.host = f
	s := w.snapshot(false)
	br := s.Bridges[1]
	if br.Name != "docker0" || br.Network != "bridge" || !br.STP || !slices.Equal(br.Ports, []string{hl.Name}) || br.Addresses[0] != "172.17.0.1/16" {
		t.Errorf("docker0 = %+v", br)
	}
	hi, ok := s.HostInterface(hl.Name)
	if !ok || hi.Master != "docker0" || hi.PeerNamespace != NamespaceID(ns) || hi.PeerIndex != 9 || hi.Network != "bridge" {
		t.Errorf("host veth = %+v", hi)
	}
}

func TestUplinkPrefersIPv4LowestMetric(t *testing.T) {
	for _, tc := range []struct {
		routes []topo.Route
		want   string
	}{
		{nil, ""},
		{[]topo.Route{{Dst: "10.0.0.0/8", Interface: "eth0", Family: 4}}, ""},
		{[]topo.Route{{Dst: "default", Interface: "eth1", Family: 6}, {Dst: "default", Interface: "eth0", Family: 4}}, "eth0"},
		{[]topo.Route{{Dst: "default", Interface: "wlan0", Family: 4, Metric: 600}, {Dst: "default", Interface: "eth0", Family: 4, Metric: 100}}, "eth0"},
		{[]topo.Route{{Dst: "default", Interface: "eth1", Family: 6}}, "eth1"},
	} {
		if got := uplink(tc.routes); got != tc.want {
			t.Errorf("uplink(%v) = %q, want %q", tc.routes, got, tc.want)
		}
	}
}

func TestStreamingSourceGivesTheSameSnapshot(t *testing.T) {
	w := newWorld(t)
	for i := range 12 {
		c, ns := w.container(fmt.Sprintf("c%02d", i), "bridge")
		c.Endpoints = []topo.Endpoint{{Network: "bridge", MAC: fmt.Sprintf("02:42:ac:11:00:%02x", i+2)}}
		w.veth(ns, 3, "eth0", 9, fmt.Sprintf("02:42:ac:11:00:%02x", i+2), fmt.Sprintf("172.17.0.%d/16", i+2))
	}
	// A sharer, a gone one and a denied one go through the streaming path too.
	w.nextPID++
	w.kernel.pidNS[w.nextPID] = w.kernel.pidNS[w.runtime.containers[0].PID]
	w.runtime.containers = append(w.runtime.containers, ContainerInfo{ID: strings.Repeat("5", 64), Name: "sidecar", State: topo.StateRunning,
		NetworkMode: "container:" + w.runtime.containers[0].ID, PID: w.nextPID})
	gone, _ := w.container("gone", "bridge")
	delete(w.kernel.pidNS, gone.PID)
	plain := w.snapshot(false)
	w.kernel.reads = nil
	in := &Inspector{Runtime: streamingRuntime{w.runtime}, Kernel: w.kernel, Opts: Options{Concurrency: 2, Version: "test",
		Now: func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) }}}
	streamed, err := in.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(plain)
	b, _ := json.Marshal(streamed)
	if string(a) != string(b) {
		t.Errorf("streamed snapshot differs:\nplain    %s\nstreamed %s", a, b)
	}
	for ref, n := range w.kernel.reads {
		if n != 1 {
			t.Errorf("namespace %v read %d times", ref, n)
		}
	}
}

func TestFirewallAndSysctlsJoinTheSnapshot(t *testing.T) {
	w := newWorld(t)
	nf := &fakeFirewall{
		fw: topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendNft, RuleSets: []topo.RuleSet{
			{Backend: topo.BackendNft, Family: 6}, {Backend: topo.BackendLegacy, Family: 4}, {Backend: topo.BackendNft, Family: 4}}},
		warn:   []topo.Warning{{Code: "firewall-unreadable", Message: "cannot read the legacy IPv6 rules"}},
		values: map[string]string{topo.SysctlIPForward: "1"},
	}
	in := &Inspector{Runtime: w.runtime, Kernel: w.kernel, Firewall: nf}
	s, err := in.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, rs := range s.Firewall.RuleSets {
		order = append(order, fmt.Sprintf("%s%d", rs.Backend, rs.Family))
	}
	if strings.Join(order, " ") != "legacy4 nft4 nft6" || s.Sysctls[topo.SysctlIPForward] != "1" {
		t.Errorf("rule sets %v, sysctls %v", order, s.Sysctls)
	}
	if !slices.Equal(nf.asked, []string{"eth0", "br-ba5126881f2f", "docker0"}) {
		t.Errorf("sysctls asked for %v", nf.asked)
	}
	if !slices.ContainsFunc(s.Warnings, func(w topo.Warning) bool { return w.Code == "firewall-unreadable" }) {
		t.Errorf("warnings %v", s.Warnings)
	}
}

// Docker maps published ports to the endpoint that holds the container's
// default route; the other pairs of a multi-network container carry none.
func TestPublishedPortsOnTheGatewayPair(t *testing.T) {
	w := newWorld(t)
	c, ns := w.container("api", "appnet")
	c.Ports = []topo.Port{{HostIP: "0.0.0.0", HostPort: 8443, ContainerPort: 443, Protocol: "tcp"}}
	w.veth(ns, 4, "eth0", 9, "02:42:ac:12:00:02", "172.18.0.2/16")
	w.veth(ns, 3, "eth1", 11, "02:42:ac:11:00:02", "172.17.0.2/16")
	f := w.kernel.namespaces[ns]
	f.Routes = []topo.Route{
		{Dst: "default", Gateway: "fd00::1", Interface: "eth0", Family: 6},
		{Dst: "default", Gateway: "172.17.0.1", Interface: "eth1", Family: 4},
		{Dst: "172.18.0.0/16", Interface: "eth0", Family: 4},
	}
	w.kernel.namespaces[ns] = f
	web, webNS := w.container("web", "bridge")
	web.Ports = []topo.Port{{HostIP: "0.0.0.0", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}
	w.veth(webNS, 3, "eth0", 9, "02:42:ac:11:00:03", "172.17.0.3/16") // no routes read: no claim

	s := w.snapshot(false)
	if p := pairOf(t, s, "api", "eth1"); !slices.Equal(p.Ports, c.Ports) {
		t.Errorf("api:eth1 (default route) ports = %v, want %v", p.Ports, c.Ports)
	}
	if p := pairOf(t, s, "api", "eth0"); p.Ports == nil || len(p.Ports) != 0 {
		t.Errorf("api:eth0 ports = %#v, want an empty list", p.Ports)
	}
	if p := pairOf(t, s, "web", "eth0"); len(p.Ports) != 0 {
		t.Errorf("web:eth0 without routes ports = %v, want none", p.Ports)
	}
}

func TestNoKernelReadsOnlyTheRuntime(t *testing.T) {
	rt := &fakeRuntime{
		info: RuntimeInfo{Name: "docker", Version: "28.5.2", Hostname: "far"},
		containers: []ContainerInfo{{ID: "c1", Name: "web", State: topo.StateRunning, NetworkMode: "bridge", PID: 4242,
			Endpoints: []topo.Endpoint{{Network: "bridge", IPv4: "172.17.0.2/16"}}}},
		networks: []topo.Network{{ID: "n1", Name: "bridge", Driver: "bridge", Bridge: "docker0"}},
	}
	s, err := (&Inspector{Runtime: rt}).Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Containers) != 1 || len(s.Networks) != 1 {
		t.Errorf("the runtime's containers and networks are missing: %+v %+v", s.Containers, s.Networks)
	}
	if len(s.Bridges) != 0 || len(s.Interfaces) != 0 || len(s.Namespaces) != 0 || len(s.Pairs) != 0 || s.Host.Uplink != "" {
		t.Errorf("kernel facts without a kernel: %+v", s)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("warnings %+v: the caller says why there is no kernel", s.Warnings)
	}
}
