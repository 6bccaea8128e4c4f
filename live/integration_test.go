package live_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/inspect/docker"
	"github.com/netviz/netviz/inspect/kernel"
	"github.com/netviz/netviz/inspect/netfilter"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/live"
	"github.com/netviz/netviz/topo"
)

// view is what the tests compare of a snapshot: each container's state,
// networks and interfaces, one line each, and the host's links.
func view(s *topo.Snapshot) []string {
	var out []string
	for _, c := range s.Containers {
		var nets, ifaces []string
		for _, e := range c.Endpoints {
			nets = append(nets, e.Network)
		}
		for _, i := range c.Interfaces {
			ifaces = append(ifaces, fmt.Sprintf("%s/%s/%v", i.Name, i.State, i.Addresses))
		}
		out = append(out, fmt.Sprintf("container %s %s nets=%v ifaces=%v", c.Name, c.State, nets, ifaces))
	}
	for _, i := range s.Interfaces {
		out = append(out, fmt.Sprintf("host %s %s master=%s", i.Name, i.State, i.Master))
	}
	return out
}

// compareViews stands in for diff.Compare: the lines of view added and
// removed.
func compareViews(old, new *topo.Snapshot) diff.Result {
	var r diff.Result
	a, b := view(old), view(new)
	for _, l := range b {
		if !slices.Contains(a, l) {
			r.Added = append(r.Added, diff.Item{Object: "line", ID: l})
		}
	}
	for _, l := range a {
		if !slices.Contains(b, l) {
			r.Removed = append(r.Removed, diff.Item{Object: "line", ID: l})
		}
	}
	return r
}

// follower is a Watcher on the real daemon and kernel, running.
type follower struct {
	t       *testing.T
	w       *live.Watcher
	in      *inspect.Inspector
	src     *docker.Source
	updates chan live.Update
	cancel  context.CancelFunc
	done    chan error
	last    live.Update
	// hold, when set, is taken by the next update's callback, which then
	// waits until it is closed: the watcher is busy meanwhile.
	hold atomic.Pointer[holdGate]

	mu      sync.Mutex
	resyncs []live.Resync // every resync OnResync was told of
}

// holdGate makes the watcher busy: held is closed once its callback waits,
// and it waits until release is closed.
type holdGate struct{ held, release chan struct{} }

func follow(t *testing.T, ko kernel.Options, firewall bool, o live.Options) *follower {
	t.Helper()
	return followRead(t, ko, firewall, o, inspect.Options{All: true})
}

// followRead is follow with the inspector's options: All false follows
// running containers only, as `netviz watch` does by default.
func followRead(t *testing.T, ko kernel.Options, firewall bool, o live.Options, io inspect.Options) *follower {
	t.Helper()
	src, err := docker.New(docker.Options{PIDs: docker.RuntimePIDs{}})
	if err != nil {
		t.Fatal(err)
	}
	k := kernel.NewWithOptions(ko)
	in := &inspect.Inspector{Runtime: src, Kernel: k, Opts: io}
	sources := live.Sources{Inspector: in, Kernel: k}
	if firewall {
		fw := netfilter.New(netfilter.Options{Netns: ko.HostNetns})
		in.Firewall, sources.Firewall = fw, fw
	}
	if o.Compare == nil {
		o.Compare = compareViews
	}
	f := &follower{t: t, in: in, src: src, updates: make(chan live.Update, 1000), done: make(chan error, 1)}
	told := o.OnResync
	o.OnResync = func(r live.Resync) {
		f.mu.Lock()
		f.resyncs = append(f.resyncs, r)
		f.mu.Unlock()
		if told != nil {
			told(r)
		}
	}
	f.w = live.New(sources, o)
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	go func() {
		f.done <- f.w.Run(ctx, func(u live.Update) {
			if g := f.hold.Swap(nil); g != nil {
				close(g.held)
				<-g.release
			}
			f.updates <- u
		})
	}()
	t.Cleanup(func() { f.stop() })
	f.until("the first update", func(u live.Update) bool { return u.Seq == 1 })
	return f
}

// until reads updates until one satisfies ok and returns it. The timeout
// only keeps a broken watcher from hanging the test.
func (f *follower) until(what string, ok func(live.Update) bool) live.Update {
	f.t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case u := <-f.updates:
			if u.Seq != f.last.Seq+1 {
				f.t.Errorf("update %d follows %d", u.Seq, f.last.Seq)
			}
			f.last = u
			if ok(u) {
				return u
			}
		case err := <-f.done:
			f.done <- err
			f.t.Fatalf("Run ended waiting for %s: %v", what, err)
		case <-timeout:
			f.t.Fatalf("no update shows %s; the last (%d, %q) shows:\n%s", what, f.last.Seq, f.last.Cause, strings.Join(view(f.last.Snapshot), "\n"))
		}
	}
}

// stop ends Run and closes the runtime's client.
func (f *follower) stop() {
	f.cancel()
	select {
	case err := <-f.done:
		f.done <- err
		if err != nil {
			f.t.Errorf("Run = %v after cancel, want nil", err)
		}
	case <-time.After(30 * time.Second):
		f.t.Fatal("Run did not end after cancel")
	}
	f.src.Close()
}

func containerOf(s *topo.Snapshot, name string) (topo.Container, bool) {
	for _, c := range s.Containers {
		if c.Name == name {
			return c, true
		}
	}
	return topo.Container{}, false
}

// has reports whether the container's record satisfies ok.
func has(name string, ok func(c topo.Container) bool) func(live.Update) bool {
	return func(u live.Update) bool {
		c, found := containerOf(u.Snapshot, name)
		return found && ok(c)
	}
}

func onNets(c topo.Container, nets ...string) bool {
	var got []string
	for _, e := range c.Endpoints {
		got = append(got, e.Network)
	}
	slices.Sort(got)
	slices.Sort(nets)
	return slices.Equal(got, nets)
}

func ifaceCount(c topo.Container) int {
	n := 0
	for _, i := range c.Interfaces {
		if i.Kind != topo.KindLoopback {
			n++
		}
	}
	return n
}

// A scripted sequence — create, start, connect a second network,
// disconnect, stop, remove — shows in the updates step by step, in order,
// each re-read incrementally as a full read would see it.
func TestFollowsContainerLifecycle(t *testing.T) {
	w := dockertest.New(t, "live")
	net1, net2 := w.Network("a"), w.Network("b")
	f := follow(t, kernel.Options{}, true, live.Options{})
	if m := f.w.FirewallMode(); m == "none" {
		t.Errorf("FirewallMode = %q with a firewall", m)
	}
	name := w.Create("c", []string{"--network", net1})
	u := f.until("created", has(name, func(c topo.Container) bool { return c.State == topo.StateCreated }))
	t.Logf("created: %d %q", u.Seq, u.Cause)

	w.Docker("start", name)
	u = f.until("started with its interface", has(name, func(c topo.Container) bool {
		return c.State == topo.StateRunning && ifaceCount(c) == 1 && onNets(c, net1)
	}))
	t.Logf("started: %d %q", u.Seq, u.Cause)
	sameAsFullRead(t, f, name)

	w.Docker("network", "connect", net2, name)
	u = f.until("connected to "+net2, has(name, func(c topo.Container) bool { return ifaceCount(c) == 2 && onNets(c, net1, net2) }))
	t.Logf("connected: %d %q", u.Seq, u.Cause)
	sameAsFullRead(t, f, name)

	w.Docker("network", "disconnect", net2, name)
	u = f.until("disconnected", has(name, func(c topo.Container) bool { return ifaceCount(c) == 1 && onNets(c, net1) }))
	t.Logf("disconnected: %d %q", u.Seq, u.Cause)

	w.Docker("stop", "-t", "0", name)
	u = f.until("stopped", has(name, func(c topo.Container) bool { return c.State == topo.StateExited && len(c.Interfaces) == 0 }))
	t.Logf("stopped: %d %q", u.Seq, u.Cause)
	sameAsFullRead(t, f, name)

	w.Docker("rm", name)
	u = f.until("removed", func(u live.Update) bool { _, ok := containerOf(u.Snapshot, name); return !ok })
	t.Logf("removed: %d %q", u.Seq, u.Cause)
	// Others' changes on a busy host share the batch: Cause names three,
	// Causes all of them.
	if !slices.Contains(u.Causes, "container "+name+" removed") {
		t.Errorf("rm's causes %q (cause %q) do not say %s was removed", u.Causes, u.Cause, name)
	}
}

// sameAsFullRead compares the container's record, and its pairs, in the
// updates with what a full read finds now: the next updates may still
// bring the last of a step's changes, so they are read until one agrees.
func sameAsFullRead(t *testing.T, f *follower, name string) {
	t.Helper()
	full, err := f.in.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := record(full, name)
	if got := record(f.last.Snapshot, name); got == want {
		return
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case u := <-f.updates:
			f.last = u
			if record(u.Snapshot, name) == want {
				return
			}
		case <-timeout:
			t.Fatalf("no update agrees with a full read about %s:\n got %s\nwant %s", name, record(f.last.Snapshot, name), want)
		}
	}
}

// record is the container's record and pairs, as JSON.
func record(s *topo.Snapshot, name string) string {
	c, _ := containerOf(s, name)
	var pairs []topo.Pair
	for _, p := range s.Pairs {
		if p.Container == name {
			pairs = append(pairs, p)
		}
	}
	b, _ := json.Marshal(struct {
		C topo.Container
		P []topo.Pair
	}{c, pairs})
	return string(b)
}
