package inspect

import (
	"context"
	"fmt"
	"sync"

	"github.com/netviz/netviz/topo"
)

type fakeRuntime struct {
	info       RuntimeInfo
	containers []ContainerInfo
	warnings   []topo.Warning
	networks   []topo.Network
	err        error
}

var _ Runtime = (*fakeRuntime)(nil)

func (f *fakeRuntime) Describe(context.Context) (RuntimeInfo, error) { return f.info, f.err }
func (f *fakeRuntime) Containers(_ context.Context, all bool) ([]ContainerInfo, []topo.Warning, error) {
	var out []ContainerInfo
	for _, c := range f.containers {
		if all || c.State == topo.StateRunning {
			out = append(out, c)
		}
	}
	return out, f.warnings, nil
}
func (f *fakeRuntime) Networks(context.Context) ([]topo.Network, error) { return f.networks, nil }

// fakeKernel is a host whose processes live in namespaces given by refs.
type fakeKernel struct {
	host       HostFacts
	pidNS      map[int]NSRef            // pid → namespace
	namespaces map[NSRef]NamespaceFacts // readable namespaces
	hidden     []NamespaceFacts         // found only by FindNamespaces
	refErr     map[int]error
	readErr    map[int]error
	readAs     map[int]NSRef // ReadNamespace returns another namespace (pid reuse)

	mu    sync.Mutex
	reads map[NSRef]int
	// hostReads counts Host calls.
	hostReads int
}

var _ Kernel = (*fakeKernel)(nil)

func (k *fakeKernel) Host(context.Context) (HostFacts, error) {
	k.mu.Lock()
	k.hostReads++
	k.mu.Unlock()
	return k.host, nil
}

func (k *fakeKernel) NamespaceRef(pid int) (NSRef, error) {
	if err := k.refErr[pid]; err != nil {
		return NSRef{}, err
	}
	ref, ok := k.pidNS[pid]
	if !ok {
		return NSRef{}, fmt.Errorf("pid %d: %w", pid, ErrGone)
	}
	return ref, nil
}

func (k *fakeKernel) ReadNamespace(_ context.Context, pid int) (NamespaceFacts, error) {
	if err := k.readErr[pid]; err != nil {
		return NamespaceFacts{}, err
	}
	ref := k.pidNS[pid]
	if r, ok := k.readAs[pid]; ok {
		ref = r
	}
	k.mu.Lock()
	if k.reads == nil {
		k.reads = map[NSRef]int{}
	}
	k.reads[ref]++
	k.mu.Unlock()
	f, ok := k.namespaces[ref]
	if !ok {
		return NamespaceFacts{Ref: ref, NsID: -1}, nil
	}
	return f, nil
}

func (k *fakeKernel) FindNamespaces(_ context.Context, nsids []int) ([]NamespaceFacts, error) {
	var out []NamespaceFacts
	for _, f := range k.hidden {
		for _, id := range nsids {
			if f.NsID == id {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// streamingRuntime is a fakeRuntime that also streams, from several
// goroutines, as inspect/docker does.
type streamingRuntime struct{ *fakeRuntime }

var _ ContainerStreamer = streamingRuntime{}

func (f streamingRuntime) StreamContainers(ctx context.Context, all bool, each func(ContainerInfo)) ([]ContainerInfo, []topo.Warning, error) {
	cs, ws, err := f.Containers(ctx, all)
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() { each(c) })
	}
	wg.Wait()
	return cs, ws, err
}

type fakeFirewall struct {
	fw     topo.Firewall
	warn   []topo.Warning
	asked  []string
	values map[string]string
}

var _ Firewall = (*fakeFirewall)(nil)

func (f *fakeFirewall) Firewall(context.Context) (topo.Firewall, []topo.Warning, error) {
	return f.fw, f.warn, nil
}

func (f *fakeFirewall) Sysctls(_ context.Context, ifaces []string) (map[string]string, []topo.Warning) {
	f.asked = ifaces
	return f.values, nil
}
