package render

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/netviz/netviz/topo"
)

// diagramFixtures are the recorded snapshots under testdata/diagram.
var diagramFixtures = []string{"pod", "modes", "orphan", "multinet", "hostile"}

func loadDiagramFixture(t testing.TB, name string) *topo.Snapshot {
	t.Helper()
	return loadSnapshot(t, filepath.Join("testdata", "diagram", name+".json"))
}

// fleetSnapshot is a host with n containers on one user bridge, "appnet",
// as `docker compose up --scale worker=n` leaves it, and two containers with
// published ports on docker0.
func fleetSnapshot(n int) *topo.Snapshot {
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
