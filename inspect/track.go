package inspect

import (
	"context"
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

// Refresh re-reads what touched names and builds the model again. Before
// the first Full it reads everything.
func (t *Tracker) Refresh(ctx context.Context, touched Touched) (*topo.Snapshot, error) {
	return t.Full(ctx)
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
