package inspect

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/netviz/netviz/topo"
)

// stuckKernel is a fakeKernel whose namespace reads block until their ctx
// ends, as a dump the kernel does not answer; started is closed when the
// first one begins.
type stuckKernel struct {
	*fakeKernel
	once    sync.Once
	started chan struct{}
}

var _ Kernel = (*stuckKernel)(nil)

func (k *stuckKernel) ReadNamespace(ctx context.Context, _ int) (NamespaceFacts, error) {
	k.once.Do(func() { close(k.started) })
	<-ctx.Done()
	return NamespaceFacts{}, ctx.Err()
}

// failingNetworks is a fakeRuntime whose network list fails once a
// namespace read has started.
type failingNetworks struct {
	*fakeRuntime
	after <-chan struct{}
	err   error
}

var _ Runtime = (*failingNetworks)(nil)

func (f *failingNetworks) Networks(ctx context.Context) ([]topo.Network, error) {
	select {
	case <-f.after:
		return nil, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// waitGoroutines fails t unless the goroutines started since before have
// ended within a second.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	for deadline := time.Now().Add(time.Second); runtime.NumGoroutine() > before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left, %d before Snapshot", runtime.NumGoroutine(), before)
		}
	}
}

func cancelWorld(t *testing.T) (*world, *stuckKernel) {
	w := newWorld(t)
	for _, name := range []string{"a", "b", "c"} {
		_, ns := w.container(name, "bridge")
		w.veth(ns, 3, "eth0", 9, "02:42:ac:11:00:02", "172.17.0.2/16")
	}
	return w, &stuckKernel{fakeKernel: w.kernel, started: make(chan struct{})}
}

// Ctrl-C while a namespace read is stuck: Snapshot returns the caller's
// error within a second and leaves nothing running.
func TestCancelStopsBlockedNamespaceReads(t *testing.T) {
	before := runtime.NumGoroutine()
	w, k := cancelWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in := &Inspector{Runtime: streamingRuntime{w.runtime}, Kernel: k, Firewall: &fakeFirewall{}, Opts: Options{Concurrency: 2}}
	done := make(chan error, 1)
	go func() {
		_, err := in.Snapshot(ctx)
		done <- err
	}()
	<-k.started
	cancel()
	cancelled := time.Now()
	select {
	case err := <-done:
		if took := time.Since(cancelled); took > time.Second {
			t.Errorf("Snapshot returned %v after cancel, want within 1s", took)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Snapshot still running 5s after cancel")
	}
	waitGoroutines(t, before)
}

// A fatal error from the runtime cancels the namespace reads still going,
// and is what Snapshot returns (not the cancellation it caused).
func TestFirstFatalErrorCancelsTheOtherReads(t *testing.T) {
	before := runtime.NumGoroutine()
	w, k := cancelWorld(t)
	daemonDown := errors.New("docker list networks: daemon went away")
	src := &failingNetworks{fakeRuntime: w.runtime, after: k.started, err: daemonDown}
	in := &Inspector{Runtime: streamingFailing{src}, Kernel: k, Opts: Options{Concurrency: 2}}
	done := make(chan error, 1)
	go func() {
		_, err := in.Snapshot(context.Background())
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, daemonDown) {
			t.Errorf("err = %v, want %v", err, daemonDown)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Snapshot still waiting for blocked namespace reads 5s after the daemon failed")
	}
	waitGoroutines(t, before)
}

// streamingFailing streams as streamingRuntime does, with failingNetworks'
// network list.
type streamingFailing struct{ *failingNetworks }

var _ ContainerStreamer = streamingFailing{}

func (f streamingFailing) StreamContainers(ctx context.Context, all bool, each func(ContainerInfo)) ([]ContainerInfo, []topo.Warning, error) {
	return streamingRuntime{f.fakeRuntime}.StreamContainers(ctx, all, each)
}
