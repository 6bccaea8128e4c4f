package live

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

func containerNames(s *topo.Snapshot) []string {
	var out []string
	for _, c := range s.Containers {
		out = append(out, c.Name)
	}
	return out
}

func started(name string) inspect.Change {
	return inspect.Change{Time: time.Now(), Kind: inspect.ChangeContainer, Action: "start", ID: name + "-id", Container: name + "-id", Name: name}
}

func TestFirstUpdateIsTheWholeHost(t *testing.T) {
	h := newFakeHost()
	h.start("web", 101)
	r := runWatcher(t, h, Options{})
	u := r.next()
	if u.Seq != 1 || !u.Full || u.Cause != "start" || !u.Changes.Empty() {
		t.Errorf("first update = seq %d full %v cause %q changes %+v", u.Seq, u.Full, u.Cause, u.Changes)
	}
	if got := containerNames(u.Snapshot); len(got) != 1 || got[0] != "web" {
		t.Errorf("containers = %v", got)
	}
	if err := r.stop(); err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.ns) != 0 {
		t.Errorf("subscriptions left after Run returned: %v", h.ns)
	}
}

// A container's event re-reads that container and its namespace, not the
// list, the host or the other containers' namespaces; its namespace is then
// followed.
func TestContainerEventReadsOnlyThatContainer(t *testing.T) {
	h := newFakeHost()
	h.start("web", 101)
	r := runWatcher(t, h, Options{})
	r.next()
	h.settled(101)
	h.start("api", 102)
	h.runtime <- started("api")
	u := r.next()
	if u.Seq != 2 || u.Full || u.Cause != "container api started" {
		t.Errorf("update = seq %d full %v cause %q", u.Seq, u.Full, u.Cause)
	}
	if got := containerNames(u.Snapshot); len(got) != 2 {
		t.Errorf("containers = %v, want web and api", got)
	}
	if len(u.Changes.Added) == 0 {
		t.Errorf("no changes in %+v", u.Changes)
	}
	if n := h.count(func() int { return h.lists }); n != 1 {
		t.Errorf("containers listed %d times, want once (the first read)", n)
	}
	if n := h.count(func() int { return h.hostReads }); n != 1 {
		t.Errorf("host read %d times, want once", n)
	}
	if a, w := h.count(func() int { return h.inspects["api-id"] }), h.count(func() int { return h.inspects["web-id"] }); a != 1 || w != 0 {
		t.Errorf("inspects: api %d web %d, want 1 and 0", a, w)
	}
	if a, w := h.count(func() int { return h.nsReads[102] }), h.count(func() int { return h.nsReads[101] }); a < 1 || w != 2 {
		t.Errorf("namespace reads: api %d web %d, want api's and not web's again", a, w)
	}
	// api's namespace is followed, and read once more when it is.
	h.settled(102)
}

// A netlink change inside a container's namespace re-reads that namespace
// alone.
func TestNamespaceChangeReadsOnlyThatNamespace(t *testing.T) {
	h := newFakeHost()
	h.start("web", 101)
	h.start("api", 102)
	r := runWatcher(t, h, Options{})
	r.next()
	h.settled(101, 102)
	h.mu.Lock()
	h.nsLinks[101] = append(h.nsLinks[101], inspect.Link{Index: 2, Name: "eth0", Kind: topo.KindVeth, OperState: "up", Up: true, Addresses: []string{"172.17.0.2/16"}})
	h.mu.Unlock()
	h.notify(101, inspect.Change{Kind: inspect.ChangeLink, Action: "new", ID: "2", Name: "eth0", Up: true})
	u := r.next()
	if u.Cause != "link eth0 up in web" || u.Full {
		t.Errorf("update cause %q full %v", u.Cause, u.Full)
	}
	web, api := h.count(func() int { return h.nsReads[101] }), h.count(func() int { return h.nsReads[102] })
	if web != 3 || api != 2 {
		t.Errorf("namespace reads: web %d api %d, want web's alone again (3 and 2)", web, api)
	}
	if n := h.count(func() int { return h.hostReads + h.lists }); n != 2 {
		t.Errorf("host reads + lists = %d, want 2 (the first read's)", n)
	}
}

// A change made in a namespace between its read and its subscription,
// which no notification announces, is seen: the namespace is read once
// more when followed.
func TestNamespaceReadAgainOnceFollowed(t *testing.T) {
	h := newFakeHost()
	h.start("web", 101)
	h.beforeSubscribe = func(pid int) {
		h.mu.Lock()
		defer h.mu.Unlock()
		if pid == 101 {
			h.nsLinks[101] = append(h.nsLinks[101], inspect.Link{Index: 2, Name: "eth0", Kind: topo.KindVeth, OperState: "up", Up: true})
		}
	}
	r := runWatcher(t, h, Options{})
	r.next()
	u := r.next()
	if u.Cause != "changes in the namespace of web" || len(u.Snapshot.Containers) != 1 || len(u.Snapshot.Containers[0].Interfaces) != 2 {
		t.Errorf("update cause %q, containers %+v; want web's eth0", u.Cause, u.Snapshot.Containers)
	}
}

// A burst of notifications within the debounce is one read and one update;
// the next update is the next change's.
func TestBurstIsOneUpdate(t *testing.T) {
	h := newFakeHost()
	r := runWatcher(t, h, Options{Debounce: 500 * time.Millisecond, MaxDelay: time.Minute})
	r.next()
	h.mu.Lock()
	h.hostLinks = append(h.hostLinks, inspect.Link{Index: 7, Name: "veth1", Kind: topo.KindVeth, OperState: "up", Up: true, LinkNetNsID: -1})
	h.mu.Unlock()
	var burst []inspect.Change
	for range 15 {
		burst = append(burst, inspect.Change{Kind: inspect.ChangeLink, Action: "new", ID: "7", Name: "veth1", Up: true})
	}
	h.notify(0, burst...)
	u := r.next()
	if u.Seq != 2 || u.Cause != "link veth1 up in host" {
		t.Errorf("update seq %d cause %q", u.Seq, u.Cause)
	}
	if n := h.count(func() int { return h.hostReads }); n != 2 {
		t.Errorf("host read %d times for one burst, want 2 in all", n)
	}
	h.mu.Lock()
	h.rules = "changed"
	h.mu.Unlock()
	r.w.Resync()
	if u := r.next(); u.Seq != 3 || !u.Full || u.Cause != "resync: asked for" {
		t.Errorf("after the burst: seq %d full %v cause %q, want the resync as 3", u.Seq, u.Full, u.Cause)
	}
}

// Changes that leave the snapshot as it was make no update.
func TestNoUpdateWithoutDifference(t *testing.T) {
	h := newFakeHost()
	r := runWatcher(t, h, Options{})
	r.next()
	h.notify(0, inspect.Change{Kind: inspect.ChangeRoute, Action: "new", Name: "ff00::/8"})
	// Wait for that read to happen, then make a real change.
	for h.count(func() int { return h.hostReads }) < 2 {
		time.Sleep(time.Millisecond)
	}
	h.start("web", 101)
	h.runtime <- started("web")
	u := r.next()
	if u.Seq != 2 || u.Cause != "container web started" {
		t.Errorf("update seq %d cause %q, want 2 and web's start alone", u.Seq, u.Cause)
	}
}

// A stopped container's namespace is no longer followed.
func TestStoppedContainerIsNoLongerFollowed(t *testing.T) {
	h := newFakeHost()
	h.start("web", 101)
	r := runWatcher(t, h, Options{})
	r.next()
	h.subscribed(101, true)
	h.stop("web")
	h.runtime <- inspect.Change{Kind: inspect.ChangeContainer, Action: "die", ID: "web-id", Container: "web-id", Name: "web"}
	if u := r.next(); u.Cause != "container web stopped" || len(u.Snapshot.Containers) != 0 {
		t.Errorf("update cause %q containers %v", u.Cause, containerNames(u.Snapshot))
	}
	h.subscribed(101, false)
}

// A broken runtime stream resumes from the last event's time and reads
// everything again.
func TestRuntimeStreamResumes(t *testing.T) {
	h := newFakeHost()
	r := runWatcher(t, h, Options{})
	r.next()
	c := started("web")
	h.start("web", 101)
	h.runtime <- c
	r.next()
	h.stop("web") // missed: the stream is about to break
	h.breakRuntime <- struct{}{}
	u := r.next()
	if !u.Full || u.Cause != "resync: docker event stream resumed" || len(u.Snapshot.Containers) != 0 {
		t.Errorf("update full %v cause %q containers %v", u.Full, u.Cause, containerNames(u.Snapshot))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.since) != 2 || !h.since[0].IsZero() || !h.since[1].Equal(c.Time) {
		t.Errorf("streams asked since %v, want zero then %v", h.since, c.Time)
	}
}

// A netlink subscription that ends (ENOBUFS) is made again and everything
// is read again.
func TestBrokenSubscriptionResyncs(t *testing.T) {
	h := newFakeHost()
	r := runWatcher(t, h, Options{})
	r.next()
	h.mu.Lock()
	h.hostLinks = append(h.hostLinks, inspect.Link{Index: 9, Name: "dummy0", Kind: "dummy", OperState: "down", LinkNetNsID: -1})
	h.mu.Unlock()
	h.breakNS(0)
	u := r.next()
	if !u.Full || !strings.HasPrefix(u.Cause, "resync: netlink subscription in host ended") {
		t.Errorf("update full %v cause %q", u.Full, u.Cause)
	}
	if n := h.count(func() int { return h.lists }); n != 2 {
		t.Errorf("containers listed %d times, want 2 (a full read again)", n)
	}
	h.subscribed(0, true)
	if n := h.count(func() int { return h.watches }); n < 2 {
		t.Errorf("host subscribed %d times, want again after it broke", n)
	}
}

// A resync that finds the host as the last update showed it makes no
// update, but Resyncs says it happened and why; the next change is the
// next update.
func TestResyncWithoutDifferenceIsCounted(t *testing.T) {
	h := newFakeHost()
	r := runWatcher(t, h, Options{})
	r.next()
	if n, why := r.w.Resyncs(); n != 0 || why != "" {
		t.Errorf("Resyncs = %d %q before any, want 0", n, why)
	}
	h.breakNS(0)
	deadline := time.After(20 * time.Second)
	n, why := r.w.Resyncs()
	for ; n == 0; n, why = r.w.Resyncs() {
		select {
		case <-deadline:
			t.Fatal("no resync after the subscription broke")
		case <-time.After(time.Millisecond):
		}
	}
	if n != 1 || !strings.HasPrefix(why, "resync: netlink subscription in host ended") {
		t.Errorf("Resyncs = %d %q, want 1 for the broken subscription", n, why)
	}
	h.start("web", 101)
	h.runtime <- started("web")
	if u := r.next(); u.Seq != 2 || u.Full || u.Cause != "container web started" {
		t.Errorf("update seq %d full %v cause %q, want 2: web's start alone", u.Seq, u.Full, u.Cause)
	}
}

// A runtime that stops answering for GiveUp ends Run with its error.
func TestRuntimeGoneForGood(t *testing.T) {
	h := newFakeHost()
	r := runWatcher(t, h, Options{GiveUp: time.Millisecond})
	r.next()
	h.mu.Lock()
	h.down = true
	h.mu.Unlock()
	h.breakRuntime <- struct{}{}
	select {
	case err := <-r.done:
		r.done <- err
		if !errors.Is(err, inspect.ErrDaemonUnreachable) {
			t.Errorf("Run = %v, want the daemon's error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not end")
	}
}

// Without nftables events the firewall is polled, and a change is an
// update.
func TestFirewallPolled(t *testing.T) {
	h := newFakeHost()
	r := runWatcher(t, h, Options{FirewallPoll: 10 * time.Millisecond})
	r.next()
	for h.count(func() int { return h.fingerprints }) < 2 {
		time.Sleep(time.Millisecond)
	}
	if m := r.w.FirewallMode(); m != "polled every 10ms" {
		t.Errorf("FirewallMode = %q", m)
	}
	h.mu.Lock()
	h.rules = "nft"
	h.mu.Unlock()
	u := r.next()
	if u.Cause != "firewall rules changed" || u.Snapshot.Firewall.Default != "nft" {
		t.Errorf("update cause %q firewall %+v", u.Cause, u.Snapshot.Firewall)
	}
}

// Cause names a few changes of a busy batch; Causes has them all.
func TestCausesListEveryChange(t *testing.T) {
	h := newFakeHost()
	r := runWatcher(t, h, Options{Debounce: 500 * time.Millisecond, MaxDelay: time.Minute})
	r.next()
	var burst []inspect.Change
	h.mu.Lock()
	for i := range 5 {
		name := fmt.Sprintf("veth%d", i)
		h.hostLinks = append(h.hostLinks, inspect.Link{Index: 10 + i, Name: name, Kind: topo.KindVeth, OperState: "up", Up: true, LinkNetNsID: -1})
		burst = append(burst, inspect.Change{Kind: inspect.ChangeLink, Action: "new", ID: fmt.Sprint(10 + i), Name: name, Up: true})
	}
	h.mu.Unlock()
	h.notify(0, burst...)
	u := r.next()
	if want := "link veth0 up in host; link veth1 up in host; link veth2 up in host; and 2 more"; u.Cause != want {
		t.Errorf("cause %q, want %q", u.Cause, want)
	}
	if len(u.Causes) != 5 || u.Causes[4] != "link veth4 up in host" {
		t.Errorf("causes %q, want all five links", u.Causes)
	}
}

// OnResync hears of every resync, one that finds nothing new (and makes no
// update) included, numbered, with its reason and before the update it
// makes.
func TestOnResyncTellsEachResync(t *testing.T) {
	h := newFakeHost()
	told := make(chan Resync, 10)
	r := runWatcher(t, h, Options{OnResync: func(rs Resync) { told <- rs }})
	r.next()
	h.breakNS(0)
	var first Resync
	select {
	case first = <-told:
	case <-time.After(20 * time.Second):
		t.Fatal("OnResync not called after the subscription broke")
	}
	if first.Count != 1 || first.Reason != "netlink subscription in host ended (ENOBUFS (fake))" || first.Time.IsZero() {
		t.Errorf("first resync %+v, want 1, the broken subscription, a time", first)
	}
	h.mu.Lock()
	h.rules = "changed"
	h.mu.Unlock()
	r.w.Resync()
	u := r.next()
	if u.Seq != 2 || !u.Full || u.Cause != "resync: asked for" {
		t.Errorf("update seq %d full %v cause %q, want 2 made by the resync asked for", u.Seq, u.Full, u.Cause)
	}
	select {
	case second := <-told:
		if second.Count != 2 || second.Reason != "asked for" || second.Time.Before(first.Time) {
			t.Errorf("second resync %+v, want 2, asked for", second)
		}
	default:
		t.Error("OnResync not called before the update the resync made")
	}
	if n, why := r.w.Resyncs(); n != 2 || why != "resync: asked for" {
		t.Errorf("Resyncs = %d %q, want what OnResync was told", n, why)
	}
}

// A change that arrives while the watcher reads for another is named in
// the update that shows it (the read saw it; its own notice, read next,
// finds nothing new), and read again after, in case the read came first.
func TestChangeDuringAReadIsNamed(t *testing.T) {
	h := newFakeHost()
	r := runWatcher(t, h, Options{})
	r.next()
	link := func(i int, name string) (inspect.Link, inspect.Change) {
		return inspect.Link{Index: i, Name: name, Kind: topo.KindDevice, OperState: "up", Up: true, LinkNetNsID: -1},
			inspect.Change{Kind: inspect.ChangeLink, Action: "new", ID: fmt.Sprint(i), Name: name, Up: true}
	}
	late, lateChange := link(21, "dummy-late")
	h.mu.Lock()
	h.duringHostRead = func() {
		h.mu.Lock()
		h.hostLinks = append(h.hostLinks, late)
		h.mu.Unlock()
		h.notify(0, lateChange)
		// Its notice waits for the loop, which is reading.
		for len(r.w.events) == 0 {
			runtime.Gosched()
		}
	}
	first, firstChange := link(20, "dummy-first")
	h.hostLinks = append(h.hostLinks, first)
	h.mu.Unlock()
	reads := h.count(func() int { return h.hostReads })
	h.notify(0, firstChange)
	u := r.next()
	if !slices.ContainsFunc(u.Snapshot.Interfaces, func(i topo.Interface) bool { return i.Name == "dummy-late" }) {
		t.Fatalf("the read did not see dummy-late: %+v", u.Snapshot.Interfaces)
	}
	if !slices.Equal(u.Causes, []string{"link dummy-first up in host", "link dummy-late up in host"}) {
		t.Errorf("causes %q, want both links", u.Causes)
	}
	// dummy-late's notice is read again, and finds nothing new: no update.
	for h.count(func() int { return h.hostReads }) < reads+2 {
		time.Sleep(time.Millisecond)
	}
	h.start("web", 101)
	h.runtime <- started("web")
	if u := r.next(); u.Cause != "container web started" {
		t.Errorf("the next update's cause %q, want web's start alone", u.Cause)
	}
}

// Subscriptions that overflow in the same burst make one resync that names
// each once: the host's first, then the containers' namespaces in the
// order they broke, the first four of them and how many more.
func TestOneResyncNamesEveryReason(t *testing.T) {
	web := &inspect.NSRef{Dev: 4, Inode: 42}
	gone := func(where string) string {
		return resyncPrefix + "netlink subscription in " + where + " ended (ENOBUFS)"
	}
	var b batch
	b.add(event{resync: gone("web"), ns: web, where: "web"}, nil)
	b.add(event{resync: gone("host"), where: "host"}, nil)
	b.add(event{resync: gone("web"), ns: web, where: "web"}, nil)
	want := resyncPrefix + "netlink subscription in host ended (ENOBUFS); netlink subscription in web ended (ENOBUFS)"
	if got := b.resyncReason(); got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
	if len(b.causes) != 2 {
		t.Errorf("causes %q, want each subscription once", b.causes)
	}

	// Five hundred namespaces may overflow at once; the host's, among
	// them, is still named.
	b = batch{}
	for i := range 500 {
		where := fmt.Sprintf("c%d", i)
		b.add(event{resync: gone(where), ns: &inspect.NSRef{Dev: 4, Inode: uint64(100 + i)}, where: where}, nil)
		if i == 250 {
			b.add(event{resync: gone("host"), where: "host"}, nil)
		}
	}
	want = resyncPrefix + "netlink subscription in host ended (ENOBUFS); netlink subscription in c0 ended (ENOBUFS); " +
		"netlink subscription in c1 ended (ENOBUFS); netlink subscription in c2 ended (ENOBUFS); " +
		"netlink subscription in c3 ended (ENOBUFS); and 496 more"
	if got := b.resyncReason(); got != want {
		t.Errorf("reason %q, want %q", got, want)
	}
}
