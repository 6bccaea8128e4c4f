package pathfind

import (
	"errors"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/clustertest"
	"github.com/netviz/netviz/topo"
)

// withServices gives the clustertest nodes' overlay what Docker's verbose
// network inspect lists on every node: service "web" (VIP 10.0.1.100,
// all five tasks: node1 .22 .23, node2 .42 .43, node3 .62) and service
// "api" (VIP 10.0.1.101, tasks .43 and .62), with their IDs as a manager
// knows them; and a service "db" on an overlay "backnet" that only node2
// holds and no task of appnet-ov is on.
func withServices(mutate func(nodes []topo.ClusterNode)) func([]topo.ClusterNode) {
	return func(nodes []topo.ClusterNode) {
		for i := range nodes {
			addServices(nodes[i].Snapshot)
		}
		s := nodes[1].Snapshot
		s.Networks = append(s.Networks, topo.Network{Name: "backnet", ID: "bk0000000000000000000000a", Driver: topo.DriverOverlay, Scope: "swarm",
			Subnets: []topo.Subnet{{Subnet: "10.0.9.0/24"}}})
		s.Overlays = append(s.Overlays, topo.Overlay{Network: "backnet", NetworkID: "bk0000000000000000000000a", NamespaceName: "1-bk00000000",
			Bridge: "br0", VXLAN: topo.VXLAN{Name: "vxlan0", VNI: 4100, Port: 4789},
			Services: []topo.ServiceVIP{{Service: "db", ServiceID: "dbz00000000000000000000", VIP: "10.0.9.2/24", Tasks: []string{"10.0.9.3"}}}})
		if mutate != nil {
			mutate(nodes)
		}
	}
}

// addServices is withServices's "api" and "web" on one node.
func addServices(s *topo.Snapshot) {
	s.Overlays[0].Services = []topo.ServiceVIP{
		{Service: "api", ServiceID: "apiz00000000000000000000", VIP: "10.0.1.101/24", Tasks: []string{"10.0.1.43", "10.0.1.62"}},
		{Service: "web", ServiceID: "webz00000000000000000000", VIP: "10.0.1.100/24",
			Tasks: []string{"10.0.1.22", "10.0.1.23", "10.0.1.42", "10.0.1.43", "10.0.1.62"}},
	}
}

func TestFindAcrossToService(t *testing.T) {
	ipvs := "IPVS (node1/web.22.node1's namespace): VIP 10.0.1.101:80 of service api → node2/web.43.node2 (10.0.1.43), one of 2 tasks"
	for _, tc := range []struct {
		name, dst string
		mutate    func([]topo.ClusterNode)
		verdict   string
		hops      []string // in order (others may come between), each the start of a hop's "at: why"
		reason    []string
	}{
		{"by name, to another node", "api", nil, Unknown,
			[]string{"DNS 127.0.0.11 (in node1/web.22.node1): api → VIP 10.0.1.101 on overlay appnet-ov", ipvs,
				"node1/web.22.node1 eth0", "node1: vxlan0 (VNI 4097)", "underlay 192.168.77.1 → 192.168.77.2:4789/udp", "node2/web.43.node2 eth0"},
			[]string{"node1/web.22.node1 reaches node2/web.43.node2 over overlay appnet-ov", "IPVS in node1/web.22.node1's namespace",
				"one of service api's 2 tasks; netviz followed node2/web.43.node2 (10.0.1.43) (the others: node3/web.62.node3 (10.0.1.62))"}},
		{"by VIP", "10.0.1.101", nil, Unknown, []string{ipvs, "node1/web.22.node1 eth0"}, []string{"service api"}},
		{"by service ID prefix", "apiz0", nil, Unknown, []string{"DNS 127.0.0.11", ipvs}, []string{"node2/web.43.node2"}},
		{"first task on the sender's node, not the sender", "web", nil, Unknown,
			[]string{"DNS 127.0.0.11", "IPVS (node1/web.22.node1's namespace): VIP 10.0.1.100:80 of service web → node1/web.23.node1 (10.0.1.23), one of 5 tasks",
				"node1: web.22.node1:eth0", "node1: 1-q7vmq1nz0x:veth22", "node1: 1-q7vmq1nz0x:br0", "node1: 1-q7vmq1nz0x:veth23", "node1: web.23.node1:eth0"},
			[]string{"to node1/web.23.node1 on the same node", "netviz followed node1/web.23.node1 (10.0.1.23) (the others: node2/web.42.node2 (10.0.1.42), node2/web.43.node2 (10.0.1.43), node3/web.62.node3 (10.0.1.62))"}},
		{"dnsrr", "api", withServices(func(nodes []topo.ClusterNode) {
			for i := range nodes {
				nodes[i].Snapshot.Overlays[0].Services[0].VIP = ""
				nodes[i].Snapshot.Overlays[0].Services[0].EndpointMode = topo.EndpointDNSRR
			}
		}), Unknown,
			[]string{"DNS 127.0.0.11 (in node1/web.22.node1): api → 10.0.1.43, 10.0.1.62: endpoint mode dnsrr", "node1/web.22.node1 eth0", "node2/web.43.node2 eth0"},
			[]string{"in round robin; netviz followed node2/web.43.node2"}},
		{"the chosen task's node did not answer", "api", withServices(func(nodes []topo.ClusterNode) {
			nodes[0].Snapshot.Overlays[0].Peers[1].IPs = []string{"10.0.1.62"}
			nodes[1].Snapshot.Overlays[0].Services[0].Tasks = []string{"10.0.1.62"}
			nodes[0].Snapshot.Overlays[0].Services[0].Tasks = []string{"10.0.1.62"}
			nodes[2] = topo.ClusterNode{Name: "node3", Addr: clustertest.Addr3, Error: "did not answer: refused"}
		}), Unknown, []string{"DNS 127.0.0.11", "IPVS (node1/web.22.node1's namespace): VIP 10.0.1.101:80 of service api → 10.0.1.62 on node3, which did not answer: refused, its only task"},
			[]string{"service api's tasks (10.0.1.62) are on no node that answered: 10.0.1.62 on node3, which did not answer: refused"}},
		{"another task's node did not answer", "api", withServices(func(nodes []topo.ClusterNode) {
			nodes[0].Snapshot.Overlays[0].Peers[1].IPs = []string{"10.0.1.62"}
			nodes[2] = topo.ClusterNode{Name: "node3", Addr: clustertest.Addr3, Error: "did not answer: refused"}
		}), Unknown, []string{ipvs, "node2/web.43.node2 eth0"},
			[]string{"netviz followed node2/web.43.node2 (10.0.1.43) (the others: 10.0.1.62 on node3, which did not answer: refused)"}},
		{"the chosen task's node drops VXLAN", "api", withServices(func(nodes []topo.ClusterNode) {
			nodes[1].Snapshot = clustertest.Node(clustertest.Spec{Name: "node2", Addr: clustertest.Addr2, Tasks: 2,
				Peers: []string{clustertest.Addr1, clustertest.Addr3}, DropVXLAN: true})
			addServices(nodes[1].Snapshot)
		}), Blocked, []string{ipvs, "node2: INPUT: DROP"},
			[]string{"to service api: on node2, the VXLAN packet", "(IPVS in node1/web.22.node1's namespace, which netviz does not read, picks one of service api's 2 tasks; netviz followed node2/web.43.node2 (10.0.1.43) (the others: node3/web.62.node3 (10.0.1.62)))"}},
		{"no shared network", "db", nil, Blocked,
			[]string{"DNS 127.0.0.11 (in node1/web.22.node1): db → no answer: node1/web.22.node1 shares no network with service db"},
			[]string{"node1/web.22.node1 is on no network of service db, so Docker's DNS does not resolve db", "service db is on backnet"}},
		{"VIP on a network the sender is not on", "10.0.9.2", nil, Blocked,
			[]string{"node1/web.22.node1: 10.0.9.2 is service db's VIP on overlay backnet, a network node1/web.22.node1 is not attached to"},
			[]string{"10.0.9.2 is service db's VIP, but node1/web.22.node1 is on no network of service db"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mutate := tc.mutate
			if mutate == nil {
				mutate = withServices(nil)
			}
			r, err := FindAcross(threeNodes(mutate), "web.22.node1", tc.dst, Options{})
			if err != nil {
				t.Fatal(err)
			}
			bad := r.Verdict != tc.verdict || len(r.Hops) < len(tc.hops)
			next := hopsInOrder(r, tc.hops)
			bad = bad || next != len(tc.hops) || !reasonHasAll(r, tc.reason)
			if bad {
				t.Errorf("%s:\n got %s: %s\n%s\nwant %s: %q\nhops in order: %q (matched %d)", tc.dst, r.Verdict, r.Reason, hopsText(r), tc.verdict, tc.reason, tc.hops, next)
			}
		})
	}
}

func TestFindAcrossUnknownService(t *testing.T) {
	c := threeNodes(withServices(nil))
	for _, tc := range []struct{ in, want string }{
		{"aip", `no node has it; no service "aip" either (did you mean api?)`},
		{"nosuch", `no service "nosuch" either`},
		{"10.0.1.200", "no node has it"},
		{"node1/api", `node node1 has no container "api"`},
	} {
		_, err := FindAcross(c, "web.22.node1", tc.in, Options{})
		if !errors.Is(err, ErrUnknownEndpoint) || !errors.Is(err, topo.ErrUnknownContainer) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.in, err, tc.want)
		}
		if err != nil && tc.in == "node1/api" && strings.Contains(err.Error(), "service") {
			t.Errorf("NODE/CONTAINER is never a service: %v", err)
		}
	}
}
