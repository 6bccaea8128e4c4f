// Package rendertest loads the snapshots the renderers' tests draw: hosts
// recorded under testdata (text/ for the terminal views, diagram/ for the
// diagrams), a generated fleet of any size, and doctor's findings about the
// "full" host, one for each way a problem is placed.
package rendertest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/netviz/netviz/topo"
)

// TextFixtures are the snapshots under testdata/text, each a host the text
// renderers must draw well:
//
//	full    every case at once: docker0 with two containers and a sidecar
//	        sharing web1's namespace, a user-defined bridge with a custom name
//	        (appbr0), one container on three networks, a dual-stack bridge, an
//	        idle bridge with no ports, host and none mode, macvlan on eth1,
//	        ipvlan on the uplink, a paused container, an orphan veth into
//	        `ip netns add blue`, an orphan in a leaked unnamed namespace still
//	        on docker0, one whose peer cannot be found, stopped and created
//	        containers, and warnings
//	routed  the uplink is a bridge holding the NIC; a none-mode container
//	        with a hand-made routed veth on no bridge
//	empty   a fresh install: docker0 down with no ports, no default route
//	denied  run without root: no container namespace could be read
var TextFixtures = []string{"full", "routed", "empty", "denied"}

// DiagramFixtures are the snapshots under testdata/diagram. All are
// recorded but "swarm", made by hand in the shapes a real Swarm node has
// (a manager with docker_gwbridge, ingress and its ingress_sbox, an overlay
// "appnet" with its lb_ namespace, two tasks of a service "web" publishing
// 8080→80, two remote VTEPs); docs/examples/swarm.json is the same file.
// "swarm-node" is a real single-node swarm on Docker 28.5.2, recorded by
// the overlay inspector (no peers, IPVS unreadable); diagnose and pathfind
// test on it too.
var DiagramFixtures = []string{"pod", "modes", "orphan", "multinet", "hostile", "swarm", "swarm-node"}

// Text loads testdata/text/name.json.
func Text(t testing.TB, name string) *topo.Snapshot {
	t.Helper()
	return load(t, filepath.Join("text", name+".json"))
}

// Diagram loads testdata/diagram/name.json.
func Diagram(t testing.TB, name string) *topo.Snapshot {
	t.Helper()
	return load(t, filepath.Join("diagram", name+".json"))
}

// here is this package's directory, whatever the caller's working directory.
func here() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

func load(t testing.TB, name string) *topo.Snapshot {
	t.Helper()
	return Load(t, filepath.Join(here(), "testdata", name))
}

// Load decodes the snapshot file at path; an error fails t.
func Load(t testing.TB, path string) *topo.Snapshot {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := topo.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

// FullProblems are findings as netviz doctor words them, about the text
// fixture "full": one for each way a finding is placed.
func FullProblems(t testing.TB) []topo.Finding {
	t.Helper()
	s := Text(t, "full")
	return []topo.Finding{
		{ID: "ip-forward-disabled", Severity: topo.SeverityError, Subject: []topo.Ref{topo.SettingRef(topo.SysctlIPForward)},
			Message: "the kernel does not forward IPv4 packets", Fix: "sysctl -w net.ipv4.ip_forward=1"},
		{ID: "bridge-down", Severity: topo.SeverityError, Subject: []topo.Ref{topo.BridgeRef("br-7d2f1c0e9a4b"), topo.NetworkRef("backend")},
			Message: "the bridge br-7d2f1c0e9a4b of network \"backend\" is administratively down", Fix: "ip link set br-7d2f1c0e9a4b up"},
		// eth0 of web1, not the uplink eth0.
		{ID: "veth-down", Severity: topo.SeverityError, Subject: []topo.Ref{s.ContainerInterfaceRef("web1", "eth0")}, Message: "eth0 is down inside web1"},
		// A macvlan link.
		{ID: "veth-down", Severity: topo.SeverityError, Subject: []topo.Ref{s.ContainerInterfaceRef("mv1", "eth0")}, Message: "eth0 is down inside mv1"},
		// A container that shares another's namespace, and a network.
		{ID: "endpoint-without-interface", Severity: topo.SeverityError, Subject: []topo.Ref{topo.ContainerRef("web1-metrics"), topo.NetworkRef("bridge")}, Message: "no interface for network \"bridge\""},
		// A stopped container.
		{ID: "published-port-mismatch", Severity: topo.SeverityError, Subject: []topo.Ref{topo.ContainerRef("old-job"), topo.PortRef("8080/tcp"), topo.AddressRef("172.17.0.9")}, Message: "DNAT to a stopped container"},
		// A link of a container, then the uplink.
		{ID: "mtu-mismatch", Severity: topo.SeverityWarning, Subject: []topo.Ref{s.ContainerInterfaceRef("api", "eth1"), s.HostInterfaceRef("eth0")}, Message: "api:eth1 has MTU 9000 but the uplink eth0 only 1500"},
		{ID: "orphan-veth", Severity: topo.SeverityWarning, Subject: []topo.Ref{s.HostInterfaceRef("vethf00d1e5"), topo.BridgeRef("docker0")}, Message: "vethf00d1e5 is plugged into docker0 but its peer is in no container"},
		// A container in the host's namespace.
		{ID: "published-port-mismatch", Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.ContainerRef("node-exporter"), topo.PortRef("9100/tcp")}, Message: "DNAT rule without a published port"},
		// Names of nothing in the snapshot: the host.
		{ID: "forward-drop", Severity: topo.SeverityError, Subject: []topo.Ref{topo.NetworkRef("ghostnet"), topo.RuleRef("FORWARD")}, Message: "dropped"},
		// Not drawn.
		{ID: "iptables-backend-split", Severity: topo.SeverityInfo, Subject: []topo.Ref{topo.SettingRef("iptables-legacy"), topo.SettingRef("iptables-nft")}, Message: "iptables -L will not show them"},
	}
}

// HostileProblem names a container with markup in it, and carries markup,
// quotes, backslashes and control characters in everything it draws.
func HostileProblem() topo.Finding {
	return topo.Finding{
		ID: "x\"<b>&\\N\x1b[31m", Severity: topo.SeverityError, Subject: []topo.Ref{topo.ContainerRef("<script>alert(1)</script>")},
		Message: "<img src=x onerror=alert(3)> \x1b[2J", Fix: "`rm` & <b>|#%",
	}
}

// Fleet is a host with n containers on one user bridge, "appnet",
// as `docker compose up --scale worker=n` leaves it, and two containers with
// published ports on docker0.
func Fleet(n int) *topo.Snapshot {
	const hostNS = "ns-4026531840"
	s := &topo.Snapshot{
		SchemaVersion: topo.SchemaVersion,
		GeneratedAt:   time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC),
		NetvizVersion: "0.1.0",
		Host: topo.Host{Hostname: "fleet-01", Kernel: "6.1.0-28-amd64", Runtime: topo.Runtime{Name: "docker", Version: "27.3.1"},
			Uplink: "eth0", Namespace: hostNS},
		Interfaces: []topo.Interface{
			{Name: "lo", Index: 1, Kind: topo.KindLoopback, MTU: 65536, State: "unknown", Up: true, Addresses: []string{"127.0.0.1/8"}},
			{Name: "eth0", Index: 2, Kind: topo.KindDevice, MAC: "52:54:00:12:34:56", MTU: 1500, State: "up", Up: true, Addresses: []string{"10.0.2.15/24"}},
			{Name: "docker0", Index: 3, Kind: topo.KindBridge, MAC: "02:42:5e:00:00:01", MTU: 1500, State: "up", Up: true, Addresses: []string{"172.17.0.1/16"}},
			{Name: "br-0f3c9a1b2d4e", Index: 4, Kind: topo.KindBridge, MAC: "02:42:5e:00:00:02", MTU: 1500, State: "up", Up: true, Addresses: []string{"172.18.0.1/16"}},
		},
		Networks: []topo.Network{
			{Name: "appnet", ID: "0f3c9a1b2d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8", Driver: "bridge", Bridge: "br-0f3c9a1b2d4e",
				Subnets: []topo.Subnet{{Subnet: "172.18.0.0/16", Gateway: "172.18.0.1"}}},
			{Name: "bridge", ID: "9d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e", Driver: "bridge", Bridge: "docker0",
				Subnets: []topo.Subnet{{Subnet: "172.17.0.0/16", Gateway: "172.17.0.1"}}},
		},
		Bridges: []topo.Bridge{
			{Name: "br-0f3c9a1b2d4e", Network: "appnet", Index: 4, MAC: "02:42:5e:00:00:02", Addresses: []string{"172.18.0.1/16"}, MTU: 1500, State: "up"},
			{Name: "docker0", Network: "bridge", Index: 3, MAC: "02:42:5e:00:00:01", Addresses: []string{"172.17.0.1/16"}, MTU: 1500, State: "up"},
		},
		Namespaces: []topo.Namespace{{ID: hostNS, Inode: 4026531840, Dev: 4, NsID: -1, Host: true}},
	}
	add := func(i int, name, image, network, bridge string, ip string, ports []topo.Port) {
		inode := uint64(4026532200 + i)
		ns := fmt.Sprintf("ns-%d", inode)
		hostVeth := fmt.Sprintf("veth%07x", 0x1a2b3c0+i*7919)
		hostIdx := 10 + i
		mac := fmt.Sprintf("02:42:ac:%02x:%02x:%02x", i>>16&0xff, i>>8&0xff, i&0xff)
		s.Interfaces = append(s.Interfaces, topo.Interface{Name: hostVeth, Index: hostIdx, Kind: topo.KindVeth,
			MAC: fmt.Sprintf("6e:%02x:%02x:00:00:01", i>>8&0xff, i&0xff), MTU: 1500, State: "up", Up: true,
			Master: bridge, PeerNamespace: ns, PeerIndex: 2, Network: network})
		for b := range s.Bridges {
			if s.Bridges[b].Name == bridge {
				s.Bridges[b].Ports = append(s.Bridges[b].Ports, hostVeth)
			}
		}
		s.Namespaces = append(s.Namespaces, topo.Namespace{ID: ns, Inode: inode, Dev: 4, NsID: i, Owner: name, Containers: []string{name}})
		s.Containers = append(s.Containers, topo.Container{
			Name: name, ID: fmt.Sprintf("%064x", 0xc0ffee00+i), Image: image, State: topo.StateRunning, NetworkMode: network,
			PID: 4000 + i, Namespace: ns, Ports: ports,
			Endpoints: []topo.Endpoint{{Network: network, NetworkID: "x", MAC: mac, IPv4: ip}},
			Interfaces: []topo.Interface{
				{Name: "lo", Index: 1, Kind: topo.KindLoopback, MTU: 65536, State: "unknown", Up: true, Addresses: []string{"127.0.0.1/8"}},
				{Name: "eth0", Index: 2, Kind: topo.KindVeth, MAC: mac, MTU: 1500, State: "up", Up: true,
					Addresses: []string{ip}, HostPeer: hostVeth, PeerIndex: hostIdx, Network: network},
			},
		})
		s.Pairs = append(s.Pairs, topo.Pair{Container: name, ContainerID: fmt.Sprintf("%064x", 0xc0ffee00+i),
			ContainerInterface: "eth0", ContainerIfindex: 2, HostInterface: hostVeth, HostIfindex: hostIdx,
			Bridge: bridge, Network: network, MAC: mac, IPv4: ip, Namespace: ns, Verified: true})
	}
	add(0, "lb", "haproxy:3.0", "bridge", "docker0", "172.17.0.2/16",
		[]topo.Port{{HostIP: "0.0.0.0", HostPort: 80, ContainerPort: 8080, Protocol: "tcp"}})
	add(1, "grafana", "grafana/grafana:11.2", "bridge", "docker0", "172.17.0.3/16",
		[]topo.Port{{HostIP: "127.0.0.1", HostPort: 3000, ContainerPort: 3000, Protocol: "tcp"}})
	for i := 0; i < n; i++ {
		image := "acme/worker:3.1"
		if i%4 == 3 {
			image = "acme/indexer:1.9"
		}
		add(2+i, fmt.Sprintf("app-worker-%d", i+1), image, "appnet", "br-0f3c9a1b2d4e",
			fmt.Sprintf("172.18.%d.%d/16", (i+2)/256, (i+2)%256), nil)
	}
	s.Sort()
	return s
}

// Now is the time a diagram's subtitle names in the tests, when the
// snapshot has none.
var Now = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// Diagrams are the snapshots the diagram tests draw, by name: every
// recorded one and "fleet", 200 workers that are drawn as one group.
func Diagrams(t testing.TB) map[string]*topo.Snapshot {
	t.Helper()
	snaps := map[string]*topo.Snapshot{"fleet": Fleet(200)}
	for _, name := range DiagramFixtures {
		snaps[name] = Diagram(t, name)
	}
	return snaps
}

// SwarmProblems are findings as netviz doctor words its swarm checks, about
// the diagram fixture "swarm": on an overlay network and the uplink, on the
// host (a firewall rule), and on a sandbox's VXLAN device.
func SwarmProblems(t testing.TB) []topo.Finding {
	t.Helper()
	s := Diagram(t, "swarm")
	return []topo.Finding{
		{ID: "overlay-mtu", Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.NetworkRef("appnet"), s.HostInterfaceRef("eth0")},
			Message: "appnet has MTU 1450 but the uplink eth0 only 1450 + 50 fit"},
		{ID: "swarm-ports-blocked", Severity: topo.SeverityError, Subject: []topo.Ref{topo.HostRef(), topo.RuleRef("INPUT"), topo.PortRef("4789/udp")},
			Message: "VXLAN 4789/udp is dropped by INPUT"},
		{ID: "overlay-partitioned", Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.NetworkRef("ingress")},
			Message: "ingress has tasks but no remote VTEP"},
		{ID: "vxlan-down", Severity: topo.SeverityError, Subject: []topo.Ref{{Kind: topo.RefInterface, Name: "vxlan0", Namespace: "ns-4026532288"}},
			Message: "vxlan0 of appnet is down"},
	}
}
