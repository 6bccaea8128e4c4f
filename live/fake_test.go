package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

// fakeHost is a runtime, a kernel and a firewall at once, whose state the
// test changes and whose events it sends, counting what it is asked.
type fakeHost struct {
	mu         sync.Mutex
	containers []inspect.ContainerInfo
	hostLinks  []inspect.Link
	nsLinks    map[int][]inspect.Link // by pid
	rules      string
	down       bool // Describe fails: the daemon is gone

	lists, hostReads int
	inspects         map[string]int
	nsReads          map[int]int
	fingerprints     int
	since            []time.Time

	// runtime is where the test sends runtime events; breakRuntime ends
	// the current stream with an error.
	runtime      chan inspect.Change
	breakRuntime chan struct{}
	// ns are the live namespace subscriptions, by pid (0: host).
	ns      map[int]chan inspect.Change
	nsCond  *sync.Cond
	watches int // subscriptions ever made
	// beforeSubscribe, when set, runs as a subscription is made: a change
	// no notification announces.
	beforeSubscribe func(pid int)
	// duringHostRead, when set, runs once inside the next read of the
	// host, before it answers: a change made while the watcher reads.
	duringHostRead func()
}

var (
	_ inspect.Runtime         = (*fakeHost)(nil)
	_ inspect.ChangeWatcher   = (*fakeHost)(nil)
	_ inspect.ContainerReader = (*fakeHost)(nil)
	_ inspect.Kernel          = (*fakeHost)(nil)
	_ NamespaceWatcher        = (*fakeHost)(nil)
	_ inspect.Firewall        = (*fakeHost)(nil)
	_ FirewallWatcher         = (*fakeHost)(nil)
)

var hostRef = inspect.NSRef{Dev: 4, Inode: 1}

func newFakeHost() *fakeHost {
	h := &fakeHost{
		hostLinks: []inspect.Link{{Index: 1, Name: "lo", Kind: topo.KindLoopback, OperState: "unknown", Up: true, LinkNetNsID: -1}},
		nsLinks:   map[int][]inspect.Link{}, inspects: map[string]int{}, nsReads: map[int]int{},
		runtime: make(chan inspect.Change), breakRuntime: make(chan struct{}),
		ns: map[int]chan inspect.Change{},
	}
	h.nsCond = sync.NewCond(&h.mu)
	return h
}

// start runs a container with pid (and a namespace of its own).
func (h *fakeHost) start(name string, pid int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.containers = append(h.containers, inspect.ContainerInfo{ID: name + "-id", Name: name, Image: "busybox",
		State: topo.StateRunning, NetworkMode: "bridge", PID: pid})
	h.nsLinks[pid] = []inspect.Link{{Index: 1, Name: "lo", Kind: topo.KindLoopback, OperState: "unknown", Up: true, LinkNetNsID: -1}}
}

func (h *fakeHost) stop(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.containers = slices.DeleteFunc(h.containers, func(c inspect.ContainerInfo) bool { return c.Name == name })
}

func (h *fakeHost) Describe(context.Context) (inspect.RuntimeInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		return inspect.RuntimeInfo{}, fmt.Errorf("%w: fake", inspect.ErrDaemonUnreachable)
	}
	return inspect.RuntimeInfo{Name: "docker", Hostname: "fake"}, nil
}

func (h *fakeHost) Containers(context.Context, bool) ([]inspect.ContainerInfo, []topo.Warning, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lists++
	if h.down {
		return nil, nil, fmt.Errorf("%w: fake", inspect.ErrDaemonUnreachable)
	}
	return slices.Clone(h.containers), nil, nil
}

func (h *fakeHost) Container(_ context.Context, id string) (inspect.ContainerInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.inspects[id]++
	if h.down {
		return inspect.ContainerInfo{}, fmt.Errorf("%w: fake", inspect.ErrDaemonUnreachable)
	}
	for _, c := range h.containers {
		if c.ID == id {
			return c, nil
		}
	}
	return inspect.ContainerInfo{}, fmt.Errorf("%s: %w", id, inspect.ErrGone)
}

func (h *fakeHost) Networks(context.Context) ([]topo.Network, error) { return nil, nil }

func (h *fakeHost) WatchChanges(ctx context.Context, since time.Time, each func(inspect.Change)) error {
	h.mu.Lock()
	h.since = append(h.since, since)
	h.mu.Unlock()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-h.breakRuntime:
			return errors.New("stream broke")
		case c := <-h.runtime:
			each(c)
		}
	}
}

func (h *fakeHost) Host(context.Context) (inspect.HostFacts, error) {
	h.mu.Lock()
	during := h.duringHostRead
	h.duringHostRead = nil
	h.mu.Unlock()
	if during != nil {
		during()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hostReads++
	return inspect.HostFacts{Hostname: "fake", Namespace: inspect.NamespaceFacts{Ref: hostRef, NsID: -1, Links: slices.Clone(h.hostLinks)}}, nil
}

func (h *fakeHost) NamespaceRef(pid int) (inspect.NSRef, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.nsLinks[pid]; !ok {
		return inspect.NSRef{}, fmt.Errorf("pid %d: %w", pid, inspect.ErrGone)
	}
	return inspect.NSRef{Dev: 4, Inode: uint64(pid)}, nil
}

func (h *fakeHost) ReadNamespace(_ context.Context, pid int) (inspect.NamespaceFacts, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nsReads[pid]++
	links, ok := h.nsLinks[pid]
	if !ok {
		return inspect.NamespaceFacts{}, fmt.Errorf("pid %d: %w", pid, inspect.ErrGone)
	}
	return inspect.NamespaceFacts{Ref: inspect.NSRef{Dev: 4, Inode: uint64(pid)}, NsID: pid, Links: slices.Clone(links)}, nil
}

// WatchNamespace subscribes pid's namespace: the test sends on its channel
// (see notify); a subscription ends when its context does.
func (h *fakeHost) WatchNamespace(ctx context.Context, pid int, subscribed func(), each func(inspect.Change)) error {
	ch := make(chan inspect.Change)
	h.mu.Lock()
	h.ns[pid] = ch
	h.watches++
	h.nsCond.Broadcast()
	before := h.beforeSubscribe
	h.mu.Unlock()
	if before != nil {
		before(pid)
	}
	subscribed()
	defer func() {
		h.mu.Lock()
		delete(h.ns, pid)
		h.nsCond.Broadcast()
		h.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case c, ok := <-ch:
			if !ok {
				return errors.New("ENOBUFS (fake)")
			}
			each(c)
		}
	}
}

// subscribed waits until pid's namespace is (or is not) being watched.
func (h *fakeHost) subscribed(pid int, want bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for {
		if _, ok := h.ns[pid]; ok == want {
			return
		}
		h.nsCond.Wait()
	}
}

// settled waits until each pid's namespace has been read twice: by the
// first read and once more when its subscription began.
func (h *fakeHost) settled(pids ...int) {
	for _, pid := range pids {
		h.subscribed(pid, true)
		for h.count(func() int { return h.nsReads[pid] }) < 2 {
			time.Sleep(time.Millisecond)
		}
	}
}

// notify sends changes to pid's subscription.
func (h *fakeHost) notify(pid int, cs ...inspect.Change) {
	h.subscribed(pid, true)
	h.mu.Lock()
	ch := h.ns[pid]
	h.mu.Unlock()
	for _, c := range cs {
		ch <- c
	}
}

// breakNS ends pid's subscription as a receive error would.
func (h *fakeHost) breakNS(pid int) {
	h.subscribed(pid, true)
	h.mu.Lock()
	ch := h.ns[pid]
	h.mu.Unlock()
	close(ch)
}

func (h *fakeHost) Firewall(context.Context) (topo.Firewall, []topo.Warning, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return topo.Firewall{Default: h.rules}, nil, nil
}

func (h *fakeHost) Sysctls(context.Context, []string) (map[string]string, []topo.Warning) {
	return nil, nil
}

func (h *fakeHost) WatchRules(context.Context, func(), func()) error {
	return fmt.Errorf("fake: %w", errors.ErrUnsupported)
}

func (h *fakeHost) Fingerprint(context.Context, bool) (string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fingerprints++
	return h.rules, nil
}

func (h *fakeHost) count(f func() int) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return f()
}

// compareNames is a small stand-in for diff.Compare: containers by name,
// host links by name.
func compareNames(old, new *topo.Snapshot) diff.Result {
	var r diff.Result
	names := func(s *topo.Snapshot) (out []string) {
		for _, c := range s.Containers {
			out = append(out, "container "+c.Name)
		}
		for _, i := range s.Interfaces {
			out = append(out, fmt.Sprintf("interface %s %s", i.Name, i.State))
		}
		for _, c := range s.Containers {
			for _, i := range c.Interfaces {
				out = append(out, fmt.Sprintf("in %s: %s %s %v", c.Name, i.Name, i.State, i.Addresses))
			}
		}
		out = append(out, "firewall "+s.Firewall.Default)
		return out
	}
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

// running is a Watcher's Run in the background, its updates on a channel.
type running struct {
	t       *testing.T
	w       *Watcher
	updates chan Update
	cancel  context.CancelFunc
	done    chan error
}

func runWatcher(t *testing.T, h *fakeHost, o Options) *running {
	t.Helper()
	if o.Compare == nil {
		o.Compare = compareNames
	}
	in := &inspect.Inspector{Runtime: h, Kernel: h, Firewall: h}
	w := New(Sources{Inspector: in, Kernel: h, Firewall: h}, o)
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{t: t, w: w, updates: make(chan Update, 100), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- w.Run(ctx, func(u Update) { r.updates <- u }) }()
	t.Cleanup(func() { r.stop() })
	return r
}

// next waits for the next update; the timeout only keeps a broken watcher
// from hanging the test.
func (r *running) next() Update {
	r.t.Helper()
	select {
	case u := <-r.updates:
		return u
	case err := <-r.done:
		r.t.Fatalf("Run ended before the update: %v", err)
	case <-time.After(20 * time.Second):
		r.t.Fatal("no update")
	}
	return Update{}
}

func (r *running) stop() error {
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(20 * time.Second):
		r.t.Fatal("Run did not end after cancel")
		return nil
	}
}
