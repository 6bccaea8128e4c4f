package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/topo"
)

// mentions reports whether an entry is about one of names (containers,
// networks, bridges): its ID or detail names one. Other tests' worlds on
// the same host are not this test's business.
func mentions(e diff.Entry, names []string) bool {
	text := e.ID + " " + e.Detail
	return slices.ContainsFunc(names, func(n string) bool { return strings.Contains(text, n) })
}

// A compose-like change between two snapshots: a labelled network and
// three containers of one service come, and an existing container moves
// onto the new network. diff lists exactly that (the new containers'
// veths, interfaces and firewall rules inside their items), and says the
// project came up.
func TestDiffComposeLikeChange(t *testing.T) {
	w := dockertest.New(t, "diff")
	project := w.Prefix + "-proj"
	oldNet := w.Network("old")
	mover := w.Run("mover", []string{"--network", oldNet})
	before := snapshotJSON(t)

	newNet := w.Network("web", "--label", topo.LabelComposeProject+"="+project, "--label", topo.LabelComposeNetwork+"=default")
	var api []string
	for i := 1; i <= 3; i++ {
		n := string(rune('0' + i))
		api = append(api, w.Run("api-"+n, []string{"--network", newNet, "--label", topo.LabelComposeProject + "=" + project,
			"--label", topo.LabelComposeService + "=api", "--label", topo.LabelComposeNumber + "=" + n}))
	}
	w.Docker("network", "disconnect", oldNet, mover)
	w.Docker("network", "connect", newNet, mover)
	after := snapshotJSON(t)

	out, errOut, code := runNetviz(t, "diff", saveSnapshot(t, before), saveSnapshot(t, after), "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (different): %s", code, errOut)
	}
	var r diff.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	ours := []string{w.Prefix}
	for _, n := range []string{oldNet, newNet} {
		if net, ok := after.Network(n); ok && net.Bridge != "" {
			ours = append(ours, net.Bridge)
		}
	}
	var items []string
	for _, e := range r.Entries(time.Time{}) {
		if !mentions(e, ours) {
			continue
		}
		switch {
		case e.Change == diff.ChangeAdded || e.Change == diff.ChangeRemoved:
			if e.Object != diff.ObjFinding {
				items = append(items, e.Change+" "+e.Object+" "+e.ID)
			}
		case e.Change == diff.ChangeChanged && e.Object == diff.ObjContainer:
			items = append(items, e.Change+" "+e.Object+" "+e.ID+" "+e.Field)
			if e.ID != mover || e.Field != "networks" {
				break
			}
			if b, a := strings.Join(toStrings(e.Before), ","), strings.Join(toStrings(e.After), ","); b != oldNet || a != newNet {
				t.Errorf("mover's networks %s → %s, want %s → %s", b, a, oldNet, newNet)
			}
		case e.Change == diff.ChangeChanged && strings.HasPrefix(e.ID, api[0][:len(api[0])-1]):
			t.Errorf("a new container's part is listed on its own: %+v", e)
		}
	}
	slices.Sort(items)
	want := []string{"added container " + api[0], "added container " + api[1], "added container " + api[2],
		"added network " + newNet, "changed container " + mover + " networks"}
	// The mover's veth and routes: the same interface name on the new
	// bridge (one change of its pair) or a new one (a pair added, the old
	// one removed), and its routes through it; either is what the kernel
	// did, and both are the move.
	var moved []string
	items = slices.DeleteFunc(items, func(s string) bool {
		// Docker 28 and later also write rules per container address
		// (raw PREROUTING "direct access" drops): they move with it, as
		// one change of the container.
		if strings.Contains(s, " pair "+mover+":") || strings.Contains(s, " route "+mover+": ") ||
			s == "changed container "+mover+" firewall rules" {
			moved = append(moved, s)
			return true
		}
		return false
	})
	if !slices.Equal(items, want) {
		t.Errorf("diff about this test's objects:\n%s\nwant:\n%s\nwhole result:\n%s", strings.Join(items, "\n"), strings.Join(want, "\n"), out)
	}
	if !slices.ContainsFunc(moved, func(s string) bool { return strings.Contains(s, " pair "+mover+":") }) &&
		!slices.ContainsFunc(r.Changed, func(c diff.Change) bool { return c.Object == diff.ObjPair && strings.HasPrefix(c.ID, mover+":") }) {
		t.Errorf("the mover's veth did not change: %v", moved)
	}
	if !slices.ContainsFunc(r.Notes, func(n diff.Note) bool { return n.Text == "project "+project+" up: service api ×3" }) {
		t.Errorf("notes %+v: want project %s up with api ×3", r.Notes, project)
	}
}

// saveSnapshot writes s to a file and returns its path.
func saveSnapshot(t *testing.T, s *topo.Snapshot) string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "*.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := topo.Encode(f, s); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

func toStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			s, _ := x.(string)
			out = append(out, s)
		}
	}
	return out
}

// watch --format json against the real daemon: a scripted container's
// create, start, connect, disconnect, stop and rm show, in that order, one
// JSON object per line; cancelling the context ends watch with status 0.
func TestWatchJSONFollowsAContainer(t *testing.T) {
	w := dockertest.New(t, "watch")
	net := w.Network("a")
	other := w.Network("b")
	pr, pw := io.Pipe()
	d := deps{stdin: strings.NewReader(""), stdout: pw, stderr: &lockedBuffer{},
		live: liveSnapshot, colorable: func(io.Writer) bool { return false }, now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"watch", "--all", "--format", "json", "--network", net}, d)
		pw.Close()
	}()
	lines := make(chan diff.Entry, 256)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var e diff.Entry
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("not one JSON object per line: %v: %s", err, sc.Text())
				continue
			}
			lines <- e
		}
	}()
	// await reads lines until one matches; what comes before is other
	// detail of the same step (veths, interfaces, routes).
	var seen []string
	await := func(what string, match func(diff.Entry) bool) {
		t.Helper()
		timeout := time.After(2 * time.Minute)
		for {
			select {
			case e, ok := <-lines:
				if !ok {
					t.Fatalf("watch ended before %s; stderr %q; seen:\n%s", what, d.stderr, strings.Join(seen, "\n"))
				}
				seen = append(seen, e.Change+" "+e.Object+" "+e.ID+" "+e.Field)
				if match(e) {
					return
				}
			case <-timeout:
				t.Fatalf("no %s in watch's output; seen:\n%s", what, strings.Join(seen, "\n"))
			}
		}
	}
	await("watching line", func(e diff.Entry) bool { return e.Change == diff.ChangeWatching })
	name := w.Prefix + "-c"
	field := func(change, f string, after func(any) bool) func(diff.Entry) bool {
		return func(e diff.Entry) bool {
			return e.Change == change && e.Object == diff.ObjContainer && e.ID == name && e.Field == f && (after == nil || after(e.After))
		}
	}
	hasNet := func(want bool) func(any) bool {
		return func(v any) bool { return slices.Contains(toStrings(v), other) == want }
	}
	w.Create("c", []string{"--network", net})
	await("create", field(diff.ChangeAdded, "", nil))
	w.Docker("start", name)
	await("start", field(diff.ChangeChanged, "state", func(v any) bool { return v == topo.StateRunning }))
	w.Docker("network", "connect", other, name)
	await("connect", field(diff.ChangeChanged, "networks", hasNet(true)))
	w.Docker("network", "disconnect", other, name)
	await("disconnect", field(diff.ChangeChanged, "networks", hasNet(false)))
	w.Docker("stop", "-t", "1", name)
	await("stop", field(diff.ChangeChanged, "state", func(v any) bool { return v == topo.StateExited }))
	w.Docker("rm", name)
	await("rm", field(diff.ChangeRemoved, "", nil))
	cancel()
	for range lines { // drain, so that watch's last write returns
	}
	if code := <-exited; code != 0 {
		t.Errorf("watch exit %d after cancel, want 0; stderr %q", code, d.stderr)
	}
}

// lockedBuffer is a buffer the watcher's goroutine may write while the
// test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
