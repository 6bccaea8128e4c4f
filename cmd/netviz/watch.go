package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/live"
	"github.com/netviz/netviz/render/changes"
	"github.com/netviz/netviz/render/format"
	"github.com/netviz/netviz/render/termtext"
	"github.com/netviz/netviz/render/tree"
	"github.com/netviz/netviz/topo"
)

type watchOptions struct {
	// source holds -H, --all and the filters; diff and watch read no
	// --from (diff's sides are its arguments, watch follows the host).
	source     sourceOptions
	format     string
	noProblems bool
}

// How watch writes.
type watchMode int

const (
	watchScreen   watchMode = iota // the tree redrawn in place on the alternate screen
	watchText                      // one line per change for people
	watchJSON                      // JSON Lines, one diff.Entry per line
	watchTemplate                  // a Go template per diff.Entry
)

func newWatchCommand(d deps) *cobra.Command {
	var o watchOptions
	cmd := &cobra.Command{
		Use:   "watch [flags]",
		Short: "Follow the host's network as it changes",
		Long: `watch follows the Docker host as it changes: Docker's events, the kernel's
link, address and route notifications in the host and every container
namespace, and the firewall.

On a terminal it draws the tree of netviz docker and redraws it in place
on each change, with the latest changes listed under the header and the
tree lines they touched marked with ▌. Elsewhere (a pipe, a file), or with
--format text, it writes one line per change; with --format json, JSON
Lines: one object per change, written as it happens, so that
netviz watch --format json | jq works. The first JSON line is
{"change":"watching",...}: the host as it was when watching began is not
listed object by object.

Ctrl-C or SIGTERM ends it with exit status 0.`,
		Example: `  sudo netviz watch
  sudo netviz watch --network appnet
  sudo netviz watch --format json | jq -c 'select(.object == "container")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWatch(cmd.Context(), d, o, cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	addDaemonFlags(fs, &o.source.host, "Docker daemon to follow")
	fs.BoolVarP(&o.source.all, "all", "a", false, "include stopped and created containers")
	o.source.addFilterFlags(fs, "follow")
	fs.StringVar(&o.format, "format", "", "text (one line per change), json (JSON Lines), or a Go template applied to each change; default: the tree on a terminal, text elsewhere")
	fs.BoolVar(&o.noProblems, "no-problems", false, "leave netviz doctor's findings out")
	return cmd
}

// watchFormat decides how watch writes, before any work.
func watchFormat(s string, w io.Writer) (watchMode, format.Spec, error) {
	switch strings.TrimSpace(s) {
	case "":
		if f, ok := w.(*os.File); ok && screenCapable(f) {
			return watchScreen, format.Spec{}, nil
		}
		return watchText, format.Spec{}, nil
	case "text":
		return watchText, format.Spec{}, nil
	}
	f, err := parseChangesFormat(s, false)
	if err != nil {
		return 0, format.Spec{}, err
	}
	if f.Kind() == format.JSON {
		return watchJSON, f, nil
	}
	return watchTemplate, f, nil
}

func runWatch(ctx context.Context, d deps, o watchOptions, w io.Writer) error {
	mode, spec, err := watchFormat(o.format, w)
	if err != nil {
		return err
	}
	flt := o.source.filter()
	// The watcher's own comparison is the view's when nothing is filtered
	// out; with a filter the view compares its filtered snapshots itself.
	compare := diff.Compare
	if o.noProblems || !flt.Empty() {
		compare = func(old, new *topo.Snapshot) diff.Result {
			return diff.CompareWith(old, new, diff.Options{NoFindings: true})
		}
	}
	var held *heldLog
	if mode == watchScreen {
		// Logged lines would land in the frame: hold them, show the
		// latest in it, print them all once the screen is left.
		held = &heldLog{}
		before := slog.Default()
		slog.SetDefault(slog.New(newLogHandler(held, slog.LevelWarn)))
		defer func() {
			slog.SetDefault(before)
			held.flush(d.stderr)
		}()
	}
	// A write that fails (the reader of the pipe went away) ends the watch.
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	v := &watchView{out: w, mode: mode, spec: spec, filter: flt, findings: !o.noProblems,
		color: d.colorable(w), stop: stopRun, held: held}
	f, closeFollower, err := openFollower(ctx, liveOptions{host: o.source.host, all: o.source.all, firewall: true},
		live.Options{Compare: compare, OnResync: v.resynced})
	if err != nil {
		if ctx.Err() != nil {
			return nil // Ctrl-C while starting: as at any other time
		}
		return err
	}
	defer closeFollower()
	v.firewallMode = f.FirewallMode
	if mode == watchScreen {
		stop := v.startScreen(w.(*os.File))
		defer stop()
	}
	err = f.Run(runCtx, v.update)
	if werr := v.writeErr(); werr != nil {
		return werr
	}
	if ctx.Err() != nil {
		return nil // Ctrl-C or SIGTERM: the end the user asked for
	}
	return err
}

// watchView turns updates into what watch writes. update is called from
// the watcher's goroutine, resize from the signal's: mu orders them.
type watchView struct {
	mu           sync.Mutex
	out          io.Writer
	mode         watchMode
	spec         format.Spec
	filter       topo.Filter
	findings     bool
	color        bool
	firewallMode func() string
	// stop ends the watch when writing fails.
	stop func()
	// held keeps what is logged while the screen is drawn.
	held *heldLog

	// prev is the last update's view (the filtered snapshot), prevWhole
	// its whole snapshot, prevAll doctor's findings on it; prevMissing says
	// the filter's container or network was not there.
	prev, prevWhole *topo.Snapshot
	prevAll         []topo.Finding
	prevMissing     bool
	err             error

	screen screenState
}

// update handles one live.Update: the view of the snapshot, what changed
// in it, and writes.
func (v *watchView) update(u live.Update) {
	v.mu.Lock()
	defer v.mu.Unlock()
	whole := u.Snapshot
	// Doctor's findings on the whole host, for the tree's marks and a
	// filtered view's comparison; unfiltered, the watcher's diff.Compare
	// has them already.
	var all []topo.Finding
	if v.findings && (v.mode == watchScreen || !v.filter.Empty()) && refuseWithoutKernel(whole, "") == nil {
		all = diagnose.Run(whole)
	}
	view, missing := v.view(whole)
	first := v.prev == nil
	var r diff.Result
	switch {
	case first:
	case v.filter.Empty():
		r = u.Changes
	default:
		prev := v.prev
		if v.prevMissing && !missing {
			// What the filter names has come: compare with the networks
			// it came onto as they were, not with nothing.
			prev = emptyLike(v.prevWhole, view)
		}
		r = diff.CompareWith(prev, view, diff.Options{FindingsGiven: v.findings, NoFindings: !v.findings,
			OldFindings: within(v.prevAll, prev), NewFindings: within(all, view), Narrow: true})
	}
	v.prev, v.prevWhole, v.prevMissing, v.prevAll = view, whole, missing, all
	entries := r.Entries(u.Time)
	if first {
		entries = []diff.Entry{watchingEntry(u, view)}
	}
	switch v.mode {
	case watchScreen:
		v.screen.record(u, view, within(all, view), entries, v.color)
		v.draw()
	default:
		v.writeEntries(entries)
	}
}

// resynced shows that the watcher read the host again whole, and why: a
// line (text, JSON, template) or, on the screen, a line under the header
// and one among the changes. Any changes the read found follow as an
// update.
func (v *watchView) resynced(r live.Resync) {
	v.mu.Lock()
	defer v.mu.Unlock()
	host := ""
	if v.prevWhole != nil {
		host = v.prevWhole.Host.Hostname
	}
	e := diff.Entry{Time: r.Time, Change: diff.ChangeResync, Object: diff.ObjHost, ID: host,
		Field: "resyncs", Before: r.Count - 1, After: r.Count, Detail: r.Reason}
	if v.mode != watchScreen {
		v.writeEntries([]diff.Entry{e})
		return
	}
	s := &v.screen
	s.resync = resyncSummary(r)
	s.addRecent(entryText(e, v.color))
	v.draw()
}

// resyncSummary is the screen's line about resyncs.
func resyncSummary(r live.Resync) string {
	return fmt.Sprintf("resynced %s, last: %s at %s", count(r.Count, "time"), r.Reason, r.Time.Format(time.TimeOnly))
}

// within keeps the findings about a view (all of them for the whole host).
func within(fs []topo.Finding, view *topo.Snapshot) []topo.Finding {
	if fs == nil {
		return nil
	}
	return diagnose.Within(fs, view)
}

// view is the part of s the filter selects. When what it names is not (or
// no longer) there, the view has no containers and keeps the networks the
// last view showed, and missing is true.
func (v *watchView) view(s *topo.Snapshot) (view *topo.Snapshot, missing bool) {
	view, err := v.filter.Apply(s)
	if err == nil {
		return view, false
	}
	last := v.prev
	if last == nil {
		last = &topo.Snapshot{}
	}
	return emptyLike(s, last), true
}

// watchingEntry is the first line watch writes: which host, and how much
// of it, instead of every object it holds.
func watchingEntry(u live.Update, view *topo.Snapshot) diff.Entry {
	return diff.Entry{Time: u.Time, Change: diff.ChangeWatching, Object: diff.ObjHost, ID: view.Host.Hostname,
		Detail: count(len(view.Containers), "container") + ", " + count(len(view.Networks), "network")}
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// writeEntries writes one line per entry, all in one write, so that a
// reader at the other end of a pipe has them at once.
func (v *watchView) writeEntries(entries []diff.Entry) {
	if v.err != nil || len(entries) == 0 {
		return
	}
	var b bytes.Buffer
	switch v.mode {
	case watchJSON:
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				v.err = err
				return
			}
		}
	case watchTemplate:
		if err := format.ExecuteTemplate(&b, v.spec, entries); err != nil {
			v.err = withCode(exitUsage, err)
			if v.stop != nil {
				v.stop()
			}
			return
		}
	default:
		for _, e := range entries {
			b.WriteString(entryText(e, v.color) + "\n")
		}
	}
	if _, err := v.out.Write(b.Bytes()); err != nil {
		v.failed(err)
	}
}

// entryText is one change for people, its time first.
func entryText(e diff.Entry, color bool) string {
	at := e.Time.Format(time.TimeOnly)
	switch e.Change {
	case diff.ChangeWatching:
		return at + " watching " + changes.Clip(e.ID, 200) + ": " + e.Detail
	case diff.ChangeResync:
		return fmt.Sprintf("%s resync #%v: %s", at, e.After, termtext.Printable(e.Detail))
	}
	return at + " " + changes.Line(e, changes.Options{Color: color})
}

// failed records a write error and ends the watch; mu is held.
func (v *watchView) failed(err error) {
	v.err = fmt.Errorf("cannot write: %w", err)
	if v.stop != nil {
		v.stop()
	}
}

func (v *watchView) writeErr() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.err
}

// screenState is what the terminal view remembers between frames.
type screenState struct {
	width, height int
	header        string
	// resync says how often the host was read again whole, and why last
	// ("" before the first resync).
	resync string
	recent []string
	// tree and plain are the tree's lines, coloured as drawn and without
	// colour; marked are the lines the latest change touched.
	tree, plain []string
	marked      map[int]bool
	// stamps are when each line of the tree (without colour) last changed.
	stamps map[string]time.Time
}

// maxRecentKept bounds the change lines remembered for the screen.
const maxRecentKept = 64

// addRecent remembers a change line for the screen, the latest
// maxRecentKept only.
func (s *screenState) addRecent(line string) {
	s.recent = append(s.recent, line)
	if len(s.recent) > maxRecentKept {
		s.recent = s.recent[len(s.recent)-maxRecentKept:]
	}
}

// record takes an update in: the header, the latest changes, the tree and
// which of its lines are new since the tree before the last change.
func (s *screenState) record(u live.Update, view *topo.Snapshot, fs []topo.Finding, entries []diff.Entry, color bool) {
	for _, e := range entries {
		s.addRecent(entryText(e, color))
	}
	var colored, plain bytes.Buffer
	opt := tree.Options{Color: color, Problems: fs}
	if err := tree.Write(&colored, view, opt); err != nil {
		colored.WriteString(err.Error())
	}
	opt.Color = false
	if err := tree.Write(&plain, view, opt); err != nil {
		plain.WriteString(err.Error())
	}
	prevPlain := s.plain
	s.tree = splitLines(colored.String())
	s.plain = splitLines(plain.String())
	s.mark(u, prevPlain)
	s.header = fmt.Sprintf("netviz watch · %s · %s · update %d", view.Host.Hostname, u.Time.Format(time.TimeOnly), u.Seq)
	if u.Cause != "" {
		s.header += " · " + u.Cause
	}
}

// markFor is how long a tree line stays marked after it changed, counted
// in updates' time: a burst of updates (a compose up) keeps all it touched
// marked, and a change a minute later marks only its own lines.
const markFor = 10 * time.Second

// mark marks the tree lines that changed in the last markFor: those not
// in the tree before, and those marked so recently.
func (s *screenState) mark(u live.Update, prevPlain []string) {
	stamps := make(map[string]time.Time, len(s.plain))
	var changed map[int]bool
	if u.Seq > 1 {
		changed = changes.ChangedLines(prevPlain, s.plain)
	}
	s.marked = map[int]bool{}
	for i, l := range s.plain {
		at, ok := s.stamps[l]
		if changed[i] {
			at, ok = u.Time, true
		}
		if ok {
			stamps[l] = at
			s.marked[i] = u.Time.Sub(at) <= markFor
		}
	}
	s.stamps = stamps
}

func splitLines(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// frame lays out the screen at its size.
func (v *watchView) frame() changes.Frame {
	s := &v.screen
	header := s.header
	if mode := v.firewallMode(); mode != "" {
		header += " · firewall: " + mode
	}
	if !v.filter.Empty() {
		header += " · only " + strings.TrimSpace(strings.Join([]string{v.filter.Network, v.filter.Container}, " "))
	}
	return changes.Frame{Width: s.width, Height: s.height, Color: v.color, Header: header,
		Resync: s.resync, Warning: v.held.last(), Recent: s.recent, Tree: s.tree, Marked: s.marked}
}

// draw writes the frame in one write; mu is held.
func (v *watchView) draw() {
	if v.err != nil || v.screen.header == "" {
		return
	}
	if _, err := v.out.Write(changes.Screen(v.frame().Lines())); err != nil {
		v.failed(err)
	}
}

// resize redraws at the terminal's new size.
func (v *watchView) resize(width, height int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if width == v.screen.width && height == v.screen.height {
		return
	}
	v.screen.width, v.screen.height = width, height
	v.draw()
}

// Terminal control sequences.
const (
	enterAltScreen = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J" // alternate screen, cursor hidden, cleared once
	leaveAltScreen = "\x1b[?25h\x1b[?1049l"              // cursor shown, the user's screen back
)

// startScreen switches the terminal to the alternate screen, stops it
// echoing keys into the frame, and follows its size. The func it returns
// puts everything back, also after Ctrl-C or SIGTERM (their context ends
// Run, and runWatch returns through it).
func (v *watchView) startScreen(f *os.File) func() {
	width, height, _ := termSize(f)
	v.screen.width, v.screen.height = width, height
	restoreEcho := noEcho(os.Stdin)
	fmt.Fprint(f, enterAltScreen+"reading the host…")
	resized, stopResize := notifyResize()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			case <-resized:
				if w, h, ok := termSize(f); ok {
					v.resize(w, h)
				}
			}
		}
	}()
	return func() {
		stopResize()
		close(done)
		wg.Wait()
		fmt.Fprint(f, leaveAltScreen)
		restoreEcho()
	}
}

// heldLog is where log lines go while the screen is drawn, a bounded
// number of them.
type heldLog struct {
	mu    sync.Mutex
	lines []string
}

const maxHeldLog = 50

func (h *heldLog) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines = append(h.lines, strings.Split(strings.TrimSuffix(string(p), "\n"), "\n")...)
	if len(h.lines) > maxHeldLog {
		h.lines = h.lines[len(h.lines)-maxHeldLog:]
	}
	return len(p), nil
}

// last is the latest line, "" for none (or no heldLog).
func (h *heldLog) last() string {
	if h == nil {
		return ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.lines) == 0 {
		return ""
	}
	return h.lines[len(h.lines)-1]
}

func (h *heldLog) flush(w io.Writer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, l := range h.lines {
		fmt.Fprintln(w, l)
	}
	h.lines = nil
}
