package inspect

import (
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

// Options tune an Inspector.
type Options struct {
	// All includes stopped and created containers.
	All bool
	// Concurrency bounds how many namespaces are read at once (default 8).
	Concurrency int
	// Version is netviz's version, recorded in the snapshot.
	Version string
	// Now stamps the snapshot (default time.Now).
	Now func() time.Time
	// Trace, when set, is told how long each phase took: "docker" (engine,
	// containers, networks), "host" (host netlink), "namespaces" (from the
	// first container namespace read to the end of the last), "firewall" and "model".
	// The first three overlap.
	Trace func(phase string, took time.Duration)
}

func (o Options) trace(phase string, start time.Time) {
	if o.Trace != nil {
		o.Trace(phase, time.Since(start))
	}
}

// Inspector builds a snapshot from a Docker source and a kernel source.
type Inspector struct {
	Docker Docker
	Kernel Kernel
	// Netfilter, when set, adds the firewall rules and sysctls.
	Netfilter Netfilter
	Opts      Options
}

// Snapshot asks Docker and the kernel what exists and builds the model.
// An unreachable daemon is an error; everything that is merely missing
// (a container gone mid-scan, namespaces we may not open) is a warning on
// the result.
//
// The host namespace is read while Docker answers, and each container's
// namespace is read as soon as Docker has told its PID (when the Docker
// source can stream, see ContainerStreamer), so the three overlap.
func (in *Inspector) Snapshot(ctx context.Context) (*topo.Snapshot, error) {
	now := time.Now
	if in.Opts.Now != nil {
		now = in.Opts.Now
	}
	dockerStart := time.Now()
	var (
		host      HostFacts
		hErr      error
		hostReady = make(chan struct{})
	)
	go func() {
		defer close(hostReady)
		hostStart := time.Now()
		host, hErr = in.Kernel.Host(ctx)
		in.Opts.trace("host", hostStart)
	}()
	var (
		fw      topo.Firewall
		fwWarn  []topo.Warning
		fwErr   error
		fwReady = make(chan struct{})
	)
	go func() {
		defer close(fwReady)
		if in.Netfilter == nil {
			return
		}
		start := time.Now()
		fw, fwWarn, fwErr = in.Netfilter.Firewall(ctx)
		in.Opts.trace("firewall", start)
	}()
	defer func() { <-fwReady }()
	reader := newNSReader(ctx, in.Kernel, in.Opts.Concurrency, hostReady, func() (NSRef, bool) {
		return host.Namespace.Ref, hErr == nil
	})
	defer reader.stop()

	// The daemon's version, its networks and its containers are asked for
	// at once: dockerd takes ~30 ms for version and info alone.
	var (
		wg               sync.WaitGroup
		engine           Engine
		containers       []ContainerInfo
		networks         []topo.Network
		dockerWarn       []topo.Warning
		eErr, cErr, nErr error
		nDone            time.Time
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		engine, eErr = in.Docker.Engine(ctx)
	}()
	go func() {
		defer wg.Done()
		networks, nErr = in.Docker.Networks(ctx)
		nDone = time.Now()
	}()
	if st, ok := in.Docker.(ContainerStreamer); ok {
		containers, dockerWarn, cErr = st.StreamContainers(ctx, in.Opts.All, reader.add)
	} else {
		containers, dockerWarn, cErr = in.Docker.Containers(ctx, in.Opts.All)
	}
	cDone := time.Now()
	wg.Wait()
	if in.Opts.Trace != nil {
		end := cDone
		if nDone.After(end) {
			end = nDone
		}
		in.Opts.Trace("docker", end.Sub(dockerStart))
	}
	// One error, the most telling: an unreachable daemon fails all three.
	for _, err := range []error{eErr, cErr, nErr} {
		if err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, c := range containers {
		reader.add(c) // no-op for those already streamed
	}
	reader.wait()
	<-hostReady

	b := newBuilder(engine, containers, networks)
	b.warn(dockerWarn...)
	if hErr != nil {
		b.warn(topo.Warning{Code: "host-unreadable", Message: fmt.Sprintf("cannot read the host network namespace: %v", hErr)})
	} else {
		b.setHost(host)
		if err := reader.collect(b); err != nil {
			return nil, err
		}
		if in.Opts.Trace != nil {
			in.Opts.Trace("namespaces", reader.last.Sub(reader.first))
		}
	}
	modelStart := time.Now()
	snap := b.finish(ctx, in.Kernel)
	<-fwReady
	if fwErr != nil {
		return nil, fwErr
	}
	if in.Netfilter != nil {
		snap.Firewall = fw
		snap.Warnings = append(snap.Warnings, fwWarn...)
		var ifaces []string
		for _, br := range snap.Bridges {
			ifaces = append(ifaces, br.Name)
		}
		sort.Strings(ifaces)
		ifaces = append([]string{snap.Host.Uplink}, ifaces...)
		var sysWarn []topo.Warning
		snap.Sysctls, sysWarn = in.Netfilter.Sysctls(ctx, ifaces)
		snap.Warnings = append(snap.Warnings, sysWarn...)
	}
	snap.GeneratedAt = now().UTC().Truncate(time.Second)
	snap.NetvizVersion = in.Opts.Version
	snap.Sort()
	in.Opts.trace("model", modelStart)
	return snap, nil
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
	if r.added[c.ID] || c.PID <= 0 {
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

// stop ends the workers if Snapshot returns early.
func (r *nsReader) stop() { r.wait() }

// collect hands what was read to the builder and turns what was not into
// warnings: a container gone since Docker named its PID, a PID reused by
// another process before its namespace was read, namespaces we may not open.
func (r *nsReader) collect(b *builder) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
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
			b.addNamespace(rd.facts)
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
	return nil
}
