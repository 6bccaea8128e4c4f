package inspect

import (
	"context"
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
	// Trace, when set, is told how long each phase took: the runtime's
	// (named as it names itself, e.g. "docker": its description, containers
	// and networks), "host" (host netlink), "namespaces" (from the first
	// container namespace read to the end of the last), "firewall" and
	// "model". The first three overlap.
	Trace func(phase string, took time.Duration)
}

func (o Options) trace(phase string, start time.Time) {
	if o.Trace != nil {
		o.Trace(phase, time.Since(start))
	}
}

// Inspector builds a snapshot from a container runtime and the kernel.
type Inspector struct {
	Runtime Runtime
	// Kernel, when nil, is not read: the snapshot then holds only what the
	// runtime says (a daemon whose namespace netviz cannot reach), with no
	// host links, bridges, pairs or namespaces, rather than another host's.
	Kernel Kernel
	// Firewall, when set, adds the firewall rules and sysctls.
	Firewall Firewall
	Opts     Options
}

// Snapshot asks the runtime, the kernel and the firewall what exists and
// builds the model. An unreachable daemon is an error; everything that is merely missing
// (a container gone mid-scan, namespaces we may not open) is a warning on
// the result.
//
// Every source is read first (see read) and the model is built from what
// they said; nothing is read while building.
func (in *Inspector) Snapshot(ctx context.Context) (*topo.Snapshot, error) {
	f, err := in.read(ctx)
	if err != nil {
		return nil, err
	}
	return in.finish(f), nil
}
