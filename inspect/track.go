package inspect

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/netviz/netviz/topo"
)

// Tracker keeps what the last read found, so that a live view re-reads
// only what a change touches and builds the model again from the rest.
// It is not safe for concurrent use.
type Tracker struct {
	in *Inspector
	f  *facts
}

// Track returns a Tracker reading through in. Nothing is read until Full.
func (in *Inspector) Track() *Tracker { return &Tracker{in: in} }

// Touched says what a change may have changed.
type Touched struct {
	// Containers are IDs of containers to inspect again, with their
	// namespaces.
	Containers []string
	// Networks asks for the runtime's networks again.
	Networks bool
	// Host asks for the host namespace again (links, bridges, routes).
	Host bool
	// Namespaces are container namespaces to read again.
	Namespaces []NSRef
	// Firewall asks for the rules and sysctls again.
	Firewall bool
}

// Full reads everything again.
func (t *Tracker) Full(ctx context.Context) (*topo.Snapshot, error) {
	f, err := t.in.read(ctx)
	if err != nil {
		return nil, err
	}
	t.f = f
	return t.in.finish(f), nil
}

// Refresh re-reads what touched names and builds the model again from
// those answers and the last read's others: the runtime's inspect of each
// touched container and a read of its namespace, the runtime's networks,
// the host namespace, the touched container namespaces, the firewall.
// Before the first Full, or when the runtime cannot inspect one container
// (see ContainerReader), it reads everything. On an error the last facts
// are kept.
func (t *Tracker) Refresh(ctx context.Context, touched Touched) (*topo.Snapshot, error) {
	cr, ok := t.in.Runtime.(ContainerReader)
	if t.f == nil || (!ok && len(touched.Containers) > 0) {
		return t.Full(ctx)
	}
	f, err := t.refresh(ctx, cr, touched)
	if err != nil {
		return nil, err
	}
	t.f = f
	return t.in.finish(f), nil
}

// peersNotInHost says whether a veth of one of the namespaces reread names,
// with its peer in another namespace, points at an ifindex the host's
// last read does not list. A peer in another container's or one of
// Docker's own namespaces also counts: reading the host once more is
// cheap and cannot be wrong.
func peersNotInHost(f *facts, reread map[NSRef]bool) bool {
	if f.host == nil {
		return false
	}
	known := map[int]bool{}
	for _, l := range f.host.Namespace.Links {
		known[l.Index] = true
	}
	for ref := range reread {
		for _, l := range f.namespaces[ref].Links {
			if l.Kind == topo.KindVeth && l.LinkNetNsID >= 0 && l.ParentIndex > 0 && !known[l.ParentIndex] {
				return true
			}
		}
	}
	return false
}

// refresh makes new facts from the last ones and what touched names,
// sharing what did not change. Nothing of the old facts is modified:
// snapshots handed out share their slices.
func (t *Tracker) refresh(ctx context.Context, cr ContainerReader, touched Touched) (*facts, error) {
	in, old := t.in, t.f
	f := *old
	f.refOf = maps.Clone(old.refOf)
	f.namespaces = maps.Clone(old.namespaces)
	f.warnings = slices.DeleteFunc(slices.Clone(old.warnings), func(w topo.Warning) bool {
		return w.Code == "container-gone"
	})
	if touched.Networks {
		nets, err := in.Runtime.Networks(ctx)
		if err != nil {
			return nil, err
		}
		f.networks = nets
	}
	// The runtime before the kernel: Docker makes and unmakes a
	// container's network while it holds the container, and answers its
	// inspect only after; the kernel read next then sees what it finished,
	// not the veth pair it was half-way through.
	reread, err := t.refreshContainers(ctx, cr, &f, touched.Containers)
	if err != nil {
		return nil, err
	}
	if touched.Host && in.Kernel != nil {
		// Before the namespaces: listing the host's veths is what has the
		// kernel assign the nsids that the namespaces' reads then report.
		in.rereadHost(ctx, &f, reread)
	}
	for _, ref := range touched.Namespaces {
		reread[ref] = true
	}
	if touched.Host {
		markNsidless(&f, reread)
	}
	t.rereadNamespaces(ctx, &f, reread)
	if !touched.Host && in.Kernel != nil && peersNotInHost(&f, reread) {
		// A namespace read now has a veth whose host end the last host
		// read did not have: the runtime said "created" and the kernel
		// is already further (Docker 29 connects and starts a container
		// before its events say so). Without the host it would show
		// unpaired; with it, what follows is a host refresh's.
		touched.Host = true
		in.rereadHost(ctx, &f, reread)
		late := map[NSRef]bool{}
		markNsidless(&f, late)
		t.rereadNamespaces(ctx, &f, late)
	}
	if in.Firewall != nil && touched.Firewall {
		fw, warn, err := in.Firewall.Firewall(ctx)
		if err != nil {
			return nil, err
		}
		f.firewall, f.firewallWarn = fw, warn
	}
	if in.Firewall != nil && (touched.Host || touched.Firewall) {
		var hErr error
		var host HostFacts
		if f.host != nil {
			host = *f.host
		} else {
			hErr = errNoKernel
		}
		f.sysctls, f.sysctlWarn = in.Firewall.Sysctls(ctx, sysctlIfaces(host, hErr))
	}
	if f.host != nil && (touched.Host || touched.Networks || len(reread) > 0) {
		in.refreshDocker(ctx, &f, touched.Networks)
	}
	if f.host != nil && (touched.Host || len(reread) > 0) {
		f.orphans = nil
		f.warnings = slices.DeleteFunc(f.warnings, func(w topo.Warning) bool { return w.Code == "orphan-search-failed" })
		in.findOrphans(ctx, &f)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &f, nil
}

// rereadHost reads the host namespace into f, or says it could not; the
// host is then no namespace of a container to read again.
func (in *Inspector) rereadHost(ctx context.Context, f *facts, reread map[NSRef]bool) {
	f.warnings = slices.DeleteFunc(f.warnings, func(w topo.Warning) bool { return w.Code == "host-unreadable" })
	host, err := in.Kernel.Host(ctx)
	if err != nil {
		f.host = nil
		f.warn(topo.Warning{Code: "host-unreadable", Message: fmt.Sprintf("cannot read the host network namespace: %v", err)})
		return
	}
	f.host = &host
	delete(reread, host.Namespace.Ref)
}

// markNsidless adds to reread the namespaces read before the host listed
// a veth into them, which may have had no nsid yet: pairing needs the one
// the host now shows.
func markNsidless(f *facts, reread map[NSRef]bool) {
	for ref, nf := range f.namespaces {
		if nf.NsID < 0 {
			reread[ref] = true
		}
	}
}

// refreshContainers inspects the containers ids name again and replaces
// them in f (a new slice): those gone, or stopped when only running ones
// are shown, are dropped. It returns the namespaces to read again: those
// of the containers now running, and it forgets those no container is in
// any more.
func (t *Tracker) refreshContainers(ctx context.Context, cr ContainerReader, f *facts, ids []string) (map[NSRef]bool, error) {
	reread := map[NSRef]bool{}
	if len(ids) == 0 {
		return reread, nil
	}
	fresh := map[string]*ContainerInfo{}
	for _, id := range ids {
		c, err := cr.Container(ctx, id)
		switch {
		case errors.Is(err, ErrGone):
			fresh[id] = nil
		case err != nil:
			return nil, err
		case !t.in.Opts.All && !listed(c):
			fresh[id] = nil
		default:
			fresh[id] = &c
		}
	}
	var cs []ContainerInfo
	for _, c := range f.containers {
		if _, touched := fresh[c.ID]; !touched {
			cs = append(cs, c)
		}
	}
	kept := len(cs)
	for _, id := range ids {
		delete(f.refOf, id)
		if c := fresh[id]; c != nil {
			cs = append(cs, *c)
		}
	}
	f.containers = cs
	for i := kept; i < len(cs); i++ {
		c := &cs[i]
		if c.PID <= 0 || t.in.Kernel == nil {
			continue
		}
		ref, err := t.in.Kernel.NamespaceRef(c.PID)
		if err != nil {
			f.warn(topo.Warning{Code: "container-gone", Subject: c.Name, Message: fmt.Sprintf("container %q stopped while netviz read it; it is listed without a namespace", c.Name)})
			c.PID = 0
			continue
		}
		f.refOf[c.ID] = ref
		if f.host == nil || ref != f.host.Namespace.Ref {
			reread[ref] = true
		}
	}
	// Forget the namespaces no container is in any more.
	inUse := map[NSRef]bool{}
	for _, ref := range f.refOf {
		inUse[ref] = true
	}
	for ref := range f.namespaces {
		if !inUse[ref] {
			delete(f.namespaces, ref)
		}
	}
	return reread, nil
}

// listed says whether a runtime lists c without "all": running, paused or
// restarting.
func listed(c ContainerInfo) bool {
	return c.PID > 0 || c.State == topo.StateRunning || c.State == topo.StatePaused || c.State == "restarting"
}

// rereadNamespaces reads the namespaces refs name again, through a process
// of a container in each; one that cannot be read any more is dropped with
// a warning, like a full read does.
func (t *Tracker) rereadNamespaces(ctx context.Context, f *facts, refs map[NSRef]bool) {
	if t.in.Kernel == nil || f.host == nil {
		return
	}
	for ref := range refs {
		pid, name := 0, ""
		for _, c := range f.containers {
			if c.PID > 0 && f.refOf[c.ID] == ref {
				pid, name = c.PID, c.Name
				break
			}
		}
		if pid == 0 {
			delete(f.namespaces, ref)
			continue
		}
		nf, err := t.in.Kernel.ReadNamespace(ctx, pid)
		switch {
		case err == nil && nf.Ref == ref:
			f.namespaces[ref] = nf
		case err == nil || errors.Is(err, ErrGone):
			// Gone, or its PID reused by another process since.
			delete(f.namespaces, ref)
			f.warn(topo.Warning{Code: "container-gone", Subject: name, Message: fmt.Sprintf("container %q stopped while netviz read it; it is listed without a namespace", name)})
		default:
			delete(f.namespaces, ref)
			f.warn(topo.Warning{Code: "namespace-unreadable", Message: fmt.Sprintf("cannot read a container's network namespace: %s: %v", name, err)})
		}
	}
}

// Owner is a container namespace as the last read found it: a process in
// it and the name of the container whose namespace it is.
type Owner struct {
	PID  int
	Name string
}

// Namespaces names the container namespaces the last read found (not the
// host's), each with a process in it and its container's name.
func (t *Tracker) Namespaces() map[NSRef]Owner {
	out := map[NSRef]Owner{}
	if t.f == nil {
		return out
	}
	for _, c := range t.f.containers {
		ref, ok := t.f.refOf[c.ID]
		if !ok || c.PID <= 0 {
			continue
		}
		if _, read := t.f.namespaces[ref]; read {
			if o, seen := out[ref]; !seen || c.Name < o.Name {
				out[ref] = Owner{PID: c.PID, Name: c.Name}
			}
		}
	}
	return out
}

// ContainerName is the name of the container with ID id as last read, ""
// when it is unknown.
func (t *Tracker) ContainerName(id string) string {
	if t.f == nil {
		return ""
	}
	for _, c := range t.f.containers {
		if c.ID == id {
			return c.Name
		}
	}
	return ""
}

// NetworkName is the name of the network with ID id as last read, ""
// when it is unknown.
func (t *Tracker) NetworkName(id string) string {
	if t.f == nil {
		return ""
	}
	for _, n := range t.f.networks {
		if n.ID == id {
			return n.Name
		}
	}
	return ""
}

// finish builds the snapshot and stamps it.
func (in *Inspector) finish(f *facts) *topo.Snapshot {
	now := time.Now
	if in.Opts.Now != nil {
		now = in.Opts.Now
	}
	start := time.Now()
	snap := build(f)
	snap.GeneratedAt = now().UTC().Truncate(time.Second)
	snap.NetvizVersion = in.Opts.Version
	snap.Sort()
	in.Opts.trace("model", start)
	return snap
}
