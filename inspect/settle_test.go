package inspect

import (
	"fmt"
	"slices"
	"testing"
	"unsafe"

	"github.com/netviz/netviz/topo"
)

// trackerOf is a Tracker that has read host links and containers.
func trackerOf(t *testing.T, links []Link, cs ...ContainerInfo) *Tracker {
	t.Helper()
	k := &fakeKernel{host: HostFacts{Hostname: "h", Namespace: NamespaceFacts{Ref: NSRef{Dev: 4, Inode: 1}, NsID: -1, Links: links}},
		pidNS: map[int]NSRef{}, namespaces: map[NSRef]NamespaceFacts{}}
	for _, c := range cs {
		if c.PID > 0 {
			k.pidNS[c.PID] = NSRef{Dev: 4, Inode: uint64(c.PID)}
		}
	}
	tr := (&Inspector{Runtime: &fakeRuntime{containers: cs}, Kernel: k, Opts: Options{All: true}}).Track()
	if _, err := tr.Full(t.Context()); err != nil {
		t.Fatal(err)
	}
	return tr
}

// webTracker has read a host with links and container web, whose
// namespace the host knows as nsid 0.
func webTracker(t *testing.T, links []Link) *Tracker {
	t.Helper()
	ref := NSRef{Dev: 4, Inode: 101}
	k := &fakeKernel{host: HostFacts{Hostname: "h", Namespace: NamespaceFacts{Ref: NSRef{Dev: 4, Inode: 1}, NsID: -1, Links: links}},
		pidNS: map[int]NSRef{101: ref}, namespaces: map[NSRef]NamespaceFacts{ref: {Ref: ref, NsID: 0}}}
	rt := &fakeRuntime{containers: []ContainerInfo{{ID: "web", Name: "web", State: topo.StateRunning, PID: 101}}}
	tr := (&Inspector{Runtime: rt, Kernel: k, Opts: Options{All: true}}).Track()
	if _, err := tr.Full(t.Context()); err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestUnsettled(t *testing.T) {
	docker0 := func(state string) Link {
		return Link{Index: 5, Name: "docker0", Kind: topo.KindBridge, OperState: state, Up: true, LinkNetNsID: -1}
	}
	veth := func(i int, name string, peer, nsid, master int, state string) Link {
		return Link{Index: i, Name: name, Kind: topo.KindVeth, OperState: state, Up: true, ParentIndex: peer, LinkNetNsID: nsid, MasterIndex: master}
	}
	for _, tc := range []struct {
		name  string
		links []Link
		want  []string
	}{
		{"nothing", nil, nil},
		{"a pair being made: both ends in the host, one on the bridge",
			[]Link{docker0("down"), veth(10, "vethA", 11, -1, 5, "lowerlayerdown"), veth(11, "vethB", 10, -1, 0, "down")},
			[]string{"pair vethA/vethB"}},
		{"a made pair: the peer in a container's namespace",
			[]Link{docker0("up"), veth(10, "vethA", 2, 0, 5, "up")}, nil},
		{"a host veth whose peer index is another namespace's",
			[]Link{veth(10, "vethA", 11, 0, 0, "up"), veth(11, "vethB", 10, -1, 0, "up")}, nil},
		{"a bridge up with no port up: its carrier is about to go",
			[]Link{docker0("up"), veth(10, "vethA", 2, 0, 5, "down")}, []string{"bridge docker0 carrier"}},
		{"a bridge down with a port up: its carrier is about to come",
			[]Link{docker0("down"), veth(10, "vethA", 2, 0, 5, "up")}, []string{"bridge docker0 carrier"}},
		{"a bridge down with no port", []Link{docker0("down")}, nil},
		{"a bridge with spanning tree is left alone",
			[]Link{{Index: 5, Name: "br0", Kind: topo.KindBridge, OperState: "down", Up: true, STP: true, LinkNetNsID: -1}, veth(10, "vethA", 2, 0, 5, "up")}, nil},
		{"a made pair into a namespace no container holds (yet: its events are coming; or an orphan)",
			[]Link{docker0("up"), veth(10, "vethA", 2, 0, 5, "up"), veth(12, "vethC", 2, 7, 5, "up")},
			[]string{"veth vethC into a namespace no container holds"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := webTracker(t, tc.links).Unsettled(); !slices.Equal(got, tc.want) {
				t.Errorf("Unsettled() = %q, want %q", got, tc.want)
			}
		})
	}
	if got := (&Inspector{}).Track().Unsettled(); got != nil {
		t.Errorf("before any read: %q", got)
	}
}

// A container whose process is gone when its namespace is read is on its
// way out: the runtime's die is coming.
func TestUnsettledStoppingContainer(t *testing.T) {
	k := &fakeKernel{host: HostFacts{Namespace: NamespaceFacts{Ref: NSRef{Dev: 4, Inode: 1}, NsID: -1}},
		pidNS: map[int]NSRef{101: {Dev: 4, Inode: 101}}, namespaces: map[NSRef]NamespaceFacts{},
		readErr: map[int]error{101: fmt.Errorf("pid 101: %w", ErrGone)}}
	rt := &fakeRuntime{containers: []ContainerInfo{{ID: "w", Name: "web", State: topo.StateRunning, PID: 101}}}
	tr := (&Inspector{Runtime: rt, Kernel: k}).Track()
	if _, err := tr.Full(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, want := tr.Unsettled(), []string{"container web stopping"}; !slices.Equal(got, want) {
		t.Errorf("Unsettled() = %q, want %q", got, want)
	}
}

func TestContainerNetworks(t *testing.T) {
	tr := trackerOf(t, nil,
		ContainerInfo{ID: "up", Name: "web", State: topo.StateRunning, PID: 101,
			Endpoints: []topo.Endpoint{{Network: "bridge", NetworkID: "n1"}, {Network: "app", NetworkID: "n2"}}},
		ContainerInfo{ID: "made", Name: "db", State: topo.StateCreated})
	for _, tc := range []struct {
		id      string
		nets    []string
		running bool
	}{
		{"up", []string{"n1", "n2"}, true}, // as the runtime gave them: building a snapshot must not reorder the facts
		{"made", nil, false},
		{"unknown", nil, false},
	} {
		if nets, running := tr.ContainerNetworks(tc.id); !slices.Equal(nets, tc.nets) || running != tc.running {
			t.Errorf("ContainerNetworks(%q) = %v, %v; want %v, %v", tc.id, nets, running, tc.nets, tc.running)
		}
	}
}

// A Tracker builds every snapshot from the same cached facts; a snapshot
// handed out (to serve's readers, say) must not share what the next
// build's Sort writes to, or readers race with the watcher.
func TestTrackedSnapshotsShareNothingSortWrites(t *testing.T) {
	eps := []topo.Endpoint{{Network: "z", NetworkID: "n1", IPv6: []string{"fd00::2/64"}}, {Network: "a", NetworkID: "n2"}}
	tr := trackerOf(t, nil, ContainerInfo{ID: "up", Name: "web", State: topo.StateRunning, PID: 101, Endpoints: eps,
		Ports: []topo.Port{{HostPort: 2, ContainerPort: 2}, {HostPort: 1, ContainerPort: 1}}})
	tr.in.Runtime.(*fakeRuntime).networks = []topo.Network{{Name: "z", ID: "n1", Subnets: []topo.Subnet{{Subnet: "10.0.0.0/24"}}}}
	first, err := tr.Full(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	second, err := tr.Refresh(t.Context(), Touched{Containers: []string{"up"}})
	if err != nil {
		t.Fatal(err)
	}
	c1, c2 := first.Containers[0], second.Containers[0]
	for name, same := range map[string]bool{
		"endpoints":   unsafe.SliceData(c1.Endpoints) == unsafe.SliceData(c2.Endpoints),
		"ports":       unsafe.SliceData(c1.Ports) == unsafe.SliceData(c2.Ports),
		"networks":    unsafe.SliceData(first.Networks) == unsafe.SliceData(second.Networks),
		"subnets":     unsafe.SliceData(first.Networks[0].Subnets) == unsafe.SliceData(second.Networks[0].Subnets),
		"runtime's":   unsafe.SliceData(c1.Endpoints) == unsafe.SliceData(eps),
		"endpoint v6": unsafe.SliceData(c1.Endpoints[1].IPv6) == unsafe.SliceData(c2.Endpoints[1].IPv6),
	} {
		if same {
			t.Errorf("two tracked snapshots share their %s", name)
		}
	}
}

// A container read after the runtime said only "created" may already have
// its veth, whose host end the last host read did not list (Docker 29
// starts containers before its events say so): the host is read too, and
// the container comes with its pair, not unpaired.
func TestRefreshReadsTheHostForAnUnknownPeer(t *testing.T) {
	k := &fakeKernel{host: HostFacts{Hostname: "h", Namespace: NamespaceFacts{Ref: NSRef{Dev: 4, Inode: 1}, NsID: -1,
		Links: []Link{{Index: 1, Name: "lo", Kind: topo.KindLoopback, OperState: "unknown", Up: true, LinkNetNsID: -1}}}},
		pidNS: map[int]NSRef{}, namespaces: map[NSRef]NamespaceFacts{}}
	rt := &readingRuntime{fakeRuntime: &fakeRuntime{}, inspect: map[string]int{}}
	tr := (&Inspector{Runtime: rt, Kernel: k}).Track()
	if _, err := tr.Full(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Then Docker makes web: its veth pair, the container end moved in.
	ref := NSRef{Dev: 4, Inode: 101}
	k.pidNS[101] = ref
	k.namespaces[ref] = NamespaceFacts{Ref: ref, NsID: 3, Links: []Link{{Index: 2, Name: "eth0", Kind: topo.KindVeth, MAC: "02:42:ac:11:00:02",
		OperState: "up", Up: true, Addresses: []string{"172.17.0.2/16"}, ParentIndex: 9, LinkNetNsID: 0}}}
	k.host.Namespace.Links = append(slices.Clone(k.host.Namespace.Links),
		Link{Index: 9, Name: "veth9", Kind: topo.KindVeth, OperState: "up", Up: true, ParentIndex: 2, LinkNetNsID: 3})
	rt.containers = []ContainerInfo{{ID: "web", Name: "web", State: topo.StateRunning, PID: 101,
		Endpoints: []topo.Endpoint{{Network: "bridge", NetworkID: "n1", MAC: "02:42:ac:11:00:02", IPv4: "172.17.0.2/16"}}}}
	before := k.hostReads
	s, err := tr.Refresh(t.Context(), Touched{Containers: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	if k.hostReads != before+1 || rt.lists != 1 {
		t.Errorf("host read %d more times, runtime listed %d times; want the host once more and no list but the first", k.hostReads-before, rt.lists)
	}
	if len(s.Pairs) != 1 || s.Pairs[0].HostInterface != "veth9" || s.Pairs[0].Container != "web" {
		t.Errorf("pairs %+v, want web:eth0 ⇄ veth9", s.Pairs)
	}
}
