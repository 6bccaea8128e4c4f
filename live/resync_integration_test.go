package live_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
// host namespace overflows the subscription: it is made again, everything
// is read again, and the snapshot has every link.
func TestOverflowResubscribesAndResyncs(t *testing.T) {
	dockertest.New(t, "enobufs") // needs the daemon and root
	ns := netnsAdd(t)
	const n = 300
	// A watcher busy with an update reads no more changes than its
	// backlog; the subscription's socket, which nothing reads meanwhile,
	// overflows during the burst: as on a host where a slow view holds
	// the watcher while compose brings up a project.
	f := follow(t, kernel.Options{HostNetns: filepath.Join("/run/netns", ns), ReceiveBuffer: 1}, false, live.Options{Backlog: 1})
	g := &holdGate{held: make(chan struct{}), release: make(chan struct{})}
	f.hold.Store(g)
	for busy := false; !busy; {
		ip(t, "-n", ns, "link", "set", "lo", "down")
		ip(t, "-n", ns, "link", "set", "lo", "up")
		select {
		case <-g.held:
			busy = true
		case <-time.After(200 * time.Millisecond):
		}
	}
	addBridges(t, ns, n)
	close(g.release)
	u := f.until("a resync after the overflow", func(u live.Update) bool {
		return u.Full && strings.HasPrefix(u.Cause, "resync: netlink subscription in host ended")
	})
	t.Logf("update %d: %q", u.Seq, u.Cause)
	if !strings.Contains(u.Cause, "no buffer space") {
		t.Errorf("cause %q does not say the buffer overflowed", u.Cause)
	}
	f.until(fmt.Sprintf("all %d links", n), func(u live.Update) bool { return hostLinks(u.Snapshot, "nvd") == n })
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
