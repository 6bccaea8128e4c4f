package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/live"
	"github.com/netviz/netviz/topo"
)

// watchUpdates are three hand-made updates of the fixture host: the first,
// full one; web1 recreated; db's eth0 MTU lowered and a new container.
func watchUpdates(t *testing.T) []live.Update {
	t.Helper()
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s1 := withoutStopped(loadFixture(t))
	s2 := withoutStopped(loadFixture(t))
	recreateWeb1(s2)
	s3 := withoutStopped(loadFixture(t))
	recreateWeb1(s3)
	db, _ := s3.Container("db")
	db.Interfaces[len(db.Interfaces)-1].MTU = 1400
	s3.Containers = append(s3.Containers, topo.Container{Name: "web9", ID: "99", Image: "busybox", State: topo.StateRunning,
		Endpoints: []topo.Endpoint{{Network: "appnet", IPv4: "172.18.0.99/16"}}})
	s3.Sort()
	return []live.Update{
		{Seq: 1, Time: at, Snapshot: s1, Full: true, Cause: "start"},
		{Seq: 2, Time: at.Add(2 * time.Second), Snapshot: s2, Changes: diff.Compare(s1, s2), Cause: "container web1 started"},
		{Seq: 3, Time: at.Add(5 * time.Second), Snapshot: s3, Changes: diff.Compare(s2, s3), Cause: "container web9 started"},
	}
}

func testView(mode watchMode, flt topo.Filter) (*watchView, *bytes.Buffer) {
	var out bytes.Buffer
	return &watchView{out: &out, mode: mode, filter: flt, findings: true,
		firewallMode: func() string { return "polled every 3s" }}, &out
}

func TestWatchJSONLines(t *testing.T) {
	v, out := testView(watchJSON, topo.Filter{})
	for _, u := range watchUpdates(t) {
		v.update(u)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	var entries []diff.Entry
	for i, l := range lines {
		var e diff.Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %d is not one JSON object: %v\n%s", i+1, err, l)
		}
		entries = append(entries, e)
	}
	if e := entries[0]; e.Change != diff.ChangeWatching || e.ID != "vm" || e.Detail != "7 containers, 6 networks" {
		t.Errorf("first line %+v: want the watching line", e)
	}
	want := []string{
		"changed container web1 id",
		"added container web9",
		"changed interface db:eth0 mtu",
	}
	var got []string
	for _, e := range entries[1:] {
		got = append(got, strings.TrimSpace(e.Change+" "+e.Object+" "+e.ID+" "+e.Field))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !entries[2].Time.Equal(watchUpdates(t)[2].Time) {
		t.Errorf("time %v, want the update's", entries[2].Time)
	}
}

// With a filter, each snapshot is filtered and the filtered ones compared:
// changes to other containers do not show.
func TestWatchFilter(t *testing.T) {
	v, out := testView(watchText, topo.Filter{Container: "db"})
	for _, u := range watchUpdates(t) {
		v.update(u)
	}
	want := "09:00:00 watching vm: 1 container, 1 network\n" +
		"09:00:05 ~ interface db:eth0 mtu 1500 → 1400\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// A container that is not there yet is watched for: its coming is what
// the view shows.
func TestWatchFilterOnContainerNotYetThere(t *testing.T) {
	v, out := testView(watchText, topo.Filter{Container: "web9"})
	for _, u := range watchUpdates(t) {
		v.update(u)
	}
	want := "09:00:00 watching vm: 0 containers, 0 networks\n" +
		"09:00:05 + container web9 (image busybox, on appnet)\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

func TestWatchTemplate(t *testing.T) {
	mode, spec, err := watchFormat("{{.Change}} {{.ID}}", &bytes.Buffer{})
	if err != nil || mode != watchTemplate {
		t.Fatalf("mode %v, err %v", mode, err)
	}
	v, out := testView(mode, topo.Filter{})
	v.spec = spec
	for _, u := range watchUpdates(t)[:2] {
		v.update(u)
	}
	if want := "watching vm\nchanged web1\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	if _, _, err := watchFormat("{{.Nope}}", &bytes.Buffer{}); exitCode(err) != exitUsage {
		t.Errorf("bad template: %v, want a usage error", err)
	}
	if mode, _, _ := watchFormat("", &bytes.Buffer{}); mode != watchText {
		t.Errorf("a pipe gets mode %v, want text", mode)
	}
}

// The terminal view: header, latest changes, the tree with the lines the
// last updates touched marked, at a fixed size.
func TestWatchScreenGolden(t *testing.T) {
	v, out := testView(watchScreen, topo.Filter{})
	v.screen.width, v.screen.height = 100, 30
	for _, u := range watchUpdates(t) {
		out.Reset()
		v.update(u)
	}
	golden.Check(t, filepath.Join("testdata", "watch-screen.golden"), out.Bytes())
	frame := string(out.Bytes())
	if !strings.HasPrefix(frame, "\x1b[H") || !strings.HasSuffix(frame, "\x1b[J") || strings.Contains(frame, "\x1b[2J") {
		t.Errorf("a frame is drawn in place, never cleared first: %q", frame[:20])
	}
	if n := strings.Count(frame, "\r\n") + 1; n > 30 {
		t.Errorf("%d lines on a 30-line terminal", n)
	}
	out.Reset()
	v.resize(60, 10)
	if n := strings.Count(out.String(), "\r\n") + 1; out.Len() == 0 || n > 10 {
		t.Errorf("resize to 10 lines drew %d lines", n)
	}
}

type brokenPipe struct{}

func (brokenPipe) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// A reader that went away ends the watch, with the error.
func TestWatchStopsWhenWritingFails(t *testing.T) {
	stopped := false
	v := &watchView{out: brokenPipe{}, mode: watchJSON, firewallMode: func() string { return "" },
		stop: func() { stopped = true }}
	v.update(watchUpdates(t)[0])
	if err := v.writeErr(); !stopped || err == nil || !strings.Contains(err.Error(), "broken pipe") {
		t.Errorf("stopped %v, err %v", stopped, err)
	}
}

// One update of the terminal view of a 500-container host: doctor's checks,
// the tree drawn twice (coloured and plain, for the marks), the frame.
func BenchmarkWatchScreenUpdate500(b *testing.B) {
	old, new := rendertest.Fleet(500), rendertest.Fleet(500)
	new.Containers[7].Interfaces[1].MTU = 1400
	changes := diff.Compare(old, new)
	v, out := testView(watchScreen, topo.Filter{})
	v.color = true
	v.screen.width, v.screen.height = 200, 60
	v.update(live.Update{Seq: 1, Time: time.Now(), Snapshot: old})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out.Reset()
		v.update(live.Update{Seq: uint64(i + 2), Time: time.Now(), Snapshot: new, Changes: changes})
	}
}

// What is logged while the screen is drawn is held, its latest line shown
// in the frame, and all of it printed once the screen is left.
func TestWatchHeldLog(t *testing.T) {
	h := &heldLog{}
	logger := slog.New(newLogHandler(h, slog.LevelWarn))
	for i := 0; i < maxHeldLog+5; i++ {
		logger.Warn("container gone", "n", i)
	}
	if got, want := h.last(), fmt.Sprintf("netviz: warning: container gone (n=%d)", maxHeldLog+4); got != want {
		t.Errorf("last %q, want %q", got, want)
	}
	var out bytes.Buffer
	h.flush(&out)
	if n := strings.Count(out.String(), "\n"); n != maxHeldLog {
		t.Errorf("%d lines printed, want the last %d", n, maxHeldLog)
	}
	var none *heldLog
	if none.last() != "" {
		t.Error("no held log has no line")
	}
}

// A resync shows in every mode: a JSON line shaped as the others, a text
// line, and on the screen a line under the header (kept by later frames)
// and one among the changes; the changes it found follow as usual.
func TestWatchShowsResyncs(t *testing.T) {
	ups := watchUpdates(t)
	at := ups[1].Time.Add(-time.Second)
	why := "netlink subscription in host ended (receive: no buffer space available)"
	resync := live.Resync{Count: 2, Reason: why, Time: at}
	ups[1].Full, ups[1].Cause = true, "resync: "+why

	v, out := testView(watchJSON, topo.Filter{})
	v.update(ups[0])
	v.resynced(resync)
	v.update(ups[1])
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	var e diff.Entry
	if len(lines) < 3 {
		t.Fatalf("JSON: %d lines, want watching, resync, the change:\n%s", len(lines), out)
	}
	if err := json.Unmarshal([]byte(lines[1]), &e); err != nil || e.Change != "resync" || e.Object != "host" ||
		e.ID != "vm" || e.Field != "resyncs" || e.Before != 1.0 || e.After != 2.0 || e.Detail != why || !e.Time.Equal(at) {
		t.Errorf("JSON resync line %s (%v)", lines[1], err)
	}
	if err := json.Unmarshal([]byte(lines[2]), &e); err != nil || e.Change != "changed" || e.ID != "web1" {
		t.Errorf("JSON line after the resync %s, want web1's change", lines[2])
	}

	v, out = testView(watchText, topo.Filter{})
	v.update(ups[0])
	out.Reset()
	v.resynced(resync)
	if want := "09:00:01 resync #2: " + why + "\n"; out.String() != want {
		t.Errorf("text: %q, want %q", out, want)
	}

	v, out = testView(watchScreen, topo.Filter{})
	v.screen.width, v.screen.height = 200, 30
	v.update(ups[0])
	v.resynced(resync)
	v.update(ups[1])
	frame := strings.Split(out.String()[strings.LastIndex(out.String(), "\x1b[H")+3:], "\r\n")
	if want := "resynced 2 times, last: " + why + " at 09:00:01"; !strings.Contains(frame[1], want) {
		t.Errorf("screen: line under the header %q, want %q", frame[1], want)
	}
	if !strings.Contains(out.String(), "resync #2: "+why) {
		t.Error("screen: no resync among the changes")
	}
	// Resyncs that find nothing new (an overflowing host) make no update:
	// the screen still keeps only the latest lines.
	for i := range 3 * maxRecentKept {
		v.resynced(live.Resync{Count: 3 + i, Reason: why, Time: at})
	}
	if n := len(v.screen.recent); n != maxRecentKept {
		t.Errorf("screen: %d change lines kept after many resyncs, want %d", n, maxRecentKept)
	}
}
