package kernel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/inspect"
)

// linkBatch writes an `ip -batch` file adding n bridges (this kernel may lack the dummy driver; bridges it has, for Docker).
func linkBatch(tb testing.TB, n int) string {
	tb.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "link add nvd%d type bridge\n", i)
	}
	path := filepath.Join(tb.TempDir(), "links")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// A link made in a followed namespace is a change naming it; the
// subscription ends with ctx, leaving no goroutine behind.
func TestWatchNamespaceSeesALink(t *testing.T) {
	requireRoot(t)
	ns := netnsAdd(t)
	pid := startIn(t, ns)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(t.Context())
	changes := make(chan inspect.Change, 100)
	done := make(chan error, 1)
	go func() { done <- New().WatchNamespace(ctx, pid, nil, func(c inspect.Change) { changes <- c }) }()
	// Subscribed once lo's change comes back: set it down and up until it does.
	deadline := time.After(30 * time.Second)
	for seen := false; !seen; {
		ip(t, "-n", ns, "link", "add", "nvwatch0", "type", "bridge")
		ip(t, "-n", ns, "link", "del", "nvwatch0")
		for drained := false; !drained && !seen; {
			select {
			case c := <-changes:
				seen = c.Kind == inspect.ChangeLink && c.Name == "nvwatch0"
			case <-time.After(100 * time.Millisecond):
				drained = true
			case <-deadline:
				t.Fatal("no change for nvwatch0")
			}
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("WatchNamespace after cancel = %v", err)
	}
	waitGoroutines(t, before)
}

// A tiny receive buffer and a burst of links overflow the socket: the
// subscription ends with ENOBUFS, wrapped in ErrWatchBroken, and leaves no
// goroutine behind.
func TestWatchNamespaceEndsOnENOBUFS(t *testing.T) {
	requireRoot(t)
	ns := netnsAdd(t)
	before := runtime.NumGoroutine()
	k := NewWithOptions(Options{HostNetns: filepath.Join("/run/netns", ns), ReceiveBuffer: 1})
	release := make(chan struct{})
	first := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- k.WatchNamespace(t.Context(), 0, nil, func(inspect.Change) {
			select {
			case first <- struct{}{}:
			default:
			}
			<-release // a slow reader: the socket's buffer fills
		})
	}()
	// Wait until subscribed: a change comes through.
	for subscribed := false; !subscribed; {
		ip(t, "-n", ns, "link", "set", "lo", "down")
		ip(t, "-n", ns, "link", "set", "lo", "up")
		select {
		case <-first:
			subscribed = true
		case <-time.After(100 * time.Millisecond):
		}
	}
	ip(t, "-n", ns, "-batch", linkBatch(t, 300))
	close(release)
	select {
	case err := <-done:
		if !errors.Is(err, ErrWatchBroken) || !strings.Contains(err.Error(), "no buffer space") {
			t.Errorf("WatchNamespace = %v, want ErrWatchBroken with ENOBUFS", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the subscription did not end")
	}
	waitGoroutines(t, before)
}

// waitGoroutines waits for the goroutine count to come back to before;
// exiting goroutines take a moment to be gone.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
