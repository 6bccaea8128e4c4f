package pathfind

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/clustertest"
	"github.com/netviz/netviz/topo"
)

// webTask is swarmNode's one task of service web (10.0.1.6 on ovnet1).
const webTask = "web.1.ptraped4988clo7ayib9yqar1"

// addWebTask adds to swarmNode a second task of service web on ovnet1,
// named name with address addr, in state.
func addWebTask(t *testing.T, s *topo.Snapshot, name, addr, state string) {
	t.Helper()
	c, ok := s.Container(webTask)
	if !ok {
		t.Fatal("no task of web")
	}
	task := *c
	task.Name, task.ID, task.State = name, name+"-id", state
	task.Interfaces, task.Endpoints = nil, nil
	for _, ep := range c.Endpoints {
		if ep.Network == "ovnet1" {
			ep.IPv4, ep.MAC = addr+"/24", "02:42:0a:00:01:99"
			task.Endpoints = append(task.Endpoints, ep)
		}
	}
	s.Containers = append(s.Containers, task)
	v := onOvnet1(t, s)
	v.Tasks = append(v.Tasks, addr)
	s.Sort()
}

// webElsewhere makes every task of web one of other nodes: 10.0.1.77 (on
// the node at 192.168.77.2, by ovnet1's forwarding database) and 10.0.1.78.
func webElsewhere(t *testing.T, s *topo.Snapshot) {
	t.Helper()
	for i := range s.Overlays {
		o := &s.Overlays[i]
		for j := range o.Services {
			if o.Services[j].Service == "web" {
				o.Services[j].Tasks = nil
			}
		}
		if o.Network == "ovnet1" {
			o.Peers = append(o.Peers, topo.VTEPPeer{VTEP: "192.168.77.2", IPs: []string{"10.0.1.77"}})
		}
	}
	onOvnet1(t, s).Tasks = []string{"10.0.1.77", "10.0.1.78"}
}

// rename renames a container of s, and its veth pairs with it.
func rename(t *testing.T, s *topo.Snapshot, from, to string) {
	t.Helper()
	c, ok := s.Container(from)
	if !ok {
		t.Fatalf("no container %s", from)
	}
	c.Name = to
	for i := range s.Pairs {
		if s.Pairs[i].Container == from {
			s.Pairs[i].Container = to
		}
	}
}

func TestServiceAsSource(t *testing.T) {
	toOvc1 := webTask + ":eth2 → 1-oi67uqdgl8:veth3 → 1-oi67uqdgl8:br0 → 1-oi67uqdgl8:veth1 → ovc1:eth0"
	for _, tc := range []struct {
		name, src, dst string
		mutate         func(t *testing.T, s *topo.Snapshot)
		verdict        string
		hops           string
		task           string   // FromTask; "" when SRC is no service
		others         []string // FromOtherTasks
		why            []string // in the first hop's explanation
		reason         []string
	}{
		{"by name", "web", "ovc1", nil, Reachable, "service web → " + toOvc1, webTask, nil,
			[]string{"SRC is service web: netviz follows its task " + webTask + " (10.0.1.6), its only task on this node"},
			[]string{"from service web's task " + webTask + ": same overlay network \"ovnet1\""}},
		{"by ID prefix", "zim7qeu", "ovc1", nil, Reachable, "service web → " + toOvc1, webTask, nil, nil, nil},
		{"by VIP", "10.0.1.5", "ovc1", nil, Reachable, "service web → " + toOvc1, webTask, nil, nil, nil},
		{"the first of two running tasks by name", "web", "ovc1", func(t *testing.T, s *topo.Snapshot) {
			addWebTask(t, s, "web.2.zzz", "10.0.1.9", topo.StateRunning)
		}, Reachable, "service web → " + toOvc1, webTask, []string{"web.2.zzz (10.0.1.9)"},
			[]string{"the first of its 2 tasks on this node (the others: web.2.zzz (10.0.1.9))"}, nil},
		{"a running task before a stopped one", "web", "ovc1", func(t *testing.T, s *topo.Snapshot) {
			addWebTask(t, s, "web.0.aaa", "10.0.1.9", "exited")
		}, Reachable, "service web → " + toOvc1, webTask, []string{"web.0.aaa (10.0.1.9)"}, nil, nil},
		{"tasks on other nodes too", "web", "ovc1", func(t *testing.T, s *topo.Snapshot) {
			onOvnet1(t, s).Tasks = []string{"10.0.1.6", "10.0.1.77"}
		}, Reachable, "", webTask, nil,
			[]string{"its only task on this node; its 1 task on other nodes (10.0.1.77) netviz cluster path follows"}, nil},
		{"both SRC and DST", "web", "web", nil, Reachable,
			"service web → DNS 127.0.0.11 (in " + webTask + ") → IPVS (" + webTask + "'s namespace) → " + webTask + ":lo", webTask, nil, nil,
			[]string{"from service web's task " + webTask + ": service web's only task is the sender itself"}},
		{"to a service it shares no network with", "web", "db", withBackend, Blocked, "service web → DNS 127.0.0.11 (in " + webTask + ")", webTask, nil, nil,
			[]string{webTask + " is on no network of service db"}},
		{"a container named like the service", "web", "ovc2", func(t *testing.T, s *topo.Snapshot) {
			rename(t, s, "ovc1", "web")
		}, Reachable, "web:eth0 → 1-oi67uqdgl8:veth1 → 1-oi67uqdgl8:br0 → 1-oi67uqdgl8:veth2 → ovc2:eth0", "", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := findOnSwarmNode(t, tc.mutate, tc.src, tc.dst)
			bad := r.Verdict != tc.verdict || (tc.hops != "" && hops(r) != tc.hops) || r.From != tc.src || r.FromTask != tc.task ||
				!slices.Equal(r.FromOtherTasks, tc.others)
			if tc.task != "" {
				bad = bad || r.FromService != "web" || r.Hops[0].At != "service web"
			} else {
				bad = bad || r.FromService != "" || r.Hops[0].At == "service web"
			}
			for _, want := range tc.why {
				bad = bad || !strings.Contains(r.Hops[0].Why, want)
			}
			for _, want := range tc.reason {
				bad = bad || !strings.Contains(r.Reason, want)
			}
			if bad {
				t.Errorf("%s → %s:\n got %s: %s\n     %s\n     task %q others %q service %q\nwant %s: %q\n     %s\n     task %q others %q\nfirst hop: %s, want %q",
					tc.src, tc.dst, r.Verdict, r.Reason, hops(r), r.FromTask, r.FromOtherTasks, r.FromService,
					tc.verdict, tc.reason, tc.hops, tc.task, tc.others, r.Hops[0].Why, tc.why)
			}
		})
	}
}

func TestServiceAsSourceItCannotPlace(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		mutate    func(t *testing.T, s *topo.Snapshot)
		want      []string
	}{
		{"no task on this node", "web", webElsewhere, []string{`"web": service web has no task on this node; its tasks (10.0.1.77, 10.0.1.78) are on the node(s) at 192.168.77.2`,
			"netviz cluster path web DST follows one of them"}},
		{"no task at all", "web", func(t *testing.T, s *topo.Snapshot) {
			webElsewhere(t, s)
			onOvnet1(t, s).Tasks = nil
		}, []string{"service web has no task that this node knows of"}},
		{"a close name", "wbe", nil, []string{`no such container "wbe"`, `no service "wbe" either (did you mean web?)`}},
		{"an ID prefix of two services", "dbq", func(t *testing.T, s *topo.Snapshot) {
			withBackend(t, s)
			for i := range s.Overlays {
				for j := range s.Overlays[i].Services {
					if s.Overlays[i].Services[j].Service == "web" {
						s.Overlays[i].Services[j].ServiceID = "dbq1111111111111111111111"
					}
				}
			}
		}, []string{"several services, name one: db, web"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := swarmNode(t)
			if tc.mutate != nil {
				tc.mutate(t, s)
			}
			_, err := Find(s, tc.src, "ovc1", Options{})
			if !errors.Is(err, ErrUnknownEndpoint) || !errors.Is(err, topo.ErrUnknownContainer) {
				t.Fatalf("%v, want an unknown endpoint", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%v\nwant %q in it", err, want)
				}
			}
		})
	}
}

func TestFindAcrossFromService(t *testing.T) {
	// api's tasks: node2/web.43.node2 (10.0.1.43), node3/web.62.node3 (10.0.1.62).
	for _, tc := range []struct {
		name, src, dst string
		mutate         func([]topo.ClusterNode)
		verdict        string
		task           string
		others         []string
		hops           []string // in order (others may come between), each the start of a hop's "at: why"
		reason         []string
	}{
		{"to a task on another node", "api", "web.22.node1", nil, Reachable, "node2/web.43.node2", []string{"node3/web.62.node3 (10.0.1.62)"},
			[]string{"service api: SRC is service api: netviz follows its task node2/web.43.node2 (10.0.1.43), the first of its 2 tasks by node and name (the others: node3/web.62.node3 (10.0.1.62))",
				"node2/web.43.node2 eth0", "underlay 192.168.77.2 → 192.168.77.1:4789/udp", "node1/web.22.node1 eth0"},
			[]string{"from service api's task node2/web.43.node2: node2/web.43.node2 reaches node1/web.22.node1 over overlay appnet-ov"}},
		{"by VIP", "10.0.1.101", "web.22.node1", nil, Reachable, "node2/web.43.node2", []string{"node3/web.62.node3 (10.0.1.62)"},
			[]string{"service api", "underlay 192.168.77.2 → 192.168.77.1:4789/udp"}, nil},
		{"to a task on the same node", "api", "web.42.node2", nil, Reachable, "node2/web.43.node2", []string{"node3/web.62.node3 (10.0.1.62)"},
			[]string{"service api", "web.43.node2:eth0", "web.42.node2:eth0"}, []string{"from service api's task node2/web.43.node2"}},
		{"both SRC and DST", "api", "web", nil, Unknown, "node2/web.43.node2", []string{"node3/web.62.node3 (10.0.1.62)"},
			[]string{"service api", "DNS 127.0.0.11 (in node2/web.43.node2): web → VIP 10.0.1.100",
				"IPVS (node2/web.43.node2's namespace): VIP 10.0.1.100:80 of service web → node1/web.22.node1 (10.0.1.22), one of 5 tasks",
				"underlay 192.168.77.2 → 192.168.77.1:4789/udp"},
			[]string{"from service api's task node2/web.43.node2: node2/web.43.node2 reaches node1/web.22.node1", "netviz followed node1/web.22.node1"}},
		{"the first task's node did not answer", "api", "web.22.node1", withServices(func(nodes []topo.ClusterNode) {
			nodes[0].Snapshot.Overlays[0].Peers[0].IPs = []string{"10.0.1.43"}
			nodes[1] = topo.ClusterNode{Name: "node2", Addr: clustertest.Addr2, Error: "did not answer: refused"}
		}), Reachable, "node3/web.62.node3", []string{"10.0.1.43 on node2, which did not answer: refused"},
			[]string{"service api: SRC is service api: netviz follows its task node3/web.62.node3 (10.0.1.62), its only task by node and name (the others: 10.0.1.43 on node2, which did not answer: refused)",
				"underlay 192.168.77.3 → 192.168.77.1:4789/udp"}, nil},
		{"a container named like the service", "api", "web.22.node1", withServices(func(nodes []topo.ClusterNode) {
			rename(t, nodes[0].Snapshot, "web.23.node1", "api")
		}), Reachable, "", nil, []string{"api:eth0", "web.22.node1:eth0"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mutate := tc.mutate
			if mutate == nil {
				mutate = withServices(nil)
			}
			r, err := FindAcross(threeNodes(mutate), tc.src, tc.dst, Options{})
			if err != nil {
				t.Fatal(err)
			}
			bad := r.Verdict != tc.verdict || r.From != tc.src || r.FromTask != tc.task || !slices.Equal(r.FromOtherTasks, tc.others)
			if tc.task != "" {
				bad = bad || r.FromService != "api"
			}
			next := hopsInOrder(r, tc.hops)
			bad = bad || next != len(tc.hops) || !reasonHasAll(r, tc.reason)
			if bad {
				t.Errorf("%s → %s:\n got %s: %s\n     task %q others %q service %q\n%s\nwant %s: %q\n     task %q others %q\nhops in order: %q (matched %d)",
					tc.src, tc.dst, r.Verdict, r.Reason, r.FromTask, r.FromOtherTasks, r.FromService, hopsText(r),
					tc.verdict, tc.reason, tc.task, tc.others, tc.hops, next)
			}
		})
	}
}

func TestFindAcrossFromServiceItCannotPlace(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		mutate    func([]topo.ClusterNode)
		want      string
	}{
		{"no answering node has a task", "api", func(nodes []topo.ClusterNode) {
			nodes[0].Snapshot.Overlays[0].Peers[0].IPs = []string{"10.0.1.43"}
			nodes[0].Snapshot.Overlays[0].Peers[1].IPs = []string{"10.0.1.62"}
			nodes[1] = topo.ClusterNode{Name: "node2", Addr: clustertest.Addr2, Error: "did not answer: refused"}
			nodes[2] = topo.ClusterNode{Name: "node3", Addr: clustertest.Addr3, Error: "did not answer: timeout"}
		}, `"api": service api has no task on a node that answered: 10.0.1.43 on node2, which did not answer: refused, 10.0.1.62 on node3, which did not answer: timeout`},
		{"an ID prefix of two services", "apiz", func(nodes []topo.ClusterNode) {
			for i := range nodes {
				nodes[i].Snapshot.Overlays[0].Services[1].ServiceID = "apiz1111111111111111111"
			}
		}, "several services, name one: api, web"},
		{"a close name", "aip", nil, `no service "aip" either (did you mean api?)`},
		{"a container name on several nodes", "api", func(nodes []topo.ClusterNode) {
			rename(t, nodes[0].Snapshot, "web.23.node1", "api")
			rename(t, nodes[1].Snapshot, "web.43.node2", "api")
		}, `"api": on several nodes, name one: node1/api, node2/api`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FindAcross(threeNodes(withServices(tc.mutate)), tc.src, "web.22.node1", Options{})
			if !errors.Is(err, ErrUnknownEndpoint) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v\nwant %q in it", err, tc.want)
			}
		})
	}
}
