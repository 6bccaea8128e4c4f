package inspect

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/netviz/netviz/topo"
)

// errNoKernel is the host's "error" when the Inspector has no Kernel.
var errNoKernel = errors.New("no kernel to read")

// read asks every source what exists and gathers the answers; it builds
// nothing. The reads overlap: the host namespace is read (and then its
// forwarding sysctls) while the runtime answers, each container's namespace
// as soon as the runtime has told its PID (when it can stream, see
// ContainerStreamer), and the firewall meanwhile. Only the search for the
// namespaces of unclaimed veths waits for the others: it needs to know
// which veths the containers' namespaces claim.
//
// The first fatal error cancels the reads still going, and is what read
// returns once they have all ended; when parent ends, read returns its
// error.
func (in *Inspector) read(parent context.Context) (*facts, error) {
	ctx, fail := context.WithCancelCause(parent)
	defer fail(nil)
	f := &facts{refOf: map[string]NSRef{}, namespaces: map[NSRef]NamespaceFacts{}, readFirewall: in.Firewall != nil}
	var (
		sources   sync.WaitGroup
		host      HostFacts
		hErr      error
		hostReady = make(chan struct{})
	)
	sources.Go(func() {
		if in.Kernel == nil {
			hErr = errNoKernel
			close(hostReady)
			return
		}
		start := time.Now()
		host, hErr = in.Kernel.Host(ctx)
		in.Opts.trace("host", start)
		close(hostReady)
		if in.Firewall != nil && ctx.Err() == nil {
			f.sysctls, f.sysctlWarn = in.Firewall.Sysctls(ctx, sysctlIfaces(host, hErr))
		}
	})
	if in.Firewall != nil {
		sources.Go(func() {
			start := time.Now()
			fw, warn, err := in.Firewall.Firewall(ctx)
			in.Opts.trace("firewall", start)
			if err != nil {
				fail(err)
				return
			}
			f.firewall, f.firewallWarn = fw, warn
		})
	}
	// Docker's own namespaces are found where the runtime says.
	var swarmDone sync.WaitGroup
	swarmDone.Go(func() { in.readSwarm(ctx, f) })
	reader := newNSReader(ctx, in.Kernel, in.Opts.Concurrency, hostReady, func() (NSRef, bool) {
		return host.Namespace.Ref, hErr == nil
	})

	in.readRuntime(ctx, fail, f, reader.add)
	if ctx.Err() == nil {
		for _, c := range f.containers {
			reader.add(c) // no-op for those already streamed
		}
	}
	reader.wait()
	<-hostReady
	switch {
	case ctx.Err() != nil:
	case in.Kernel == nil:
		// Said once by whoever chose to read no kernel, with why.
	case hErr != nil:
		f.warn(topo.Warning{Code: "host-unreadable", Message: fmt.Sprintf("cannot read the host network namespace: %v", hErr)})
	default:
		f.host = &host
		reader.collect(f)
		if in.Opts.Trace != nil {
			in.Opts.Trace("namespaces", reader.last.Sub(reader.first))
		}
		swarmDone.Wait()
		in.readDockerNamespaces(ctx, f)
		in.findOrphans(ctx, f)
	}
	swarmDone.Wait()
	sources.Wait()
	if err := parent.Err(); err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	return f, nil
}

// readRuntime asks the runtime what it is, its networks and its containers
// at once (dockerd takes ~30 ms for version and info alone),
// handing each container to found as soon as it is known. The first error
// goes to fail: an unreachable daemon fails all three, and the others
// need not wait for their timeouts.
func (in *Inspector) readRuntime(ctx context.Context, fail context.CancelCauseFunc, f *facts, found func(ContainerInfo)) {
	start := time.Now()
	var (
		wg    sync.WaitGroup
		nDone time.Time
	)
	wg.Go(func() {
		var err error
		if f.runtime, err = in.Runtime.Describe(ctx); err != nil {
			fail(err)
		}
	})
	wg.Go(func() {
		var err error
		if f.networks, err = in.Runtime.Networks(ctx); err != nil {
			fail(err)
		}
		nDone = time.Now()
	})
	var (
		warn []topo.Warning
		err  error
	)
	if st, ok := in.Runtime.(ContainerStreamer); ok {
		f.containers, warn, err = st.StreamContainers(ctx, in.Opts.All, found)
	} else {
		f.containers, warn, err = in.Runtime.Containers(ctx, in.Opts.All)
	}
	if err != nil {
		fail(err)
	}
	cDone := time.Now()
	wg.Wait()
	if in.Opts.Trace != nil {
		end := cDone
		if nDone.After(end) {
			end = nDone
		}
		in.Opts.Trace(cmp.Or(f.runtime.Name, "runtime"), end.Sub(start))
	}
	f.warn(warn...)
}

// nsReader reads containers' namespaces as their PIDs become known: each
// distinct namespace (by device and inode) once, by a fixed number of
// workers that start only when the host namespace has been read — the
// kernel hands out the nsids pairing relies on as it lists the host's veths.
type nsReader struct {
	ctx       context.Context
	k         Kernel
	hostReady <-chan struct{}
	host      func() (NSRef, bool)
	jobs      chan nsJob
	workers   sync.WaitGroup
	closeOnce sync.Once

	mu          sync.Mutex
	first, last time.Time        // span of the reads, for Trace
	added       map[string]bool  // container IDs seen
	refOf       map[string]NSRef // container ID → namespace
	refErr      map[string]error // container ID → why its namespace is unknown
	reads       map[NSRef]*nsRead
}

type nsJob struct {
	ref  NSRef
	read *nsRead
}

type nsRead struct {
	pid   int
	facts NamespaceFacts
	err   error
}

func newNSReader(ctx context.Context, k Kernel, n int, hostReady <-chan struct{}, host func() (NSRef, bool)) *nsReader {
	if n <= 0 {
		n = 8
	}
	r := &nsReader{
		ctx: ctx, k: k, hostReady: hostReady, host: host,
		// Buffered so that Docker's workers hand over and go on inspecting.
		jobs:  make(chan nsJob, 4096),
		added: map[string]bool{}, refOf: map[string]NSRef{}, refErr: map[string]error{},
		reads: map[NSRef]*nsRead{},
	}
	for range n {
		r.workers.Go(r.work)
	}
	return r
}

func (r *nsReader) work() {
	<-r.hostReady
	hostRef, hostOK := r.host()
	for j := range r.jobs {
		switch {
		case !hostOK || j.ref == hostRef:
			// Nothing to read: the host's own namespace, or no host to pair with.
		case r.ctx.Err() != nil:
			j.read.err = r.ctx.Err()
		default:
			start := time.Now()
			j.read.facts, j.read.err = r.k.ReadNamespace(r.ctx, j.read.pid)
			r.span(start, time.Now())
		}
	}
}

// add finds a running container's namespace (a stat) and queues it for
// reading if it is new. It is safe to call from several goroutines and
// more than once per container.
func (r *nsReader) add(c ContainerInfo) {
	r.mu.Lock()
	if r.added[c.ID] || c.PID <= 0 || r.k == nil {
		r.mu.Unlock()
		return
	}
	r.added[c.ID] = true
	r.mu.Unlock()

	ref, err := r.k.NamespaceRef(c.PID)
	r.mu.Lock()
	if err != nil {
		r.refErr[c.ID] = err
		r.mu.Unlock()
		return
	}
	r.refOf[c.ID] = ref
	if _, queued := r.reads[ref]; queued {
		r.mu.Unlock()
		return
	}
	rd := &nsRead{pid: c.PID}
	r.reads[ref] = rd
	r.mu.Unlock()
	select {
	case r.jobs <- nsJob{ref, rd}:
	case <-r.ctx.Done():
		rd.err = r.ctx.Err()
	}
}

func (r *nsReader) span(start, end time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.first.IsZero() || start.Before(r.first) {
		r.first = start
	}
	if end.After(r.last) {
		r.last = end
	}
}

// wait lets the workers finish what is queued.
func (r *nsReader) wait() {
	r.closeOnce.Do(func() { close(r.jobs) })
	r.workers.Wait()
}

// collect hands what was read to the facts and turns what was not into
// warnings: a container gone since Docker named its PID, a PID reused by
// another process before its namespace was read, namespaces we may not open.
func (r *nsReader) collect(b *facts) {
	hostRef, _ := r.host()
	var denied, gone, failed []string
	for i := range b.containers {
		c := &b.containers[i]
		err, bad := r.refErr[c.ID]
		ref, ok := r.refOf[c.ID]
		switch {
		case bad && errors.Is(err, fs.ErrPermission):
			denied = append(denied, c.Name)
			continue
		case bad && errors.Is(err, ErrGone):
			gone = append(gone, c.Name)
			c.PID = 0
			continue
		case bad:
			failed = append(failed, fmt.Sprintf("%s: %v", c.Name, err))
			continue
		case !ok:
			continue
		}
		if ref == hostRef {
			b.refOf[c.ID] = ref
			continue
		}
		rd := r.reads[ref]
		switch {
		case rd.err == nil && rd.facts.Ref != ref:
			// The process exited and its PID was reused between the stat
			// and the read: what was read belongs to someone else.
			gone = append(gone, c.Name)
		case rd.err == nil:
			b.refOf[c.ID] = ref
			b.namespaces[ref] = rd.facts
		case errors.Is(rd.err, fs.ErrPermission):
			denied = append(denied, c.Name)
		case errors.Is(rd.err, ErrGone):
			gone = append(gone, c.Name)
		default:
			failed = append(failed, fmt.Sprintf("%s: %v", c.Name, rd.err))
		}
	}
	if len(denied) > 0 {
		sort.Strings(denied)
		b.warn(topo.Warning{
			Code:    "namespace-denied",
			Subject: strings.Join(denied, ","),
			Message: fmt.Sprintf("cannot open the network namespaces of %d container(s) (needs root or CAP_SYS_ADMIN and CAP_SYS_PTRACE): their interfaces are missing and their host veths are not attributed; run netviz with sudo", len(denied)),
		})
		b.denied = true
	}
	for _, name := range gone {
		b.warn(topo.Warning{Code: "container-gone", Subject: name, Message: fmt.Sprintf("container %q stopped while netviz read it; it is listed without a namespace", name)})
	}
	for _, e := range failed {
		b.warn(topo.Warning{Code: "namespace-unreadable", Message: "cannot read a container's network namespace: " + e})
	}
}

// findOrphans looks for the namespaces that hold the peers of host veths
// no container's namespace claims: an `ip netns add` namespace, a
// container's whose runtime forgot it, a process that unshared its own.
// It is not tried when namespaces may not be opened at all.
func (in *Inspector) findOrphans(ctx context.Context, f *facts) {
	if f.denied {
		return
	}
	unclaimed := newPairer(newHostIndex(f.host.Namespace), f.namespaces).unclaimedNsIDs()
	if len(unclaimed) == 0 {
		return
	}
	finder, ok := in.Kernel.(NamespaceFinder)
	if !ok {
		return
	}
	found, err := finder.FindNamespaces(ctx, unclaimed)
	if err != nil {
		f.warn(topo.Warning{Code: "orphan-search-failed", Message: fmt.Sprintf("cannot look for the namespaces of unattributed veths: %v", err)})
	}
	f.orphans = found
}

// sysctlIfaces are the interfaces whose forwarding sysctls matter: the
// uplink, then the bridges by name.
func sysctlIfaces(host HostFacts, err error) []string {
	if err != nil {
		return []string{""}
	}
	var bridges []string
	for _, l := range host.Namespace.Links {
		if l.Kind == topo.KindBridge {
			bridges = append(bridges, l.Name)
		}
	}
	sort.Strings(bridges)
	return append([]string{uplink(host.Namespace.Routes)}, bridges...)
}
