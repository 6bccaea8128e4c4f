package serve

import (
	"bytes"
	"sync"
	"time"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/live"
	"github.com/netviz/netviz/render/format"
	"github.com/netviz/netviz/topo"
)

const (
	// logSize is how many changes the hub keeps for pages that connect
	// later (their change-log panel starts with them).
	logSize = 500
	// queueSize is how many updates a slow event-stream client may fall
	// behind before it is resynced with the whole snapshot instead.
	queueSize = 64
)

// state is the host at one update, with what is derived from it on demand.
type state struct {
	seq   uint64
	time  time.Time
	cause string
	full  bool
	snap  *topo.Snapshot

	findingsOnce sync.Once
	findings     []topo.Finding
	noKernel     bool

	jsonOnce sync.Once
	json     []byte
	jsonErr  error
}

// Findings are doctor's findings about the state's snapshot; noKernel says
// doctor refused because the snapshot has no kernel view.
func (st *state) Findings() (fs []topo.Finding, noKernel bool) {
	st.findingsOnce.Do(func() {
		st.noKernel = withoutKernel(st.snap)
		if !st.noKernel {
			st.findings = diagnose.Run(st.snap)
		}
	})
	return st.findings, st.noKernel
}

// JSON is the snapshot as `netviz docker --format json` writes it, encoded
// once however many clients ask.
func (st *state) JSON() ([]byte, error) {
	st.jsonOnce.Do(func() {
		var b bytes.Buffer
		st.jsonErr = format.WriteJSON(&b, st.snap)
		st.json = b.Bytes()
	})
	return st.json, st.jsonErr
}

// withoutKernel reports whether s was read with no view of the daemon's
// kernel (warning "kernel-unavailable"): doctor and path refuse then.
func withoutKernel(s *topo.Snapshot) bool {
	for _, w := range s.Warnings {
		if w.Code == "kernel-unavailable" {
			return true
		}
	}
	return false
}

// message is one update as the event stream sends it.
type message struct {
	seq     uint64
	time    time.Time
	cause   string
	full    bool
	changes []diff.Entry
}

// client is one event-stream connection's queue.
type client struct {
	mu     sync.Mutex
	queue  []message
	resync bool
	// status says the watcher's status (its resyncs) changed since the
	// client was last sent it.
	status bool
	wake   chan struct{} // capacity 1: "look at the queue"
}

func (c *client) push(m message) {
	c.mu.Lock()
	if len(c.queue) >= queueSize {
		c.queue, c.resync = nil, true
	} else {
		c.queue = append(c.queue, m)
	}
	c.mu.Unlock()
	c.poke()
}

// statusChanged asks for the status to be sent: once, however many
// changes came meanwhile (it is the latest that is sent).
func (c *client) statusChanged() {
	c.mu.Lock()
	c.status = true
	c.mu.Unlock()
	c.poke()
}

func (c *client) poke() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// take empties the queue.
func (c *client) take() (ms []message, resync, status bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ms, resync, status = c.queue, c.resync, c.status
	c.queue, c.resync, c.status = nil, false, false
	return ms, resync, status
}

// hub holds the latest update and hands each new one to every event-stream
// client without waiting for any of them.
type hub struct {
	mu  sync.Mutex
	cur *state
	log []diff.Entry
	// resync is the watcher's latest resync (zero: none yet).
	resync  live.Resync
	clients map[*client]struct{}
	max     int
}

func newHub(maxClients int) *hub {
	return &hub{clients: map[*client]struct{}{}, max: maxClients}
}

// publish makes u the current state and queues its changes for every
// client. It never blocks on a client: one that falls too far behind is
// resynced with the whole snapshot when it catches up.
func (h *hub) publish(u live.Update) {
	if u.Snapshot == nil {
		return
	}
	st := &state{seq: u.Seq, time: u.Time, cause: u.Cause, full: u.Full, snap: u.Snapshot}
	m := message{seq: u.Seq, time: u.Time, cause: u.Cause, full: u.Full, changes: u.Changes.Entries(u.Time)}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cur = st
	h.log = append(h.log, m.changes...)
	if n := len(h.log) - logSize; n > 0 {
		h.log = append(h.log[:0:0], h.log[n:]...)
	}
	for c := range h.clients {
		c.push(m)
	}
}

// resynced notes the watcher's latest resync and has every client told.
func (h *hub) resynced(r live.Resync) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.resync = r
	for c := range h.clients {
		c.statusChanged()
	}
}

// lastResync is the watcher's latest resync (zero: none).
func (h *hub) lastResync() live.Resync {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.resync
}

// current returns the latest state (nil before the first update) and the
// change log, oldest first.
func (h *hub) current() (*state, []diff.Entry) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cur, h.log
}

// join adds a client, or returns nil when there are already max.
func (h *hub) join() *client {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.clients) >= h.max {
		return nil
	}
	c := &client{wake: make(chan struct{}, 1)}
	h.clients[c] = struct{}{}
	return c
}

func (h *hub) leave(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
}
