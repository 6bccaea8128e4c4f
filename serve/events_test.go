package serve

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/live"
)

func decode[T any](t *testing.T, ev event) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(ev.data), &v); err != nil {
		t.Fatalf("event %s %s: %v", ev.name, ev.id, err)
	}
	return v
}

func TestEventsSnapshotThenUpdates(t *testing.T) {
	snap := rendertest.Text(t, "full")
	s := New(Options{Loopback: true, FirewallMode: func() string { return "polling every 5s" }})
	s.Publish(update(1, snap, diff.Result{}))
	base := start(t, s)
	resp, st := openStream(t, base+"/api/events")
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	ev := st.next(t)
	first := decode[struct {
		Seq          uint64
		FirewallMode string
		Snapshot     struct{ Containers []struct{ Name string } }
	}](t, ev)
	if ev.name != "snapshot" || ev.id != "1" || first.Seq != 1 || len(first.Snapshot.Containers) != len(snap.Containers) ||
		first.FirewallMode != "polling every 5s" {
		t.Fatalf("first event %s id %s: %+v", ev.name, ev.id, first)
	}
	s.Publish(update(2, snap, added("web9")))
	ev = st.next(t)
	u := decode[updateEvent](t, ev)
	if ev.name != "update" || ev.id != "2" || u.Seq != 2 || len(u.Changes) != 1 || u.Changes[0].ID != "web9" || u.Changes[0].Change != "added" {
		t.Fatalf("second event %s id %s: %+v", ev.name, ev.id, u)
	}
}

func TestEventsBeforeFirstUpdate(t *testing.T) {
	s := New(Options{Loopback: true})
	base := start(t, s)
	// A client that saw seq 7 of an earlier server: nothing is assumed.
	_, st := openStream(t, base+"/api/events", "Last-Event-ID", "7")
	s.Publish(update(1, rendertest.Text(t, "full"), diff.Result{}))
	if ev := st.next(t); ev.name != "snapshot" || ev.id != "1" {
		t.Errorf("first event %s id %s, want the snapshot of seq 1", ev.name, ev.id)
	}
}

func TestEventsReconnect(t *testing.T) {
	snap := rendertest.Text(t, "full")
	s := New(Options{Loopback: true})
	for seq := uint64(1); seq <= 3; seq++ {
		s.Publish(update(seq, snap, added("c"+strconv.FormatUint(seq, 10))))
	}
	base := start(t, s)

	// Missed updates: resynced with the whole snapshot, which carries the
	// recent changes for the change log.
	_, st := openStream(t, base+"/api/events", "Last-Event-ID", "1")
	ev := st.next(t)
	snapEv := decode[snapshotEvent](t, ev)
	if ev.name != "snapshot" || snapEv.Seq != 3 || len(snapEv.Log) != 3 || snapEv.Log[2].ID != "c3" {
		t.Errorf("after missing updates: %s seq %d, log %+v", ev.name, snapEv.Seq, snapEv.Log)
	}

	// Up to date: no snapshot, only what follows.
	_, st = openStream(t, base+"/api/events", "Last-Event-ID", "3")
	s.Publish(update(4, snap, added("c4")))
	if ev := st.next(t); ev.name != "update" || ev.id != "4" {
		t.Errorf("up to date: first event %s id %s, want update 4", ev.name, ev.id)
	}

	// From the future (a restarted server counting from 1 again): resync.
	_, st = openStream(t, base+"/api/events", "Last-Event-ID", "99")
	if ev := st.next(t); ev.name != "snapshot" || ev.id != "4" {
		t.Errorf("client ahead: first event %s id %s, want snapshot 4", ev.name, ev.id)
	}
}

func TestSlowClientResyncs(t *testing.T) {
	c := &client{wake: make(chan struct{}, 1)}
	for i := range queueSize + 1 {
		c.push(message{seq: uint64(i + 1)})
	}
	if ms, resync, _ := c.take(); len(ms) != 0 || !resync {
		t.Errorf("a client %d updates behind: %d queued, resync %v; want a resync", queueSize+1, len(ms), resync)
	}
	if ms, resync, _ := c.take(); len(ms) != 0 || resync {
		t.Error("take did not empty the queue")
	}
	// Written out: a gap also resyncs.
	s := New(Options{})
	if _, resync := s.queued(nil, []message{{seq: 5}}, 3, false); !resync {
		t.Error("a gap between seq 3 and 5 did not resync")
	}
}

func TestHeartbeat(t *testing.T) {
	s := New(Options{Loopback: true, Heartbeat: 10 * time.Millisecond})
	base := start(t, s)
	_, st := openStream(t, base+"/api/events")
	for {
		select {
		case ev := <-st.events:
			if ev.comment == "ping" {
				return
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no heartbeat")
		}
	}
}

func TestEventStreamBound(t *testing.T) {
	const bound = 3
	s := New(Options{Loopback: true, MaxClients: bound})
	base := start(t, s)
	for range bound {
		if resp, _ := openStream(t, base+"/api/events"); resp.StatusCode != http.StatusOK {
			t.Fatalf("stream within the bound: %d", resp.StatusCode)
		}
	}
	resp, _ := openStream(t, base+"/api/events")
	jsonError(t, resp, http.StatusServiceUnavailable)
	if resp.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	// The other endpoints still answer.
	if resp := get(t, base+"/healthz"); resp.StatusCode != http.StatusOK {
		t.Errorf("healthz with the streams full: %d", resp.StatusCode)
	}
}

// TestIdleConnections holds 100 connections that send nothing or half a
// request, as a slow or hostile client would, and checks the server still
// answers.
func TestIdleConnections(t *testing.T) {
	s := New(Options{Loopback: true})
	base := start(t, s)
	addr := base[len("http://"):]
	for i := range 100 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
		if i%2 == 1 {
			if _, err := c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: localhost\r\n")); err != nil {
				t.Fatal(err)
			}
		}
	}
	resp := get(t, base+"/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz with 100 idle connections: %d", resp.StatusCode)
	}
}

// TestStreamOutlivesTimeouts checks that the server's read and write
// timeouts, there against slow clients, do not end an event stream, while
// they still close a connection that never finishes its request.
func TestStreamOutlivesTimeouts(t *testing.T) {
	s := New(Options{Loopback: true, Heartbeat: 20 * time.Millisecond})
	s.timeouts = timeouts{readHeader: 100 * time.Millisecond, read: 100 * time.Millisecond, write: 100 * time.Millisecond, idle: time.Second}
	snap := rendertest.Text(t, "full")
	s.Publish(update(1, snap, diff.Result{}))
	base := start(t, s)
	_, st := openStream(t, base+"/api/events")
	if ev := st.next(t); ev.name != "snapshot" {
		t.Fatalf("first event %s", ev.name)
	}
	slow, err := net.Dial("tcp", base[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := slow.Write([]byte("GET /healthz HTTP/1.1\r\n")); err != nil {
		t.Fatal(err)
	}
	// Well past every timeout.
	time.Sleep(time.Second)
	s.Publish(update(2, snap, added("late")))
	if ev := st.next(t); ev.name != "update" || ev.id != "2" {
		t.Errorf("after the timeouts: %s id %s, want update 2", ev.name, ev.id)
	}
	// The half-sent request was cut off by the header timeout.
	buf := make([]byte, 512)
	_ = slow.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, _ := slow.Read(buf)
	if _, err := slow.Read(buf[n:]); err == nil {
		t.Errorf("a connection that never finished its request is still open (read %q)", buf[:n])
	}
}

func TestEventsHead(t *testing.T) {
	s := New(Options{Loopback: true, MaxClients: 1})
	base := start(t, s)
	for range 3 { // more than the bound: a HEAD holds no stream
		resp, err := http.Head(base + "/api/events")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Errorf("HEAD /api/events: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

// A resync that makes no update still reaches every stream, as an event
// "status" with no id, and the messages that follow (and a snapshot on
// reconnect) carry the count and the last reason.
func TestEventsTellResyncs(t *testing.T) {
	snap := rendertest.Text(t, "full")
	s := New(Options{Loopback: true, FirewallMode: func() string { return "nftables events" }})
	s.Publish(update(1, snap, diff.Result{}))
	base := start(t, s)
	_, st := openStream(t, base+"/api/events")
	if first := decode[snapshotEvent](t, st.next(t)); first.Resyncs.Count != 0 || first.Resyncs.Last != "" {
		t.Errorf("snapshot before any resync says %+v", first.Resyncs)
	}
	at := time.Date(2026, 11, 29, 14, 3, 0, 0, time.UTC)
	why := "netlink subscription in host ended (receive: no buffer space available)"
	s.Resynced(live.Resync{Count: 1, Reason: why, Time: at})
	ev := st.next(t)
	status := decode[statusEvent](t, ev)
	if ev.name != "status" || ev.id != "" || status.Resyncs != (resyncStatus{Count: 1, Last: why, Time: at}) ||
		status.FirewallMode != "nftables events" {
		t.Fatalf("after a resync: event %q id %q %+v; want a status with no id, count 1 and why", ev.name, ev.id, status)
	}
	s.Resynced(live.Resync{Count: 2, Reason: "asked for", Time: at.Add(time.Second)})
	s.Publish(update(2, snap, added("web9")))
	var u updateEvent
	for ev = st.next(t); ev.name == "status"; ev = st.next(t) {
	}
	if u = decode[updateEvent](t, ev); ev.name != "update" || u.Seq != 2 || u.Resyncs.Count != 2 || u.Resyncs.Last != "asked for" {
		t.Errorf("update after the second resync: %s %+v", ev.name, u.Resyncs)
	}
	_, again := openStream(t, base+"/api/events", "Last-Event-ID", "1")
	if re := decode[snapshotEvent](t, again.next(t)); re.Seq != 2 || re.Resyncs.Count != 2 || !re.Resyncs.Time.Equal(at.Add(time.Second)) {
		t.Errorf("snapshot on reconnect: seq %d resyncs %+v", re.Seq, re.Resyncs)
	}
	// The raw JSON names the fields as docs/live.md does.
	s.Resynced(live.Resync{Count: 3, Reason: "docker event stream resumed", Time: at})
	for ev = again.next(t); ev.name != "status"; ev = again.next(t) {
	}
	var raw struct{ Resyncs map[string]any }
	if err := json.Unmarshal([]byte(ev.data), &raw); err != nil || raw.Resyncs["count"] != 3.0 ||
		raw.Resyncs["last"] != "docker event stream resumed" || raw.Resyncs["time"] != "2026-11-29T14:03:00Z" {
		t.Errorf("status data %s (%v)", ev.data, err)
	}
}
