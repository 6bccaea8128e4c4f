package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/live"
	"github.com/netviz/netviz/topo"
)

// compareLinks stands in for diff.Compare: containers and host links by
// name.
func compareLinks(old, new *topo.Snapshot) diff.Result {
	names := func(s *topo.Snapshot) (out []string) {
		for _, c := range s.Containers {
			out = append(out, "container "+c.Name+" "+c.State)
		}
		for _, i := range s.Interfaces {
			out = append(out, "link "+i.Name)
		}
		return out
	}
	var r diff.Result
	a, b := names(old), names(new)
	for _, n := range b {
		if !slices.Contains(a, n) {
			r.Added = append(r.Added, diff.Item{Object: "x", ID: n})
		}
	}
	for _, n := range a {
		if !slices.Contains(b, n) {
			r.Removed = append(r.Removed, diff.Item{Object: "x", ID: n})
		}
	}
	return r
}

func TestFollowerRefusesWhatASnapshotRefuses(t *testing.T) {
	_, _, err := openFollower(t.Context(), liveOptions{runtime: "rkt"}, live.Options{Compare: compareLinks})
	if exitCode(err) != exitUsage {
		t.Errorf("unknown runtime: %v (exit %d), want a usage error", err, exitCode(err))
	}
	sock := filepath.Join(t.TempDir(), "none.sock")
	_, _, err = openFollower(t.Context(), liveOptions{host: "unix://" + sock}, live.Options{Compare: compareLinks})
	if exitCode(err) != exitDaemon || !strings.Contains(err.Error(), sock) {
		t.Errorf("no daemon: %v (exit %d), want exit %d naming the socket", err, exitCode(err), exitDaemon)
	}
}

// updates runs w and hands its updates over a channel until the test ends.
func updates(t *testing.T, w *live.Watcher, closeAll func()) <-chan live.Update {
	t.Helper()
	ch := make(chan live.Update, 100)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, func(u live.Update) { ch <- u }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
		closeAll()
	})
	return ch
}

func waitUpdate(t *testing.T, ch <-chan live.Update, what string, ok func(live.Update) bool) live.Update {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case u := <-ch:
			if ok(u) {
				return u
			}
		case <-timeout:
			t.Fatalf("no update shows %s", what)
		}
	}
}

// A daemon whose host is another namespace: links made there are followed
// (subscriptions opened in it), and the firewall is read there.
func TestFollowerInTheDaemonsNamespace(t *testing.T) {
	dockertest.New(t, "fns")
	b := make([]byte, 3)
	rand.Read(b)
	ns := "netviz-follow-" + hex.EncodeToString(b)
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	w, closeAll, err := openFollower(t.Context(), liveOptions{firewall: true, hostNetns: "/run/netns/" + ns}, live.Options{Compare: compareLinks})
	if err != nil {
		t.Fatal(err)
	}
	ch := updates(t, w, closeAll)
	first := waitUpdate(t, ch, "the first update", func(u live.Update) bool { return u.Seq == 1 })
	if len(first.Snapshot.Interfaces) != 1 || first.Snapshot.Interfaces[0].Name != "lo" {
		t.Errorf("host links %+v, want the namespace's lo alone", first.Snapshot.Interfaces)
	}
	t.Logf("firewall: %s", w.FirewallMode())
	// On a busy host others' changes come in the same batch: the cause
	// names a few and counts the rest; Causes has them all. Another's
	// change may also start a read that finds the new link before its
	// own notice is taken (netviz names the notices that arrive during a
	// read, but one can come just after): then another link is tried, and
	// a link never named in three tries is a failure.
	var causes [][]string
	for try := range 3 {
		name := fmt.Sprintf("nvfollow%d", try)
		if out, err := exec.Command("ip", "-n", ns, "link", "add", name, "type", "bridge").CombinedOutput(); err != nil {
			t.Fatalf("ip link add: %v: %s", err, out)
		}
		u := waitUpdate(t, ch, "the new bridge "+name, func(u live.Update) bool {
			return slices.ContainsFunc(u.Snapshot.Interfaces, func(i topo.Interface) bool { return i.Name == name })
		})
		if slices.ContainsFunc(u.Causes, func(c string) bool {
			return strings.HasPrefix(c, "link "+name+" ") && strings.HasSuffix(c, " in host")
		}) {
			return
		}
		causes = append(causes, u.Causes)
	}
	t.Errorf("three new links in the followed namespace, none named among the causes of the update that showed it: %q", causes)
}

// proxy forwards TCP connections on a loopback port to the unix socket at
// path, as a daemon reached over the network would be.
func proxy(t *testing.T, path string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("unix", path)
				if err != nil {
					return
				}
				defer u.Close()
				go io.Copy(u, c)
				io.Copy(c, u)
			}()
		}
	}()
	return "tcp://" + l.Addr().String()
}

// A daemon reached over the network has no kernel view: its events alone
// are followed, and every snapshot says so.
func TestFollowerWithoutAKernelView(t *testing.T) {
	w := dockertest.New(t, "fnk")
	f, closeAll, err := openFollower(t.Context(), liveOptions{host: proxy(t, engineSocket(t))}, live.Options{Compare: compareLinks})
	if err != nil {
		t.Fatal(err)
	}
	ch := updates(t, f, closeAll)
	first := waitUpdate(t, ch, "the first update", func(u live.Update) bool { return u.Seq == 1 })
	if !slices.Contains(warningCodes(first.Snapshot), codeKernelUnavailable) || len(first.Snapshot.Interfaces) != 0 {
		t.Errorf("warnings %v, %d host links; want %s and none", warningCodes(first.Snapshot), len(first.Snapshot.Interfaces), codeKernelUnavailable)
	}
	name := w.Run("c", nil)
	u := waitUpdate(t, ch, name+" running", func(u live.Update) bool {
		return slices.ContainsFunc(u.Snapshot.Containers, func(c topo.Container) bool { return c.Name == name && c.State == topo.StateRunning })
	})
	if !slices.Contains(warningCodes(u.Snapshot), codeKernelUnavailable) {
		t.Errorf("a later update lost the warning: %v", warningCodes(u.Snapshot))
	}
	if f.FirewallMode() != "none" {
		t.Errorf("FirewallMode = %q without a kernel view", f.FirewallMode())
	}
}

// engineSocket is the unix socket of the engine under test: DOCKER_HOST's
// when scripts/test.sh points the suite at another engine, else the
// default one.
func engineSocket(t *testing.T) string {
	h := os.Getenv("DOCKER_HOST")
	if h == "" {
		return "/var/run/docker.sock"
	}
	path, ok := strings.CutPrefix(h, "unix://")
	if !ok {
		t.Skipf("DOCKER_HOST %s is not a unix socket to put a TCP proxy in front of", h)
	}
	return path
}
