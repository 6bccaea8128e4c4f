package live_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/inspect/kernel"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/live"
	"github.com/netviz/netviz/topo"
)

// netnsAdd makes a throwaway named network namespace, deleted with what
// is in it at cleanup.
func netnsAdd(t *testing.T) string { return netnsAddB(t) }

func netnsAddB(t testing.TB) string {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireProgram(t, "ip", "iproute2")
	b := make([]byte, 3)
	rand.Read(b)
	name := "netviz-live-" + hex.EncodeToString(b)
	ip(t, "netns", "add", name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	return name
}

func ip(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// addBridges adds n bridges named nvd<i> in namespace ns at once (this
// kernel may lack the dummy driver; bridges it has, for Docker).
func addBridges(t *testing.T, ns string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "link add nvd%d type bridge\n", i)
	}
	path := filepath.Join(t.TempDir(), "links")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	ip(t, "-n", ns, "-batch", path)
}

func hostLinks(s *topo.Snapshot, prefix string) int {
	n := 0
	for _, i := range s.Interfaces {
		if strings.HasPrefix(i.Name, prefix) {
			n++
		}
	}
	return n
}

// With a tiny receive buffer, a burst of link changes in the (throwaway)
// host namespace while the watcher is busy overflows the subscription: it
// is made again, everything is read again, the snapshot has every link,
// and the new subscription delivers the next change.
func TestOverflowResubscribesAndResyncs(t *testing.T) {
	w := dockertest.New(t, "enobufs") // needs the daemon and root
	ns := netnsAdd(t)
	const n = 300
	// A watcher busy with an update reads no more changes than its
	// backlog; the subscription's socket, which nothing reads meanwhile,
	// overflows during the burst: as on a host where a slow view holds
	// the watcher while compose brings up a project.
	f := follow(t, kernel.Options{HostNetns: filepath.Join("/run/netns", ns), ReceiveBuffer: 1}, false, live.Options{Backlog: 1})
	g := &holdGate{held: make(chan struct{}), release: make(chan struct{})}
	f.hold.Store(g)
	// A container of the runtime's is the update that holds the watcher:
	// its links are in the engine's namespace, not ns, whose sockets stay
	// quiet until the burst. (A network alone brought no update on the
	// Docker 29 engine of scripts/engines.sh; a container does on all.)
	w.Run("busy", nil)
	select {
	case <-g.held:
	case <-time.After(60 * time.Second):
		t.Fatal("no update came to hold the watcher")
	}
	// Nothing is read while the watcher is held: resyncs after these are
	// the burst's.
	before, _ := f.w.Resyncs()
	addBridges(t, ns, n)
	close(g.release)

	// The loop may read the burst's links before the overflow reaches
	// it; the resync then finds nothing new and makes no update, so it
	// is seen in what OnResync is told. Every subscription has the tiny
	// buffer: on a busy engine a container's (another test's) may
	// overflow too, and its resync may come first.
	hostOverflow := func(why string) bool {
		return strings.Contains(why, "netlink subscription in host ended") && strings.Contains(why, "no buffer space")
	}
	cause := f.resyncAfter(before, hostOverflow)
	t.Logf("resync: %q", cause)
	f.untilLast(fmt.Sprintf("all %d links", n), func(u live.Update) bool { return hostLinks(u.Snapshot, "nvd") == n })
	f.probeSubscription(ns)
}

// resyncAfter waits until, among the resyncs after the first before, one
// was made for a reason ok accepts, and returns that reason. It fails the
// test with every reason told when none is.
func (f *follower) resyncAfter(before int, ok func(reason string) bool) string {
	f.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		told := f.resyncsTold()
		for _, r := range told {
			if r.Count > before && ok(r.Reason) {
				return r.Reason
			}
		}
		select {
		case err := <-f.done:
			f.done <- err
			f.t.Fatalf("Run ended waiting for a resync: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("no resync for the expected reason after the overflow; resyncs told: %+v", told)
		}
	}
}

func (f *follower) resyncsTold() []live.Resync {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.resyncs)
}

// untilLast is until, but the update already read counts.
func (f *follower) untilLast(what string, ok func(live.Update) bool) live.Update {
	f.t.Helper()
	if f.last.Snapshot != nil && ok(f.last) {
		return f.last
	}
	return f.until(what, ok)
}

// probeSubscription adds a link in ns and checks that ns's subscription,
// made again after the overflow, tells of it: the update that shows the
// link names it among its causes ("link nvp0 down in host"), or is not a
// full read (only a notification from ns's subscription has the host (ns)
// read again then; Cause may not name the link, other people's runtime
// events go first). A probe that came by a full read that does not name
// it (the tiny buffer overflowed again, in ns or in a busy container) is
// tried again, a few times.
func (f *follower) probeSubscription(ns string) {
	f.t.Helper()
	const tries = 8
	for i := range tries {
		name := fmt.Sprintf("nvp%d", i)
		ip(f.t, "-n", ns, "link", "add", name, "type", "bridge")
		u := f.until(name, func(u live.Update) bool {
			return slices.ContainsFunc(u.Snapshot.Interfaces, func(x topo.Interface) bool { return x.Name == name })
		})
		told := slices.ContainsFunc(u.Causes, func(c string) bool {
			return strings.HasPrefix(c, "link "+name+" ") && strings.HasSuffix(c, " in host")
		})
		if !u.Full || told {
			f.t.Logf("probe: update %d (full %v): %q", u.Seq, u.Full, u.Cause)
			return
		}
		f.t.Logf("probe %s came by a full read that does not name it: update %d: %q", name, u.Seq, u.Cause)
	}
	f.t.Errorf("none of %d links added after the overflow was told by the subscription", tries)
}

// resources are what a watcher could leak.
type resources struct {
	goroutines, fds, netns int
}

func count(t *testing.T) resources {
	t.Helper()
	r := resources{goroutines: runtime.NumGoroutine()}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		r.fds++
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(target, "net:") {
			r.netns++
		}
	}
	return r
}

// leakCycles is how many start/stop cycles the leak test churns
// (NETVIZ_LEAK_CYCLES overrides).
func leakCycles() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("NETVIZ_LEAK_CYCLES"), &n); err == nil && n > 0 {
		return n
	}
	return 5
}

// A watcher that followed containers starting and stopping leaves no
// goroutine, file descriptor or namespace handle behind once Run is
// cancelled and the client closed.
func TestNoLeakAfterChurn(t *testing.T) {
	w := dockertest.New(t, "leak")
	net := w.Network("a")
	before := count(t)
	f := follow(t, kernel.Options{}, true, live.Options{})
	for i := range leakCycles() {
		name := w.Run(fmt.Sprintf("c%d", i), []string{"--network", net})
		f.until(name+" running", has(name, func(c topo.Container) bool { return ifaceCount(c) == 1 }))
		w.Remove(name)
		f.until(name+" gone", func(u live.Update) bool { _, ok := containerOf(u.Snapshot, name); return !ok })
	}
	f.stop()
	deadline := time.Now().Add(15 * time.Second)
	for {
		after := count(t)
		if after.goroutines <= before.goroutines && after.fds <= before.fds && after.netns <= before.netns {
			t.Logf("before %+v, after %+v", before, after)
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<18)
			t.Fatalf("leaked: before %+v, after %+v\n%s", before, after, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(50 * time.Millisecond)
	}
}
