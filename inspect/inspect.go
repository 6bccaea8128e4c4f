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
	// containers, networks), "host" (host netlink), "namespaces" (reading
	// container namespaces) and "model". docker and host overlap.
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
	Opts   Options
}

// Snapshot asks Docker and the kernel what exists and builds the model.
// An unreachable daemon is an error; everything that is merely missing
// (a container gone mid-scan, namespaces we may not open) is a warning on
// the result.
func (in *Inspector) Snapshot(ctx context.Context) (*topo.Snapshot, error) {
	now := time.Now
	if in.Opts.Now != nil {
		now = in.Opts.Now
	}
	dockerStart := time.Now()
	engine, err := in.Docker.Engine(ctx)
	if err != nil {
		return nil, err
	}

	var (
		wg         sync.WaitGroup
		containers []ContainerInfo
		networks   []topo.Network
		dockerWarn []topo.Warning
		host       HostFacts
		cErr, nErr error
		hErr       error
	)
	var cDone, nDone time.Time
	wg.Add(2)
	go func() {
		defer wg.Done()
		containers, dockerWarn, cErr = in.Docker.Containers(ctx, in.Opts.All)
		cDone = time.Now()
	}()
	go func() {
		defer wg.Done()
		networks, nErr = in.Docker.Networks(ctx)
		nDone = time.Now()
	}()
	hostStart := time.Now()
	host, hErr = in.Kernel.Host(ctx)
	in.Opts.trace("host", hostStart)
	wg.Wait()
	if in.Opts.Trace != nil {
		end := cDone
		if nDone.After(end) {
			end = nDone
		}
		in.Opts.Trace("docker", end.Sub(dockerStart))
	}
	if err := errors.Join(cErr, nErr); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	b := newBuilder(engine, containers, networks)
	b.warn(dockerWarn...)
	if hErr != nil {
		b.warn(topo.Warning{Code: "host-unreadable", Message: fmt.Sprintf("cannot read the host network namespace: %v", hErr)})
	} else {
		b.setHost(host)
	}
	if hErr == nil {
		nsStart := time.Now()
		if err := in.readNamespaces(ctx, b); err != nil {
			return nil, err
		}
		in.Opts.trace("namespaces", nsStart)
	}
	modelStart := time.Now()
	snap := b.finish(ctx, in.Kernel)
	snap.GeneratedAt = now().UTC().Truncate(time.Second)
	snap.NetvizVersion = in.Opts.Version
	snap.Sort()
	in.Opts.trace("model", modelStart)
	return snap, nil
}

// readNamespaces finds each running container's namespace, deduplicated by
// device and inode, and reads every distinct one once, a bounded number at a
// time.
func (in *Inspector) readNamespaces(ctx context.Context, b *builder) error {
	type job struct {
		ref NSRef
		pid int
	}
	var (
		jobs    []job
		seen    = map[NSRef]bool{}
		denied  []string
		gone    []string
		refErrs []string
	)
	for i := range b.containers {
		c := &b.containers[i]
		if c.PID <= 0 {
			continue
		}
		ref, err := in.Kernel.NamespaceRef(c.PID)
		switch {
		case errors.Is(err, fs.ErrPermission):
			denied = append(denied, c.Name)
			continue
		case errors.Is(err, ErrGone):
			gone = append(gone, c.Name)
			c.PID = 0
			continue
		case err != nil:
			refErrs = append(refErrs, fmt.Sprintf("%s: %v", c.Name, err))
			continue
		}
		b.refOf[c.ID] = ref
		if ref == b.hostRef || seen[ref] {
			continue
		}
		seen[ref] = true
		jobs = append(jobs, job{ref, c.PID})
	}

	n := in.Opts.Concurrency
	if n <= 0 {
		n = 8
	}
	results := make([]NamespaceFacts, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			results[i], errs[i] = in.Kernel.ReadNamespace(ctx, j.pid)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for i, j := range jobs {
		err := errs[i]
		switch {
		case err == nil:
			f := results[i]
			if f.Ref != j.ref {
				// The process exited and its pid was reused between the stat
				// and the read: what we read belongs to someone else.
				gone = append(gone, b.namesWithRef(j.ref)...)
				b.dropRef(j.ref)
				continue
			}
			b.addNamespace(f)
		case errors.Is(err, fs.ErrPermission):
			denied = append(denied, b.namesWithRef(j.ref)...)
			b.dropRef(j.ref)
		case errors.Is(err, ErrGone):
			gone = append(gone, b.namesWithRef(j.ref)...)
			b.dropRef(j.ref)
		default:
			refErrs = append(refErrs, fmt.Sprintf("%s: %v", strings.Join(b.namesWithRef(j.ref), ","), err))
			b.dropRef(j.ref)
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
	for _, e := range refErrs {
		b.warn(topo.Warning{Code: "namespace-unreadable", Message: "cannot read a container's network namespace: " + e})
	}
	return nil
}
