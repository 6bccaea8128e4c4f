package diff

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/topo"
)

// withFirewall gives a fleet host Docker's usual filter and nat chains,
// with the rules Docker writes for appnet and for lb's published port.
func withFirewall(s *topo.Snapshot) *topo.Snapshot {
	s.Firewall = topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendNft, RuleSets: []topo.RuleSet{{
		Backend: topo.BackendNft, Family: 4,
		Tables: []topo.Table{
			{Name: "filter", Chains: []topo.Chain{
				{Name: "FORWARD", Policy: "DROP", Rules: []topo.Rule{
					{Raw: "-j DOCKER-USER", Target: "DOCKER-USER"},
					{Raw: "-o br-0f3c9a1b2d4e -j DOCKER", Out: "br-0f3c9a1b2d4e", Target: "DOCKER"},
					{Raw: "-o docker0 -j DOCKER", Out: "docker0", Target: "DOCKER"},
					{Raw: "-i br-0f3c9a1b2d4e ! -o br-0f3c9a1b2d4e -j ACCEPT", In: "br-0f3c9a1b2d4e", Out: "!br-0f3c9a1b2d4e", Target: "ACCEPT"},
					{Raw: "-i docker0 ! -o docker0 -j ACCEPT", In: "docker0", Out: "!docker0", Target: "ACCEPT"},
				}},
				{Name: "DOCKER", Rules: []topo.Rule{
					{Raw: "-d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 8080 -j ACCEPT",
						Dest: "172.17.0.2/32", In: "!docker0", Out: "docker0", Protocol: "tcp", DPort: "8080", Target: "ACCEPT"},
				}},
				{Name: "DOCKER-USER", Rules: []topo.Rule{{Raw: "-j RETURN", Target: "RETURN"}}},
			}},
			{Name: "nat", Chains: []topo.Chain{
				{Name: "POSTROUTING", Policy: "ACCEPT", Rules: []topo.Rule{
					{Raw: "-s 172.18.0.0/16 ! -o br-0f3c9a1b2d4e -j MASQUERADE", Source: "172.18.0.0/16", Out: "!br-0f3c9a1b2d4e", Target: "MASQUERADE"},
					{Raw: "-s 172.17.0.0/16 ! -o docker0 -j MASQUERADE", Source: "172.17.0.0/16", Out: "!docker0", Target: "MASQUERADE"},
				}},
				{Name: "DOCKER", Rules: []topo.Rule{
					{Raw: "! -i docker0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.2:8080",
						In: "!docker0", Protocol: "tcp", DPort: "80", Target: "DNAT", ToDestination: "172.17.0.2:8080"},
				}},
			}},
		},
	}}}
	s.Sysctls = map[string]string{topo.SysctlIPForward: "1"}
	s.Routes = []topo.Route{
		{Dst: "default", Gateway: "10.0.2.2", Interface: "eth0", Family: 4},
		{Dst: "172.17.0.0/16", Interface: "docker0", Src: "172.17.0.1", Family: 4},
		{Dst: "172.18.0.0/16", Interface: "br-0f3c9a1b2d4e", Src: "172.18.0.1", Family: 4},
	}
	s.Sort()
	return s
}

// host is the fleet host with n workers, the same on every call.
func host(n int) *topo.Snapshot { return withFirewall(rendertest.Fleet(n)) }

func container(s *topo.Snapshot, name string) *topo.Container {
	c, ok := s.Container(name)
	if !ok {
		panic("no container " + name)
	}
	return c
}

func pair(s *topo.Snapshot, name string) *topo.Pair {
	for i := range s.Pairs {
		if s.Pairs[i].Container == name {
			return &s.Pairs[i]
		}
	}
	panic("no pair of " + name)
}

// renameHostVeth gives a container's host veth a new name everywhere the
// snapshot names it, as a recreated veth has.
func renameHostVeth(s *topo.Snapshot, name, veth string) {
	p := pair(s, name)
	old := p.HostInterface
	p.HostInterface = veth
	for i := range s.Interfaces {
		if s.Interfaces[i].Name == old {
			s.Interfaces[i].Name = veth
		}
	}
	for b := range s.Bridges {
		for i, port := range s.Bridges[b].Ports {
			if port == old {
				s.Bridges[b].Ports[i] = veth
			}
		}
	}
	c := container(s, name)
	for i := range c.Interfaces {
		if c.Interfaces[i].HostPeer == old {
			c.Interfaces[i].HostPeer = veth
		}
	}
}

// setNamespace moves a container into a namespace with another inode, as a
// restart or a recreate does.
func setNamespace(s *topo.Snapshot, name string, inode uint64) {
	c := container(s, name)
	id := "ns-" + strconv.FormatUint(inode, 10)
	for i := range s.Namespaces {
		if s.Namespaces[i].ID == c.Namespace {
			s.Namespaces[i].ID, s.Namespaces[i].Inode = id, inode
		}
	}
	pair(s, name).Namespace = id
	for i := range s.Interfaces {
		if s.Interfaces[i].PeerNamespace == c.Namespace {
			s.Interfaces[i].PeerNamespace = id
		}
	}
	c.Namespace = id
	s.Sort()
}

func compose(s *topo.Snapshot, project, service string, names ...string) {
	for i, n := range names {
		c := container(s, n)
		c.Labels = map[string]string{topo.LabelComposeProject: project, topo.LabelComposeService: service,
			topo.LabelComposeNumber: strconv.Itoa(i + 1)}
	}
}

// compareCase is a pair of hand-made snapshots and what Compare says.
type compareCase struct {
	name string
	old  func() *topo.Snapshot
	new  func() *topo.Snapshot
	want Result
}

var compareCases = []compareCase{{
	name: "identical apart from when and by which netviz",
	old:  func() *topo.Snapshot { return host(3) },
	new: func() *topo.Snapshot {
		s := host(3)
		s.GeneratedAt = s.GeneratedAt.Add(time.Hour)
		s.NetvizVersion = "9.9.9"
		s.Warnings = []topo.Warning{{Code: "container-gone", Message: "went while reading"}}
		return s
	},
	want: Result{},
}, {
	name: "recreated container: new ID, namespace and host veth",
	old:  func() *topo.Snapshot { return host(2) },
	new: func() *topo.Snapshot {
		s := host(2)
		container(s, "app-worker-1").ID = strings.Repeat("3c4d", 16)
		pair(s, "app-worker-1").ContainerID = strings.Repeat("3c4d", 16)
		setNamespace(s, "app-worker-1", 4026539999)
		renameHostVeth(s, "app-worker-1", "veth9f8e7d6")
		return s
	},
	want: Result{Changed: []Change{
		{ObjContainer, "app-worker-1", "id", "00000000000000000000000000000000000000000000000000000000c0ffee02", strings.Repeat("3c4d", 16)},
		{ObjPair, "app-worker-1:eth0", "hostInterface", "veth1a2f19e", "veth9f8e7d6"},
	}},
}, {
	name: "renamed host veth is one change",
	old:  func() *topo.Snapshot { return host(2) },
	new: func() *topo.Snapshot {
		s := host(2)
		renameHostVeth(s, "app-worker-2", "vethnew0001")
		return s
	},
	want: Result{Changed: []Change{{ObjPair, "app-worker-2:eth0", "hostInterface", "veth1a3108d", "vethnew0001"}}},
}, {
	name: "restarted container: same ID, new namespace",
	old:  func() *topo.Snapshot { return host(1) },
	new: func() *topo.Snapshot {
		s := host(1)
		setNamespace(s, "lb", 4026538888)
		return s
	},
	want: Result{Changed: []Change{{ObjContainer, "lb", "namespace", "ns-4026532200", "ns-4026538888"}}},
}, {
	name: "MTU of a container's link",
	old:  func() *topo.Snapshot { return host(1) },
	new: func() *topo.Snapshot {
		s := host(1)
		container(s, "grafana").Interfaces[1].MTU = 1400
		return s
	},
	want: Result{Changed: []Change{{ObjInterface, "grafana:eth0", "mtu", 1500, 1400}}},
}, {
	name: "rule added to a chain, policy changed",
	old:  func() *topo.Snapshot { return host(1) },
	new: func() *topo.Snapshot {
		s := host(1)
		rs := &s.Firewall.RuleSets[0]
		user, _ := rs.Chain("filter", "DOCKER-USER")
		user.Rules = append([]topo.Rule{{Raw: "-s 10.9.0.0/16 -j DROP", Source: "10.9.0.0/16", Target: "DROP"}}, user.Rules...)
		fwd, _ := rs.Chain("filter", "FORWARD")
		fwd.Policy = "ACCEPT"
		return s
	},
	want: Result{
		Added:   []Item{{ObjRule, "filter/DOCKER-USER -A DOCKER-USER -s 10.9.0.0/16 -j DROP", ""}},
		Changed: []Change{{ObjRule, "filter/FORWARD", "policy", "DROP", "ACCEPT"}},
	},
}, {
	name: "finding resolved: the bridge came up",
	old: func() *topo.Snapshot {
		s := host(1)
		s.Bridges[0].State = "down" // br-0f3c9a1b2d4e
		s.Interfaces[3].Up = false
		return s
	},
	new: func() *topo.Snapshot { return host(1) },
	want: Result{
		Removed: []Item{{ObjFinding, "bridge-down br-0f3c9a1b2d4e appnet",
			"error: the bridge br-0f3c9a1b2d4e of network \"appnet\" is administratively down: nothing crosses it, so its containers cannot talk to each other or leave the host"}},
		Changed: []Change{
			{ObjBridge, "br-0f3c9a1b2d4e", "state", "down", "up"},
			{ObjBridge, "br-0f3c9a1b2d4e", "up", false, true},
		},
	},
}, {
	name: "compose service scaled 1 → 3",
	old: func() *topo.Snapshot {
		s := host(1)
		compose(s, "app", "worker", "app-worker-1")
		return s
	},
	new: func() *topo.Snapshot {
		s := host(3)
		compose(s, "app", "worker", "app-worker-1", "app-worker-2", "app-worker-3")
		return s
	},
	want: Result{
		Added: []Item{
			{ObjContainer, "app-worker-2", "image acme/worker:3.1, on appnet"},
			{ObjContainer, "app-worker-3", "image acme/worker:3.1, on appnet"},
		},
		Notes: []Note{{ObjService, "app/worker", "project app: service worker scaled 1 → 3"}},
	},
}, {
	name: "network and container with a published port removed",
	old:  func() *topo.Snapshot { return host(1) },
	new: func() *topo.Snapshot {
		s := host(1)
		s.Containers = slices.DeleteFunc(s.Containers, func(c topo.Container) bool { return c.Name == "app-worker-1" })
		s.Pairs = slices.DeleteFunc(s.Pairs, func(p topo.Pair) bool { return p.Container == "app-worker-1" })
		s.Networks = slices.DeleteFunc(s.Networks, func(n topo.Network) bool { return n.Name == "appnet" })
		s.Bridges = slices.DeleteFunc(s.Bridges, func(b topo.Bridge) bool { return b.Network == "appnet" })
		s.Interfaces = slices.DeleteFunc(s.Interfaces, func(i topo.Interface) bool {
			return i.Name == "br-0f3c9a1b2d4e" || i.Master == "br-0f3c9a1b2d4e"
		})
		s.Routes = slices.DeleteFunc(s.Routes, func(r topo.Route) bool { return r.Interface == "br-0f3c9a1b2d4e" })
		rs := &s.Firewall.RuleSets[0]
		fwd, _ := rs.Chain("filter", "FORWARD")
		fwd.Rules = slices.DeleteFunc(fwd.Rules, func(r topo.Rule) bool { return strings.Contains(r.Raw, "br-0f3c9a1b2d4e") })
		post, _ := rs.Chain("nat", "POSTROUTING")
		post.Rules = post.Rules[1:]
		lb := container(s, "lb")
		lb.Ports = append(lb.Ports, topo.Port{HostIP: "0.0.0.0", HostPort: 443, ContainerPort: 8443, Protocol: "tcp"})
		return s
	},
	want: Result{
		Added: []Item{{ObjPort, "lb 0.0.0.0:443->8443/tcp", ""}},
		Removed: []Item{
			{ObjNetwork, "appnet", "driver bridge, bridge br-0f3c9a1b2d4e, 172.18.0.0/16, 3 firewall rules"},
			{ObjContainer, "app-worker-1", "image acme/worker:3.1, on appnet"},
		},
	},
}}

func TestCompare(t *testing.T) {
	for _, tc := range compareCases {
		t.Run(tc.name, func(t *testing.T) {
			got := Compare(tc.old(), tc.new())
			want := tc.want
			for _, l := range []*[]Item{&want.Added, &want.Removed} {
				if *l == nil {
					*l = []Item{}
				}
			}
			if want.Changed == nil {
				want.Changed = []Change{}
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
			if got.Empty() != (len(want.Added)+len(want.Removed)+len(want.Changed) == 0) {
				t.Errorf("Empty() = %v", got.Empty())
			}
		})
	}
}

// A new container in a new compose project, on a new network with its
// bridge, route and firewall rules, is two items and a note.
func TestCompareProjectUp(t *testing.T) {
	old := host(1)
	new := host(1)
	new.Networks = append(new.Networks, topo.Network{Name: "web_default", ID: "77", Driver: "bridge", Bridge: "br-77",
		Subnets: []topo.Subnet{{Subnet: "172.30.0.0/16"}}, Labels: map[string]string{topo.LabelComposeProject: "web"}})
	new.Bridges = append(new.Bridges, topo.Bridge{Name: "br-77", Network: "web_default", State: "up", MTU: 1500, Addresses: []string{"172.30.0.1/16"}})
	new.Interfaces = append(new.Interfaces, topo.Interface{Name: "br-77", Index: 99, Kind: topo.KindBridge, MTU: 1500, State: "up", Up: true})
	new.Routes = append(new.Routes, topo.Route{Dst: "172.30.0.0/16", Interface: "br-77", Family: 4})
	post, _ := new.Firewall.RuleSets[0].Chain("nat", "POSTROUTING")
	post.Rules = append(post.Rules, topo.Rule{Raw: "-s 172.30.0.0/16 ! -o br-77 -j MASQUERADE", Source: "172.30.0.0/16", Out: "!br-77", Target: "MASQUERADE"})
	fwd, _ := new.Firewall.RuleSets[0].Chain("filter", "FORWARD")
	fwd.Rules = append(fwd.Rules, topo.Rule{Raw: "-i br-77 ! -o br-77 -j ACCEPT", In: "br-77", Out: "!br-77", Target: "ACCEPT"})
	new.Containers = append(new.Containers, topo.Container{Name: "web-api-1", ID: "abc", Image: "busybox", State: topo.StateRunning,
		Endpoints: []topo.Endpoint{{Network: "web_default", IPv4: "172.30.0.2/16"}},
		Labels:    map[string]string{topo.LabelComposeProject: "web", topo.LabelComposeService: "api"}})
	new.Sort()
	got := Compare(old, new)
	want := Result{
		Added: []Item{
			{ObjNetwork, "web_default", "driver bridge, bridge br-77, 172.30.0.0/16, project web, 2 firewall rules"},
			{ObjContainer, "web-api-1", "image busybox, on web_default"},
		},
		Removed: []Item{}, Changed: []Change{},
		Notes: []Note{{ObjProject, "web", "project web up: service api"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	back := Compare(new, old)
	if len(back.Removed) != 2 || back.Notes[0].Text != "project web down: service api" {
		t.Errorf("backwards: %+v", back)
	}
}

// Every container of a service with a new ID is a recreated service.
func TestCompareServiceRecreated(t *testing.T) {
	old, new := host(2), host(2)
	compose(old, "web", "db", "app-worker-1", "app-worker-2")
	compose(new, "web", "db", "app-worker-1", "app-worker-2")
	container(new, "app-worker-1").ID = "new1"
	container(new, "app-worker-2").ID = "new2"
	got := Compare(old, new)
	if want := []Note{{ObjService, "web/db", "project web: service db recreated"}}; !reflect.DeepEqual(got.Notes, want) {
		t.Errorf("notes = %+v, want %+v", got.Notes, want)
	}
	if len(got.Changed) != 2 || got.Changed[0].Field != "id" || got.Changed[1].Field != "id" {
		t.Errorf("changed = %+v, want the two IDs", got.Changed)
	}
}

func TestResultJSONHasEmptyArrays(t *testing.T) {
	b, err := json.Marshal(Compare(host(1), host(1)))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"added":[],"removed":[],"changed":[]}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestCompareIsDeterministic(t *testing.T) {
	old, new := host(5), host(8)
	for i := range new.Containers {
		new.Containers[i].Interfaces[1].MTU = 1450
	}
	first := Compare(old, new)
	for i := 0; i < 20; i++ {
		if got := Compare(old, new); !reflect.DeepEqual(got, first) {
			t.Fatalf("run %d differs", i)
		}
	}
	if len(first.Added) != 3 || len(first.Changed) != 7 {
		t.Errorf("added %d, changed %d; want 3 and 7", len(first.Added), len(first.Changed))
	}
}

func TestEntries(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := Result{
		Added:   []Item{{ObjContainer, "web2", "image busybox"}},
		Removed: []Item{{ObjPort, "web1 0.0.0.0:80->80/tcp", ""}},
		Changed: []Change{{ObjInterface, "web1:eth0", "mtu", 1500, 1400}},
		Notes:   []Note{{ObjService, "p/s", "project p: service s scaled 1 → 2"}},
	}
	var lines []string
	for _, e := range r.Entries(at) {
		b, _ := json.Marshal(e)
		lines = append(lines, string(b))
	}
	want := []string{
		`{"time":"2026-01-02T03:04:05Z","change":"added","object":"container","id":"web2","detail":"image busybox"}`,
		`{"time":"2026-01-02T03:04:05Z","change":"removed","object":"port","id":"web1 0.0.0.0:80-\u003e80/tcp"}`,
		`{"time":"2026-01-02T03:04:05Z","change":"changed","object":"interface","id":"web1:eth0","field":"mtu","before":1500,"after":1400}`,
		`{"time":"2026-01-02T03:04:05Z","change":"note","object":"service","id":"p/s","detail":"project p: service s scaled 1 → 2"}`,
	}
	if !slices.Equal(lines, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if a, rm, c := r.Count(); a != 1 || rm != 1 || c != 1 {
		t.Errorf("Count = %d %d %d", a, rm, c)
	}
}

func BenchmarkCompare500(b *testing.B) {
	old, new := host(500), host(500)
	for i := range new.Containers {
		if i%10 == 0 {
			new.Containers[i].ID = "recreated" + strconv.Itoa(i)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Compare(old, new)
	}
}

func BenchmarkCompare500NoFindings(b *testing.B) {
	old, new := host(500), host(500)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		CompareWith(old, new, Options{NoFindings: true})
	}
}

// Filtered views keep the host's routes and rules whole; Narrow compares
// only those about what the views show, and those that name nothing.
func TestCompareNarrow(t *testing.T) {
	view := func(s *topo.Snapshot) *topo.Snapshot {
		v, err := topo.Filter{Network: "bridge"}.Apply(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	old, new := host(1), host(1)
	new.Routes = append(new.Routes, topo.Route{Dst: "10.1.0.0/16", Interface: "br-0f3c9a1b2d4e", Family: 4},
		topo.Route{Dst: "10.2.0.0/16", Interface: "docker0", Family: 4})
	fwd, _ := new.Firewall.RuleSets[0].Chain("filter", "FORWARD")
	fwd.Rules = append(fwd.Rules,
		topo.Rule{Raw: "-i br-0f3c9a1b2d4e -j DROP", In: "br-0f3c9a1b2d4e", Target: "DROP"},
		topo.Rule{Raw: "-d 172.17.0.2/32 -j DROP", Dest: "172.17.0.2/32", Target: "DROP"},
		topo.Rule{Raw: "-d 172.18.0.2/32 -j DROP", Dest: "172.18.0.2/32", Target: "DROP"},
		topo.Rule{Raw: "-j LOG", Target: "LOG"})
	new.Sort()
	got := CompareWith(view(old), view(new), Options{NoFindings: true, Narrow: true})
	var ids []string
	for _, it := range got.Added {
		ids = append(ids, it.ID)
	}
	want := []string{"10.2.0.0/16 dev docker0", "filter/FORWARD -A FORWARD -d 172.17.0.2/32 -j DROP", "filter/FORWARD -A FORWARD -j LOG"}
	if !slices.Equal(ids, want) || len(got.Removed)+len(got.Changed) != 0 {
		t.Errorf("added %q, want %q; whole result %+v", ids, want, got)
	}
	if all := CompareWith(view(old), view(new), Options{NoFindings: true}); len(all.Added) != 6 {
		t.Errorf("without Narrow %d added, want all 6", len(all.Added))
	}
}

// A container that keeps its name but changes address (moved to another
// network) takes the rules Docker wrote for its old and new addresses
// with it, as one "firewall rules" change, not as loose rule lines.
func TestCompareMovedContainerTakesItsRules(t *testing.T) {
	old, new := host(1), host(1)
	var moved string
	for i := range new.Containers {
		for j := range new.Containers[i].Endpoints {
			if e := &new.Containers[i].Endpoints[j]; e.IPv4 == "172.17.0.2/16" {
				e.IPv4, moved = "172.17.0.9/16", new.Containers[i].Name
			}
		}
	}
	if moved == "" {
		t.Fatal("the fleet has no container at 172.17.0.2")
	}
	nat, _ := new.Firewall.RuleSets[0].Chain("nat", "DOCKER")
	nat.Rules[0] = topo.Rule{Raw: "! -i docker0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.9:8080",
		In: "!docker0", Protocol: "tcp", DPort: "80", Target: "DNAT", ToDestination: "172.17.0.9:8080"}
	got := Compare(old, new)
	for _, it := range append(got.Added, got.Removed...) {
		if it.Object == ObjRule {
			t.Errorf("rule listed on its own: %+v", it)
		}
	}
	want := Change{ObjContainer, moved, "firewall rules",
		[]string{"nat/DOCKER -A DOCKER ! -i docker0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.2:8080"},
		[]string{"nat/DOCKER -A DOCKER ! -i docker0 -p tcp -m tcp --dport 80 -j DNAT --to-destination 172.17.0.9:8080"}}
	if !slices.ContainsFunc(got.Changed, func(c Change) bool { return reflect.DeepEqual(c, want) }) {
		g, _ := json.MarshalIndent(got.Changed, "", "  ")
		t.Errorf("no change %+v in\n%s", want, g)
	}
}

// Docker 29's nftables backend: a moved container's "DROP DIRECT ACCESS"
// rule names its old address only in the rule's text, and each bridge has
// chains of its own that come and go with its network.
func TestCompareNftablesRulesFollowTheirObjects(t *testing.T) {
	raw := func(addr string) topo.NftTable {
		return topo.NftTable{Family: "ip", Name: "docker-bridges", Chains: []topo.NftChain{{Chain: topo.Chain{Name: "raw-PREROUTING",
			Rules: []topo.Rule{{Raw: `ip daddr ` + addr + ` iifname != "docker0" drop comment "DROP DIRECT ACCESS"`}}}}}}
	}
	old, new := host(1), host(1)
	old.Firewall.Nftables = []topo.NftTable{raw("172.17.0.2")}
	new.Firewall.Nftables = []topo.NftTable{raw("172.17.0.9")}
	for i := range new.Containers {
		for j := range new.Containers[i].Endpoints {
			if e := &new.Containers[i].Endpoints[j]; e.IPv4 == "172.17.0.2/16" {
				e.IPv4 = "172.17.0.9/16"
			}
		}
	}
	got := Compare(old, new)
	for _, it := range append(got.Added, got.Removed...) {
		if it.Object == ObjRule {
			t.Errorf("rule listed on its own: %+v", it)
		}
	}
	if !slices.ContainsFunc(got.Changed, func(c Change) bool { return c.Field == "firewall rules" }) {
		t.Errorf("no firewall rules change in %+v", got.Changed)
	}

	d := newDiffer(old, new)
	d.wholeBridges["br-1437210fcc12"] = "web"
	if !d.subsumeChain("ip docker-bridges filter-forward-in__br-1437210fcc12") || d.subsumed[[2]string{ObjNetwork, "web"}] != 1 {
		t.Error("a whole network's own nftables chain is listed on its own")
	}
	if d.subsumeChain("ip docker-bridges filter-forward-in__br-other") || d.subsumeChain("ip filter FORWARD") {
		t.Error("a chain of another bridge, or no bridge, is taken for the network's")
	}
}
