// Package live follows a host as it changes: it listens to the runtime's
// events, the kernel's netlink notifications in the host namespace and in
// every container namespace, and the firewall, re-reads only what a change
// touches, and hands out a new snapshot with what changed (package diff).
// `netviz watch` and `netviz serve` are its two views.
package live

import (
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/topo"
)

// Update is one step of a live view.
type Update struct {
	// Seq counts updates from 1 (the first, full snapshot).
	Seq  uint64
	Time time.Time
	// Snapshot is the whole host now. Views must not modify it.
	Snapshot *topo.Snapshot
	// Changes is what differs from the previous update's snapshot (empty
	// for the first update).
	Changes diff.Result
	// Full is true when the snapshot was read whole (the first one, a
	// resync after a lost event stream, or one asked for), false when only
	// what the events touched was re-read. A resync that finds nothing
	// new makes no Update (see Watcher.Resyncs and Options.OnResync).
	Full bool
	// Cause says what led to the update, for people: "start", "docker
	// events resumed", "link vethab12 up", "firewall rules changed", ...
	Cause string
	// Causes are all the changes Cause sums up, each in the same words;
	// Cause names the first few ("...; and 12 more") on a busy host.
	Causes []string
}

// Resync is a full read the watcher made to recover changes it may have
// missed (a broken event stream, an overflowed netlink socket, a failed
// read) or because Watcher.Resync asked. Views show it: a resync explains
// a jump in the picture, and one that finds nothing new makes no Update.
type Resync struct {
	// Count is how many resyncs were made since Run began, this one
	// included.
	Count int
	// Reason is why, in words, without the "resync: " an Update's Cause
	// starts with ("netlink subscription in host ended (...)"). Reasons
	// that came together are named, joined by "; ": the host's first,
	// then the first four container namespaces and "and N more".
	Reason string
	// Time is when the read was made.
	Time time.Time
}

// resyncPrefix starts the Cause of an Update a resync made.
const resyncPrefix = "resync: "
