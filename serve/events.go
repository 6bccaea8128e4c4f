package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/netviz/netviz/diff"
)

// eventWriteTimeout bounds each write of the event stream: a client that
// stops reading is dropped after it, not held forever.
const eventWriteTimeout = 10 * time.Second

// snapshotEvent is the data of an event "snapshot": the whole state, sent
// on connect and whenever a client must resync.
type snapshotEvent struct {
	Seq          uint64          `json:"seq"`
	Time         time.Time       `json:"time"`
	Cause        string          `json:"cause"`
	FirewallMode string          `json:"firewallMode"`
	Resyncs      resyncStatus    `json:"resyncs"`
	Snapshot     json.RawMessage `json:"snapshot"`
	// Log is the recent changes, oldest first.
	Log []diff.Entry `json:"log"`
}

// updateEvent is the data of an event "update": one step's changes.
type updateEvent struct {
	Seq          uint64       `json:"seq"`
	Time         time.Time    `json:"time"`
	Cause        string       `json:"cause"`
	Full         bool         `json:"full"`
	FirewallMode string       `json:"firewallMode"`
	Resyncs      resyncStatus `json:"resyncs"`
	Changes      []diff.Entry `json:"changes"`
}

// statusEvent is the data of an event "status": how the host is followed,
// sent when that changes between updates (a resync that found nothing new
// makes no update). It has no id: the client's Last-Event-ID stays the
// update it saw last.
type statusEvent struct {
	FirewallMode string       `json:"firewallMode"`
	Resyncs      resyncStatus `json:"resyncs"`
}

// resyncStatus says how often the watcher read the host again whole since
// it started, and why and when the latest time (absent while count is 0).
type resyncStatus struct {
	Count int       `json:"count"`
	Last  string    `json:"last,omitempty"`
	Time  time.Time `json:"time,omitzero"`
}

func (s *Server) resyncs() resyncStatus {
	r := s.hub.lastResync()
	return resyncStatus{Count: r.Count, Last: r.Reason, Time: r.Time}
}

// events is /api/events: the current state as an event "snapshot", then an
// event "update" per change, each with its seq as the event id. A client
// that reconnects with the Last-Event-ID of the current state only gets
// what follows; one that missed updates gets a snapshot again.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "text/event-stream")
		return // a probe, not a client: no stream to hold open
	}
	c := s.hub.join()
	if c == nil {
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "too many event streams open (%d)", s.opts.MaxClients)
		return
	}
	defer s.hub.leave(c)
	rc := http.NewResponseController(w)
	// The server's read timeout would end the stream: a background read
	// that times out cancels the request.
	if err := rc.SetReadDeadline(time.Time{}); err != nil {
		writeError(w, http.StatusInternalServerError, "cannot stream: %v", err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)

	sent, _ := strconv.ParseUint(strings.TrimSpace(r.Header.Get("Last-Event-ID")), 10, 64)
	// Joined first, then read the state: nothing published between the two
	// is lost, and what the snapshot already covers is skipped below.
	st, _ := s.hub.current()
	var b bytes.Buffer
	b.WriteString("retry: 2000\n\n")
	switch {
	case st == nil:
		sent = 0 // a new server: whatever the client saw is gone
	case st.seq != sent:
		var err error
		if sent, err = s.writeSnapshot(&b); err != nil {
			return
		}
	}
	if s.flush(rc, w, &b) != nil {
		return
	}
	tick := time.NewTicker(s.opts.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			b.WriteString(": ping\n\n")
		case <-c.wake:
			ms, resync, status := c.take()
			if sent, resync = s.queued(&b, ms, sent, resync); resync {
				var err error
				if sent, err = s.writeSnapshot(&b); err != nil {
					return
				}
			} else if status && s.writeStatus(&b) != nil {
				return
			}
		}
		if s.flush(rc, w, &b) != nil {
			return
		}
	}
}

// queued writes the updates after sent, in order; it reports a resync when
// one is missing (the client's first state, or a gap).
func (s *Server) queued(b *bytes.Buffer, ms []message, sent uint64, resync bool) (uint64, bool) {
	if resync {
		return sent, true
	}
	for _, m := range ms {
		if m.seq <= sent {
			continue // the snapshot already had it
		}
		if sent == 0 || m.seq != sent+1 {
			return sent, true
		}
		ev := updateEvent{Seq: m.seq, Time: m.time, Cause: m.cause, Full: m.full,
			FirewallMode: s.opts.FirewallMode(), Resyncs: s.resyncs(), Changes: m.changes}
		if err := writeEvent(b, "update", m.seq, ev); err != nil {
			return sent, true
		}
		sent = m.seq
	}
	return sent, false
}

// writeSnapshot appends the current state as an event "snapshot" and
// returns its seq.
func (s *Server) writeSnapshot(b *bytes.Buffer) (uint64, error) {
	st, log := s.hub.current()
	snap, err := st.JSON()
	if err != nil {
		return 0, err
	}
	ev := snapshotEvent{Seq: st.seq, Time: st.time, Cause: st.cause, FirewallMode: s.opts.FirewallMode(),
		Resyncs: s.resyncs(), Snapshot: snap, Log: log}
	return st.seq, writeEvent(b, "snapshot", st.seq, ev)
}

// writeStatus appends the status as an event "status", with no id.
func (s *Server) writeStatus(b *bytes.Buffer) error {
	data, err := json.Marshal(statusEvent{FirewallMode: s.opts.FirewallMode(), Resyncs: s.resyncs()})
	if err != nil {
		return err
	}
	b.WriteString("event: status\ndata: ")
	b.Write(data)
	b.WriteString("\n\n")
	return nil
}

// writeEvent appends one event. JSON has no raw newline, so the data is
// one "data:" line.
func writeEvent(b *bytes.Buffer, name string, id uint64, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	fmt.Fprintf(b, "id: %d\nevent: %s\ndata: ", id, name)
	b.Write(data)
	b.WriteString("\n\n")
	return nil
}

// flush writes b to the client within eventWriteTimeout and empties it.
func (s *Server) flush(rc *http.ResponseController, w http.ResponseWriter, b *bytes.Buffer) error {
	if b.Len() == 0 {
		return nil
	}
	defer b.Reset()
	if err := rc.SetWriteDeadline(time.Now().Add(eventWriteTimeout)); err != nil {
		return err
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return err
	}
	return rc.Flush()
}
