// Package clustertest makes Swarm nodes' snapshots by hand for the tests
// of the cluster view: a host (rendertest.Fleet) made a Swarm node, with
// an overlay network's sandbox, its VXLAN device, the peers its
// forwarding database holds and tasks attached to it.
package clustertest

import (
	"fmt"

	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/topo"
)

// The overlay network every node of Three holds.
const (
	Network   = "appnet-ov"
	NetworkID = "q7vmq1nz0x8l5k2j3h4g6f9d1"
	VNI       = 4097
)

// Spec says what one node is.
type Spec struct {
	Name    string
	Addr    string // the node's address: its uplink's and its VTEP
	Manager bool
	// Workers are the containers of the fleet on its user bridge.
	Workers int
	// Tasks is how many tasks of the overlay run on the node.
	Tasks int
	// MTU of the overlay (1450 when 0).
	MTU int
	// Peers are the remote VTEPs the node's forwarding database holds.
	Peers []string
	// DropVXLAN adds an INPUT rule that drops 4789/udp: a host firewall
	// that cuts the node's overlays.
	DropVXLAN bool
}

// firewallOf is the node's iptables filter table: every policy ACCEPT,
// and with DropVXLAN a rule dropping VXLAN.
func firewallOf(sp Spec) topo.Firewall {
	input := topo.Chain{Name: "INPUT", Policy: "ACCEPT", Rules: []topo.Rule{}}
	if sp.DropVXLAN {
		input.Rules = append(input.Rules, topo.Rule{Raw: "-p udp -m udp --dport 4789 -j DROP", Protocol: "udp", DPort: "4789", Target: "DROP"})
	}
	return topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendNft, RuleSets: []topo.RuleSet{{
		Backend: topo.BackendNft, Family: 4, Tables: []topo.Table{{Name: "filter", Chains: []topo.Chain{
			input,
			{Name: "FORWARD", Policy: "ACCEPT", Rules: []topo.Rule{}},
			{Name: "OUTPUT", Policy: "ACCEPT", Rules: []topo.Rule{}},
		}}},
	}}}
}

// Node makes the node's snapshot.
func Node(sp Spec) *topo.Snapshot {
	s := rendertest.Fleet(sp.Workers)
	s.Host.Hostname = sp.Name
	for i := range s.Interfaces {
		if s.Interfaces[i].Name == "eth0" {
			s.Interfaces[i].Addresses = []string{sp.Addr + "/24"}
		}
	}
	s.Firewall = firewallOf(sp)
	s.Swarm = &topo.SwarmNode{NodeID: "id-" + sp.Name, ClusterID: "c1", Addr: sp.Addr, Manager: sp.Manager, State: "active"}
	s.Networks = append(s.Networks, topo.Network{Name: Network, ID: NetworkID, Driver: topo.DriverOverlay, Scope: "swarm",
		Subnets: []topo.Subnet{{Subnet: "10.0.1.0/24", Gateway: "10.0.1.1"}}})
	mtu := sp.MTU
	if mtu == 0 {
		mtu = 1450
	}
	sandbox := topo.Namespace{ID: "ns-sbx-" + sp.Name, Inode: 4026539000, Dev: 4, NsID: 900, Name: "1-" + NetworkID[:10], Role: topo.RoleOverlaySandbox,
		Interfaces: []topo.Interface{
			{Name: "br0", Index: 2, Kind: topo.KindBridge, MTU: mtu, State: "up", Up: true, Addresses: []string{"10.0.1.1/24"}},
			{Name: "vxlan0", Index: 3, Kind: "vxlan", MTU: mtu, State: "unknown", Up: true, Master: "br0"},
		}}
	ov := topo.Overlay{Network: Network, NetworkID: NetworkID, Namespace: sandbox.ID, NamespaceName: sandbox.Name, Bridge: "br0", MTU: mtu,
		VXLAN: topo.VXLAN{Name: "vxlan0", VNI: VNI, Port: topo.DefaultVXLANPort, Local: sp.Addr, MTU: mtu, State: "unknown"}}
	for _, p := range sp.Peers {
		ov.Peers = append(ov.Peers, topo.VTEPPeer{VTEP: p})
	}
	base := 0
	fmt.Sscanf(sp.Addr[len(sp.Addr)-1:], "%d", &base)
	for t := 0; t < sp.Tasks; t++ {
		addTask(s, &sandbox, sp, base*20+t+2, mtu)
	}
	s.Namespaces = append(s.Namespaces, sandbox)
	s.Overlays = append(s.Overlays, ov)
	s.Sort()
	return s
}

// addTask attaches one task to the overlay: its eth0 paired with a veth
// on the sandbox's br0.
func addTask(s *topo.Snapshot, sandbox *topo.Namespace, sp Spec, host, mtu int) {
	name := fmt.Sprintf("web.%d.%s", host, sp.Name)
	ns := fmt.Sprintf("ns-task-%s-%d", sp.Name, host)
	mac := fmt.Sprintf("02:42:0a:00:01:%02x", host)
	ip := fmt.Sprintf("10.0.1.%d/24", host)
	veth := fmt.Sprintf("veth%d", host)
	sandbox.Interfaces = append(sandbox.Interfaces, topo.Interface{Name: veth, Index: 10 + host, Kind: topo.KindVeth, MTU: mtu,
		State: "up", Up: true, Master: "br0", PeerNamespace: ns, PeerIndex: 20})
	s.Namespaces = append(s.Namespaces, topo.Namespace{ID: ns, Inode: uint64(4026540000 + host), Dev: 4, NsID: 100 + host, Owner: name, Containers: []string{name}})
	s.Containers = append(s.Containers, topo.Container{Name: name, ID: fmt.Sprintf("%064x", 0xabc000+host), Image: "nginx:1.27",
		State: topo.StateRunning, NetworkMode: "default", PID: 9000 + host, Namespace: ns,
		Endpoints: []topo.Endpoint{{Network: Network, NetworkID: NetworkID, MAC: mac, IPv4: ip}},
		Interfaces: []topo.Interface{{Name: "eth0", Index: 20, Kind: topo.KindVeth, MAC: mac, MTU: mtu, State: "up", Up: true,
			Addresses: []string{ip}, PeerIndex: 10 + host, Network: Network}},
	})
	s.Pairs = append(s.Pairs, topo.Pair{Container: name, ContainerInterface: "eth0", ContainerIfindex: 20, HostInterface: veth,
		HostIfindex: 10 + host, Bridge: "br0", Network: Network, MAC: mac, IPv4: ip, Namespace: ns, HostNamespace: sandbox.ID, Verified: true})
}

// Addresses of the three nodes of Three.
const (
	Addr1 = "192.168.77.1"
	Addr2 = "192.168.77.2"
	Addr3 = "192.168.77.3"
)

// Three are three nodes with tasks on the overlay, every tunnel complete:
// manager "node1", workers "node2" and "node3", workers containers each
// besides.
func Three(workers int) []topo.ClusterNode {
	return []topo.ClusterNode{
		{Snapshot: Node(Spec{Name: "node1", Addr: Addr1, Manager: true, Workers: workers, Tasks: 2, Peers: []string{Addr2, Addr3}})},
		{Snapshot: Node(Spec{Name: "node2", Addr: Addr2, Workers: workers, Tasks: 2, Peers: []string{Addr1, Addr3}})},
		{Snapshot: Node(Spec{Name: "node3", Addr: Addr3, Workers: workers, Tasks: 1, Peers: []string{Addr1, Addr2}})},
	}
}
