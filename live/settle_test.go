package live

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

// The links of Docker's work on a container's pair, as the fake host
// holds them: docker0 (5), the host end vethA (10) and the container end,
// vethB (11) in the host or eth0 (2) in the namespace of pid 101.
var lo = inspect.Link{Index: 1, Name: "lo", Kind: topo.KindLoopback, OperState: "unknown", Up: true, LinkNetNsID: -1}

func docker0(up bool) inspect.Link {
	l := inspect.Link{Index: 5, Name: "docker0", Kind: topo.KindBridge, OperState: "down", Up: true, LinkNetNsID: -1}
	if up {
		l.OperState = "up"
	}
	return l
}

// hostEnd is vethA on docker0, its peer vethB in the host (moved false)
// or eth0 in pid 101's namespace.
func hostEnd(moved bool) inspect.Link {
	l := inspect.Link{Index: 10, Name: "vethA", Kind: topo.KindVeth, OperState: "lowerlayerdown", Up: true, MasterIndex: 5, ParentIndex: 11, LinkNetNsID: -1}
	if moved {
		l.OperState, l.ParentIndex, l.LinkNetNsID = "up", 2, 101
	}
	return l
}

var (
	vethB = inspect.Link{Index: 11, Name: "vethB", Kind: topo.KindVeth, OperState: "down", ParentIndex: 10, LinkNetNsID: -1}
	eth0  = inspect.Link{Index: 2, Name: "eth0", Kind: topo.KindVeth, OperState: "up", Up: true, ParentIndex: 10, LinkNetNsID: 0, Addresses: []string{"172.17.0.2/16"}}
)

func (h *fakeHost) set(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f()
}

func linkChange(l inspect.Link, action string) inspect.Change {
	return inspect.Change{Time: time.Now(), Kind: inspect.ChangeLink, Action: action, ID: "x", Name: l.Name, Up: l.OperState == "up"}
}

func containerChange(name, action string) inspect.Change {
	return inspect.Change{Time: time.Now(), Kind: inspect.ChangeContainer, Action: action, ID: name + "-id", Container: name + "-id", Name: name}
}

func networkChange(name, action string) inspect.Change {
	return inspect.Change{Time: time.Now(), Kind: inspect.ChangeNetwork, Action: action, ID: "bridge-net", Name: "bridge", Container: name + "-id"}
}

var webOnBridge = inspect.ContainerInfo{ID: "web-id", Name: "web", Image: "busybox", NetworkMode: "bridge",
	Endpoints: []topo.Endpoint{{Network: "bridge", NetworkID: "bridge-net", IPv4: "172.17.0.2/16"}}}

// settleOptions read a batch as soon as anything lets them, and never
// stop waiting for Docker: what the tests show is what the waiting does.
var settleOptions = Options{Debounce: time.Millisecond, MaxDelay: 2 * time.Millisecond, SettleMax: time.Hour}

// A pause long enough for a batch not held to have been read many times
// over: it makes a missing hold show, and cannot make a hold fail.
func pause() { time.Sleep(100 * time.Millisecond) }

// dockerRun plays Docker's `docker run` on the fake host: create,
// connect with the pair made in the host, a pause, the container's end
// moved into its namespace, start.
func dockerRun(h *fakeHost) {
	h.set(func() {
		c := webOnBridge
		c.State = topo.StateCreated
		h.containers = append(h.containers, c)
	})
	h.runtime <- containerChange("web", "create")
	h.runtime <- networkChange("web", "connect")
	h.set(func() { h.hostLinks = []inspect.Link{lo, docker0(false), hostEnd(false), vethB} })
	h.notify(0, linkChange(hostEnd(false), "new"), linkChange(vethB, "new"), linkChange(hostEnd(false), "new"))
	pause()
	h.set(func() {
		h.containers[len(h.containers)-1].State, h.containers[len(h.containers)-1].PID = topo.StateRunning, 101
		h.nsLinks[101] = []inspect.Link{lo, eth0}
		h.hostLinks = []inspect.Link{lo, docker0(true), hostEnd(true)}
	})
	h.notify(0, linkChange(vethB, "del"), linkChange(hostEnd(true), "new"), linkChange(docker0(true), "new"))
	h.runtime <- containerChange("web", "start")
}

// hostNames are the host's interfaces with their states.
func hostNames(s *topo.Snapshot) []string {
	var out []string
	for _, i := range s.Interfaces {
		out = append(out, i.Name+" "+i.State)
	}
	slices.Sort(out)
	return out
}

// Docker's start — connect, the pair made in the host, its end moved
// into the container's namespace a moment later, start — is one update:
// the container with its interface and pair, the host end up, and the
// container's end never shown in the host.
func TestStartIsOneUpdate(t *testing.T) {
	h := newFakeHost()
	h.hostLinks = []inspect.Link{lo, docker0(false)}
	r := runWatcher(t, h, settleOptions)
	r.next()
	dockerRun(h)
	u := r.next()
	if u.Seq != 2 {
		t.Fatalf("update %d: %q; want the start as update 2", u.Seq, u.Cause)
	}
	if got, want := hostNames(u.Snapshot), []string{"docker0 up", "lo unknown", "vethA up"}; !slices.Equal(got, want) {
		t.Errorf("host interfaces %q, want %q", got, want)
	}
	if len(u.Snapshot.Containers) != 1 || len(u.Snapshot.Containers[0].Interfaces) != 2 || len(u.Snapshot.Pairs) != 1 || u.Snapshot.Pairs[0].HostInterface != "vethA" {
		t.Errorf("containers %+v pairs %+v; want web with eth0 paired to vethA", u.Snapshot.Containers, u.Snapshot.Pairs)
	}
	if len(u.Changes.Removed) != 1 || u.Changes.Removed[0].ID != "interface docker0 down" {
		t.Errorf("removed %+v, want docker0's state before alone", u.Changes.Removed)
	}
	if !strings.Contains(u.Cause, "container web connected to network bridge") || !strings.Contains(u.Cause, "container web started") {
		t.Errorf("cause %q, want web's connect (by the name its create gave) and start", u.Cause)
	}
	// Read once for all of it: nothing while Docker was at work.
	if n := h.count(func() int { return h.hostReads }); n != 2 {
		t.Errorf("host read %d times, want 2 (the first read, then once after the start)", n)
	}
}

// Docker's stop — die, the container's end back in the host, both ends
// deleted, disconnect — is one update: the container and its pair gone,
// nothing added on the way.
func TestStopIsOneUpdate(t *testing.T) {
	h := newFakeHost()
	h.hostLinks = []inspect.Link{lo, docker0(false)}
	r := runWatcher(t, h, settleOptions)
	r.next()
	dockerRun(h)
	r.next()
	h.settled(101)
	h.runtime <- containerChange("web", "die")
	h.set(func() {
		h.containers[0].State, h.containers[0].PID = topo.StateExited, 0
		delete(h.nsLinks, 101)
		back := hostEnd(false)
		back.OperState = "down"
		h.hostLinks = []inspect.Link{lo, docker0(true), back, vethB}
	})
	h.notify(0, linkChange(hostEnd(false), "new"), linkChange(vethB, "new"))
	pause()
	h.set(func() { h.hostLinks = []inspect.Link{lo, docker0(false)} })
	h.notify(0, linkChange(vethB, "del"), linkChange(hostEnd(false), "del"), linkChange(docker0(false), "new"))
	h.runtime <- networkChange("web", "disconnect")
	u := r.next()
	if u.Seq != 3 || len(u.Snapshot.Containers) != 0 || len(u.Snapshot.Pairs) != 0 {
		t.Fatalf("update %d (%q): containers %v pairs %+v; want the stop as update 3, web gone", u.Seq, u.Cause, containerNames(u.Snapshot), u.Snapshot.Pairs)
	}
	if got, want := hostNames(u.Snapshot), []string{"docker0 down", "lo unknown"}; !slices.Equal(got, want) {
		t.Errorf("host interfaces %q, want %q", got, want)
	}
	if len(u.Changes.Added) != 1 || u.Changes.Added[0].ID != "interface docker0 down" {
		t.Errorf("added %+v on the way out, want docker0's state alone", u.Changes.Added)
	}
}

// A pair made in the host with no runtime event to say so (Docker says
// "connect" to a running container only once it is done) is not shown
// until its end has moved: the read that finds it half-made is held.
func TestHalfMadePairWaitedFor(t *testing.T) {
	h := newFakeHost()
	h.hostLinks = []inspect.Link{lo, docker0(true)}
	h.start("web", 101)
	r := runWatcher(t, h, settleOptions)
	r.next()
	h.settled(101)
	h.set(func() { h.hostLinks = []inspect.Link{lo, docker0(true), hostEnd(false), vethB} })
	h.notify(0, linkChange(hostEnd(false), "new"), linkChange(vethB, "new"))
	// Wait for the read that finds it.
	for h.count(func() int { return h.hostReads }) < 2 {
		time.Sleep(time.Millisecond)
	}
	h.set(func() {
		h.nsLinks[101] = []inspect.Link{lo, eth0}
		h.hostLinks = []inspect.Link{lo, docker0(true), hostEnd(true)}
	})
	h.notify(0, linkChange(vethB, "del"), linkChange(hostEnd(true), "new"))
	u := r.next()
	if got, want := hostNames(u.Snapshot), []string{"docker0 up", "lo unknown", "vethA up"}; u.Seq != 2 || !slices.Equal(got, want) {
		t.Errorf("update %d: host interfaces %q, want 2 with %q", u.Seq, got, want)
	}
	if len(u.Changes.Removed) != 0 {
		t.Errorf("removed %+v", u.Changes.Removed)
	}
}

// Waiting is bounded: a start that never comes (a connect to a created
// container looks like the beginning of one) and a pair someone made to
// stay in the host are shown once SettleMax has passed.
func TestSettleIsBounded(t *testing.T) {
	h := newFakeHost()
	h.hostLinks = []inspect.Link{lo}
	r := runWatcher(t, h, Options{Debounce: time.Millisecond, MaxDelay: 2 * time.Millisecond, SettleMax: 50 * time.Millisecond})
	r.next()
	h.set(func() {
		c := webOnBridge
		c.State = topo.StateCreated
		h.containers = append(h.containers, c)
	})
	h.runtime <- networkChange("web", "connect")
	// Read although no start came (a created container makes no update).
	for h.count(func() int { return h.inspects["web-id"] }) < 1 {
		time.Sleep(time.Millisecond)
	}
	h.set(func() { h.hostLinks = []inspect.Link{lo, hostEnd(false), vethB} })
	h.notify(0, linkChange(vethB, "new"))
	if u := r.next(); !slices.Contains(hostNames(u.Snapshot), "vethB down") {
		t.Errorf("update %d: host %q, want the pair that stays", u.Seq, hostNames(u.Snapshot))
	}
}

// syncBuffer is a log destination tests read while the watcher writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A daemon that is away makes every read fail until it is back: that is
// said once, and once more when reads work again.
func TestFailingReadLoggedOnce(t *testing.T) {
	old := retryAfter
	retryAfter = time.Millisecond
	t.Cleanup(func() { retryAfter = old })
	var logs syncBuffer
	h := newFakeHost()
	r := runWatcher(t, h, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r.next()
	h.set(func() { h.down = true })
	h.runtime <- started("web")
	// Many failed reads: the event's, then the retries (full reads).
	for h.count(func() int { return h.lists }) < 10 {
		time.Sleep(time.Millisecond)
	}
	h.set(func() {
		h.down = false
		h.containers = append(h.containers, inspect.ContainerInfo{ID: "web-id", Name: "web", State: topo.StateRunning})
	})
	u := r.next()
	if !u.Full || len(u.Snapshot.Containers) != 1 {
		t.Errorf("update %d full %v containers %v, want a full read with web", u.Seq, u.Full, containerNames(u.Snapshot))
	}
	if n, why := r.w.Resyncs(); n != 1 || why != "resync: after a failed read" {
		t.Errorf("Resyncs = %d %q, want one made after a failed read", n, why)
	}
	out := logs.String()
	if n := strings.Count(out, "read failed"); n != 1 {
		t.Errorf("%d lines about the failed reads, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "reading works again"); n != 1 {
		t.Errorf("%d lines about the recovery, want 1:\n%s", n, out)
	}
}

// What opens and closes a transition, event by event, as Docker sends
// them: run, a network connected to a running container, a stop from two
// networks, a restart, a failed start, a start that never comes.
func TestSettlerTransitions(t *testing.T) {
	h := newFakeHost()
	h.containers = []inspect.ContainerInfo{
		{ID: "up-id", Name: "up", State: topo.StateRunning, PID: 101, Endpoints: []topo.Endpoint{{Network: "a", NetworkID: "a-net"}, {Network: "b", NetworkID: "b-net"}}},
		{ID: "made-id", Name: "made", State: topo.StateCreated},
	}
	h.nsLinks[101] = []inspect.Link{lo}
	tr := (&inspect.Inspector{Runtime: h, Kernel: h}).Track()
	if _, err := tr.Full(t.Context()); err != nil {
		t.Fatal(err)
	}
	net := func(id, action, network string) inspect.Change {
		return inspect.Change{Kind: inspect.ChangeNetwork, Action: action, ID: network, Container: id}
	}
	ctr := func(id, action string) inspect.Change {
		return inspect.Change{Kind: inspect.ChangeContainer, Action: action, ID: id, Container: id}
	}
	type step struct {
		c       inspect.Change
		ended   bool // the change ends a transition
		holding bool // one is open after it
	}
	t0 := time.Now()
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"docker run", []step{{ctr("new-id", "create"), false, false}, {net("new-id", "connect", "a-net"), false, true}, {ctr("new-id", "start"), true, false}}},
		{"compose: connected to two networks, then started", []step{{net("made-id", "connect", "a-net"), false, true}, {net("made-id", "connect", "b-net"), false, true}, {ctr("made-id", "start"), true, false}}},
		{"connect to a running container", []step{{net("up-id", "connect", "c-net"), false, false}}},
		{"stop from two networks", []step{{ctr("up-id", "kill"), false, false}, {ctr("up-id", "die"), false, true}, {net("up-id", "disconnect", "a-net"), false, true}, {net("up-id", "disconnect", "b-net"), true, false}, {ctr("up-id", "stop"), false, false}}},
		{"rm -f", []step{{ctr("up-id", "die"), false, true}, {ctr("up-id", "destroy"), true, false}}},
		{"restart", []step{{ctr("up-id", "die"), false, true}, {net("up-id", "disconnect", "a-net"), false, true}, {net("up-id", "disconnect", "b-net"), true, false}, {net("up-id", "connect", "a-net"), false, true}, {ctr("up-id", "start"), true, false}}},
		{"a start that fails", []step{{net("made-id", "connect", "a-net"), false, true}, {net("made-id", "disconnect", "a-net"), true, false}}},
		{"a container on no network stops", []step{{ctr("made-id", "die"), false, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSettler(time.Minute)
			for i, st := range tc.steps {
				ended := s.observe(st.c, tr, t0)
				_, holding := s.holding(t0)
				if ended != st.ended || holding != st.holding {
					t.Errorf("step %d (%s %s): ended %v holding %v, want %v %v", i, st.c.Kind, st.c.Action, ended, holding, st.ended, st.holding)
				}
			}
		})
	}
	// A start that never comes holds for max, no longer.
	s := newSettler(time.Minute)
	s.observe(net("made-id", "connect", "a-net"), tr, t0)
	if until, ok := s.holding(t0.Add(time.Second)); !ok || !until.Equal(t0.Add(time.Minute)) {
		t.Errorf("holding = %v %v, want until %v", until, ok, t0.Add(time.Minute))
	}
	if _, ok := s.holding(t0.Add(time.Minute)); ok {
		t.Error("still holding after max")
	}
}
