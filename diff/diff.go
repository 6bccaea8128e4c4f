// Package diff compares two topo snapshots and says what was added, removed
// and changed, matching objects by what a user would call the same thing: a
// container by its name (a new ID is "recreated", not remove and add), a veth
// pair by its container and container interface (a renamed host veth is one
// change), a network by its name, an interface by its namespace owner and
// name. `netviz diff`, `netviz watch` and `netviz serve` all speak it.
//
// It knows nothing of terminals or HTTP: render/changes writes a Result for
// people, and its JSON tags are what `netviz diff --format json` prints.
package diff

import "time"

// Object kinds, as they appear in the "object" key.
const (
	ObjContainer = "container"
	ObjNamespace = "namespace"
	ObjInterface = "interface"
	ObjPair      = "pair"
	ObjNetwork   = "network"
	ObjBridge    = "bridge"
	ObjPort      = "port"
	ObjRoute     = "route"
	ObjRule      = "rule"
	ObjFinding   = "finding"
	ObjService   = "service" // a compose service (see Result.Notes)
	ObjProject   = "project" // a compose project (see Result.Notes)
	ObjHost      = "host"    // the host itself: uplink, kernel, runtime
	ObjSetting   = "setting" // a forwarding sysctl
)

// Item is an object that is in one snapshot and not the other.
type Item struct {
	Object string `json:"object"`
	// ID names the object as a user would: "web1", "web1:eth0", "docker0",
	// "nat/DOCKER -A DOCKER ...", "forward-drop docker0".
	ID string `json:"id"`
	// Detail is a short description for people ("image busybox, on net1").
	Detail string `json:"detail,omitempty"`
}

// Change is one field of an object that is in both snapshots and differs.
type Change struct {
	Object string `json:"object"`
	ID     string `json:"id"`
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// Note is a higher-level reading of several changes, such as a compose
// service scaled from 1 to 3 containers.
type Note struct {
	Object string `json:"object"`
	ID     string `json:"id"`
	Text   string `json:"text"`
}

// Result is what differs between two snapshots. Its JSON form is what
// `netviz diff --format json` prints.
type Result struct {
	Added   []Item   `json:"added"`
	Removed []Item   `json:"removed"`
	Changed []Change `json:"changed"`
	Notes   []Note   `json:"notes,omitempty"`
}

// Empty says whether the two snapshots are the same as far as diff can tell.
func (r Result) Empty() bool {
	return len(r.Added) == 0 && len(r.Removed) == 0 && len(r.Changed) == 0
}

// Which way an Entry changed.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
	ChangeNote    = "note"
	// ChangeWatching is the first line of `netviz watch --format json`:
	// the host it follows, not each object the host holds.
	ChangeWatching = "watching"
	// ChangeResync is a line of `netviz watch` saying the host was read
	// again whole (live.Resync): why in Detail, the count of resyncs in
	// Before and After.
	ChangeResync = "resync"
)

// Entry is one change on its own line, as `netviz watch --format json`
// writes it (JSON Lines) and `netviz serve` sends it: the diff's object
// shape, plus when and which way.
type Entry struct {
	Time time.Time `json:"time"`
	// Change is "added", "removed", "changed" or "note" ("watching" for
	// the first line of a watch, "resync" for a full re-read).
	Change string `json:"change"`
	Object string `json:"object"`
	ID     string `json:"id"`
	Field  string `json:"field,omitempty"`
	Before any    `json:"before,omitempty"`
	After  any    `json:"after,omitempty"`
	Detail string `json:"detail,omitempty"`
}
