package live_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/inspect/docker"
	"github.com/netviz/netviz/inspect/kernel"
	"github.com/netviz/netviz/inspect/netfilter"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/live"
	"github.com/netviz/netviz/topo"
)

// The live benchmarks run against the real daemon and whatever it runs
// (make bench first starts N containers); each measures once
// (-benchtime 1x) and reports its numbers as metrics.

// benchWatcher runs a Watcher (containers, host, namespaces, firewall)
// and calls seen with each update's time and snapshot.
func benchWatcher(b *testing.B, seen func(time.Time, *topo.Snapshot)) (stop func()) {
	b.Helper()
	src, err := docker.New(docker.Options{PIDs: docker.RuntimePIDs{}})
	if err != nil {
		b.Fatal(err)
	}
	k := kernel.New()
	fw := netfilter.New(netfilter.Options{})
	in := &inspect.Inspector{Runtime: src, Kernel: k, Firewall: fw}
	w := live.New(live.Sources{Inspector: in, Kernel: k, Firewall: fw}, live.Options{Compare: compareViews})
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- w.Run(ctx, func(u live.Update) {
			seen(time.Now(), u.Snapshot)
			if u.Seq == 1 {
				close(first)
			}
		})
	}()
	select {
	case <-first:
	case err := <-done:
		b.Fatal(err)
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
		src.Close()
	}
}

func running(s *topo.Snapshot, name string) bool {
	for _, c := range s.Containers {
		if c.Name == name && c.State == topo.StateRunning && len(c.Interfaces) > 1 {
			return true
		}
	}
	return false
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1)+0.5)]
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkLiveStartLatency: from Docker's start event (its own time
// stamp) to the Update that shows the container running with its
// interface, over NETVIZ_BENCH_STARTS (50) starts.
func BenchmarkLiveStartLatency(b *testing.B) {
	w := dockertest.New(b, "lat")
	starts := envInt("NETVIZ_BENCH_STARTS", 50)
	var (
		mu     sync.Mutex
		shown  = map[string]time.Time{}
		latest *topo.Snapshot
	)
	stop := benchWatcher(b, func(at time.Time, s *topo.Snapshot) {
		mu.Lock()
		defer mu.Unlock()
		latest = s
		for _, c := range s.Containers {
			if _, ok := shown[c.Name]; !ok && running(s, c.Name) {
				shown[c.Name] = at
			}
		}
	})
	defer stop()
	// Docker's own time stamps of the start events, from a stream of its own.
	events, err := docker.New(docker.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer events.Close()
	ectx, ecancel := context.WithCancel(context.Background())
	defer ecancel()
	startedAt := map[string]time.Time{}
	go events.WatchChanges(ectx, time.Time{}, func(c inspect.Change) {
		if c.Kind == inspect.ChangeContainer && c.Action == "start" {
			mu.Lock()
			startedAt[c.Name] = c.Time
			mu.Unlock()
		}
	})
	var lat []time.Duration
	for i := range starts {
		name := w.Create(fmt.Sprintf("s%d", i), nil)
		w.Docker("start", name)
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			t, ok := shown[name]
			at, evOK := startedAt[name]
			mu.Unlock()
			if ok && evOK {
				lat = append(lat, t.Sub(at))
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s never shown (event seen: %v)", name, evOK)
			}
			time.Sleep(time.Millisecond)
		}
		w.Remove(name)
	}
	mu.Lock()
	n := len(latest.Containers)
	mu.Unlock()
	b.ReportMetric(float64(n), "containers")
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(percentile(lat, 0.95).Microseconds())/1000, "p95-ms")
}

// cpuTime is the CPU this process and the programs it ran (iptables-save,
// nft) have used.
func cpuTime() time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		syscall.Getrusage(who, &ru)
		total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return total
}

// BenchmarkLiveIdleCPU: the CPU a watcher uses over NETVIZ_IDLE_SECONDS
// (60) with nothing of its own changing (other containers may), as a
// percentage of one core. It starts NETVIZ_IDLE_WARMUP (10) seconds after
// the first update: until then the watcher subscribes to every container's
// namespace and reads each once more (with 500 containers, ~0.4 s of CPU
// that is the start's cost, not the idle one's).
func BenchmarkLiveIdleCPU(b *testing.B) {
	dockertest.New(b, "idle")
	var updates int
	var mu sync.Mutex
	stop := benchWatcher(b, func(time.Time, *topo.Snapshot) { mu.Lock(); updates++; mu.Unlock() })
	defer stop()
	time.Sleep(time.Duration(envInt("NETVIZ_IDLE_WARMUP", 10)) * time.Second)
	mu.Lock()
	updates = 1
	mu.Unlock()
	runtime.GC()
	secs := envInt("NETVIZ_IDLE_SECONDS", 60)
	start, cpu0 := time.Now(), cpuTime()
	time.Sleep(time.Duration(secs) * time.Second)
	used, wall := cpuTime()-cpu0, time.Since(start)
	mu.Lock()
	b.ReportMetric(float64(updates-1), "updates")
	mu.Unlock()
	b.ReportMetric(100*used.Seconds()/wall.Seconds(), "cpu-%")
}

// BenchmarkLiveChurnMemory: the heap after NETVIZ_BENCH_CYCLES (200)
// container start/stop cycles against the heap after the first tenth,
// each after a GC.
func BenchmarkLiveChurnMemory(b *testing.B) {
	w := dockertest.New(b, "mem")
	cycles := envInt("NETVIZ_BENCH_CYCLES", 200)
	var (
		mu   sync.Mutex
		last *topo.Snapshot
	)
	stop := benchWatcher(b, func(_ time.Time, s *topo.Snapshot) { mu.Lock(); last = s; mu.Unlock() })
	defer stop()
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	waitFor := func(name string, want bool) {
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			ok := running(last, name) == want
			mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				b.Fatalf("%s running=%v never shown", name, want)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	var base uint64
	for i := range cycles {
		if i == cycles/10 {
			base = heap()
		}
		name := w.Run(fmt.Sprintf("m%d", i), nil)
		waitFor(name, true)
		w.Remove(name)
		waitFor(name, false)
	}
	end := heap()
	b.ReportMetric(float64(base)/(1<<20), "heap-base-MB")
	b.ReportMetric(float64(end)/(1<<20), "heap-end-MB")
	b.ReportMetric(100*(float64(end)-float64(base))/float64(base), "heap-growth-%")
}

// quietRuntime is a runtime with no containers whose events never come.
type quietRuntime struct{}

func (quietRuntime) Describe(context.Context) (inspect.RuntimeInfo, error) {
	return inspect.RuntimeInfo{Name: "quiet"}, nil
}
func (quietRuntime) Containers(context.Context, bool) ([]inspect.ContainerInfo, []topo.Warning, error) {
	return nil, nil, nil
}
func (quietRuntime) Networks(context.Context) ([]topo.Network, error) { return nil, nil }
func (quietRuntime) WatchChanges(ctx context.Context, _ time.Time, _ func(inspect.Change)) error {
	<-ctx.Done()
	return nil
}

// BenchmarkLiveIdleCPUQuiet: what a watcher costs when nothing changes at
// all — netlink subscribed in a throwaway namespace taken as the host,
// nftables events and the iptables-legacy check of netviz's own namespace,
// a runtime whose events never come — over NETVIZ_IDLE_SECONDS (60), as a
// percentage of one core. The shared test host is never this quiet.
func BenchmarkLiveIdleCPUQuiet(b *testing.B) {
	dockertest.New(b, "quiet") // root, like the others
	ns := netnsAddB(b)
	k := kernel.NewWithOptions(kernel.Options{HostNetns: "/run/netns/" + ns})
	fw := netfilter.New(netfilter.Options{})
	in := &inspect.Inspector{Runtime: quietRuntime{}, Kernel: k, Firewall: fw}
	w := live.New(live.Sources{Inspector: in, Kernel: k, Firewall: fw}, live.Options{Compare: compareViews})
	ctx, cancel := context.WithCancel(context.Background())
	var updates int
	first := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- w.Run(ctx, func(u live.Update) {
			updates++
			if u.Seq == 1 {
				close(first)
			}
		})
	}()
	<-first
	runtime.GC()
	secs := envInt("NETVIZ_IDLE_SECONDS", 60)
	start, cpu0 := time.Now(), cpuTime()
	time.Sleep(time.Duration(secs) * time.Second)
	used, wall := cpuTime()-cpu0, time.Since(start)
	cancel()
	if err := <-done; err != nil {
		b.Error(err)
	}
	b.ReportMetric(float64(updates-1), "updates")
	b.ReportMetric(100*used.Seconds()/wall.Seconds(), "cpu-%")
	b.Logf("firewall: %s", w.FirewallMode())
}

// BenchmarkLiveReread: what one update reads on this host — everything
// (a resync), or one container that started (its inspect, its namespace
// and the host's links, as a start touches them).
func BenchmarkLiveReread(b *testing.B) {
	dockertest.New(b, "reread")
	src, err := docker.New(docker.Options{PIDs: docker.RuntimePIDs{}})
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	k := kernel.New()
	fw := netfilter.New(netfilter.Options{})
	tr := (&inspect.Inspector{Runtime: src, Kernel: k, Firewall: fw}).Track()
	s, err := tr.Full(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	var id string
	for _, c := range s.Containers {
		if c.State == topo.StateRunning && c.Namespace != "" {
			id = c.ID
		}
	}
	if id == "" {
		b.Skip("no running container")
	}
	b.Run("full", func(b *testing.B) {
		for b.Loop() {
			if _, err := tr.Full(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("one-container", func(b *testing.B) {
		for b.Loop() {
			if _, err := tr.Refresh(b.Context(), inspect.Touched{Containers: []string{id}, Host: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(len(s.Containers)), "containers")
}
