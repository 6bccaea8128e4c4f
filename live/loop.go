package live

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

// retryAfter is how long a failed read waits before it is tried again (a
// variable for tests).
var retryAfter = time.Second

// loop is Run's state: the tracker, the last snapshot handed out, the
// batch being gathered and the container namespaces being watched.
type loop struct {
	w    *Watcher
	tr   *inspect.Tracker
	each func(Update)
	wg   *sync.WaitGroup

	seq  uint64
	prev *topo.Snapshot
	b    batch
	// watched holds the cancel of each container namespace's watch.
	watched map[inspect.NSRef]context.CancelFunc
	settle  *settler
	// retryAt is when a failed read may be tried again; failing is its
	// error, logged once.
	retryAt time.Time
	failing string
}

// first reads everything and hands out Seq 1.
func (l *loop) first(ctx context.Context) error {
	s, err := l.tr.Full(ctx)
	if err != nil {
		return err
	}
	l.emit(s, Update{Full: true, Cause: "start"})
	// What was unsettled before watching began is not waited for.
	l.settle.accept(l.tr.Unsettled())
	l.watchNamespaces(ctx)
	return nil
}

func (l *loop) run(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-l.w.fatal:
			return err
		case <-l.w.resync:
			l.take(event{resync: resyncPrefix + "asked for"}, time.Now())
		case e := <-l.w.events:
			l.take(e, time.Now())
		case <-timer.C:
			if now := time.Now(); !l.held(now) {
				l.apply(ctx, now)
			}
		}
		if at, ok := l.wake(time.Now()); ok {
			timer.Reset(time.Until(at))
		} else {
			timer.Stop()
		}
	}
}

// take adds e to the batch and notes what it begins or ends.
func (l *loop) take(e event, now time.Time) {
	b := &l.b
	if b.empty() {
		b.began = now
	}
	if b.anchor.IsZero() {
		b.anchor = now
	}
	b.last = now
	b.add(e, l.tr)
	if e.resync == "" && !e.reread && (e.c.Kind == inspect.ChangeContainer || e.c.Kind == inspect.ChangeNetwork) {
		if l.settle.observe(e.c, l.tr, now) {
			if _, still := l.settle.holding(now); !still {
				// The runtime says it is done: what it did in the
				// kernel came before it said so. Read now.
				b.release = true
			}
		}
	}
}

// held says whether the batch waits for the runtime to finish what it is
// doing (see settler), which it does for Options.SettleMax at most.
func (l *loop) held(now time.Time) bool {
	_, ok := l.settle.holding(now)
	return ok && now.Before(l.b.began.Add(l.w.o.SettleMax))
}

// wake says when the batch is to be read: once the sources have been
// quiet for Debounce, or MaxDelay after its first change, or at once when
// the runtime finished a transition; not while a transition is open
// (until SettleMax after its first change), and not before a failed read
// may be tried again.
func (l *loop) wake(now time.Time) (time.Time, bool) {
	b := &l.b
	if b.empty() {
		return time.Time{}, false
	}
	o := l.w.o
	limit := b.began.Add(o.SettleMax)
	var at time.Time
	switch until, ok := l.settle.holding(now); {
	case ok && now.Before(limit):
		at = earliest(until, limit)
	case b.release:
		at = now
	case b.anchor.IsZero():
		// Read, and found unsettled: the next change, or the limit.
		at = limit
	default:
		at = earliest(b.last.Add(o.Debounce), b.anchor.Add(o.MaxDelay))
	}
	if at.Before(l.retryAt) {
		at = l.retryAt
	}
	return at, true
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// apply reads what the batch touched and hands out an Update if the
// snapshot changed. A failed read keeps the batch, now asking for a full
// read, for the next try. A read that finds the host unsettled (see
// inspect.Tracker.Unsettled: a veth pair with both ends in the host, a
// runtime's work half-done) keeps the batch too, until the next change or
// SettleMax after its first.
func (l *loop) apply(ctx context.Context, now time.Time) {
	b := l.b
	var (
		s   *topo.Snapshot
		err error
	)
	if b.resync != "" {
		s, err = l.tr.Full(ctx)
	} else {
		s, err = l.tr.Refresh(ctx, b.touched)
	}
	if err != nil {
		if ctx.Err() == nil {
			l.failed(err)
			l.b.resync = resyncPrefix + "after a failed read"
			l.b.resyncHost, l.b.resyncNS = []string{"after a failed read"}, nil
			l.b.anchor, l.b.release = now, false
			l.retryAt = time.Now().Add(retryAfter)
		}
		return
	}
	l.recovered()
	late := l.arrived()
	if un := l.settle.unwaited(l.tr.Unsettled()); len(un) > 0 {
		if time.Now().Before(b.began.Add(l.w.o.SettleMax)) {
			l.b.anchor, l.b.release = time.Time{}, false
			l.takeAll(late, now)
			return
		}
		l.settle.accept(un)
	}
	l.b = batch{}
	if b.resync != "" {
		// Counted (and told) once read, whether or not an Update
		// follows: emit drops a resync that finds nothing new.
		l.w.resynced(b.resyncReason())
	}
	// Changes that arrived while reading may be in what was read: on a
	// busy host a link added during a read that another change started
	// shows in this snapshot, and its own notice, read next, finds
	// nothing new. They are named among this update's causes, and read
	// again in the next batch in case the read came before them.
	shown := b
	shown.causes = slices.Clone(b.causes)
	for _, e := range late {
		if e.resync == "" && !e.reread {
			shown.add(e, l.tr)
		}
	}
	l.takeAll(late, now)
	l.emit(s, Update{Full: b.resync != "", Cause: shown.cause(), Causes: shown.allCauses()})
	l.watchNamespaces(ctx)
}

// arrived takes the changes the sources sent while the batch was read,
// without waiting for more.
func (l *loop) arrived() []event {
	var out []event
	for {
		select {
		case e := <-l.w.events:
			out = append(out, e)
		default:
			return out
		}
	}
}

// takeAll adds changes to the batch, as run does.
func (l *loop) takeAll(es []event, now time.Time) {
	for _, e := range es {
		l.take(e, now)
	}
}

// failed logs a failed read: once, and again when the error says
// something else, not at every retry while the daemon is away.
func (l *loop) failed(err error) {
	if msg := err.Error(); msg != l.failing {
		l.failing = msg
		l.w.o.Logger.Warn("live: read failed; reading everything again shortly", "err", err)
	}
}

// recovered logs that reads work again after they failed.
func (l *loop) recovered() {
	if l.failing != "" {
		l.failing = ""
		l.retryAt = time.Time{}
		l.w.o.Logger.Info("live: reading works again")
	}
}

// emit stamps s with the sources' warnings and hands it out if it differs
// from the last one (the first always goes).
func (l *loop) emit(s *topo.Snapshot, u Update) {
	if len(l.w.src.Warnings) > 0 {
		s.Warnings = slices.Concat(l.w.src.Warnings, s.Warnings)
	}
	if l.prev != nil {
		u.Changes = l.w.o.Compare(l.prev, s)
		if u.Changes.Empty() {
			l.prev = s
			return
		}
	}
	l.prev = s
	l.seq++
	u.Seq, u.Time, u.Snapshot = l.seq, time.Now(), s
	l.each(u)
}

// watchNamespaces follows the namespaces of the running containers and
// stops following those that are gone.
func (l *loop) watchNamespaces(ctx context.Context) {
	if l.w.src.Kernel == nil {
		return
	}
	now := l.tr.Namespaces()
	for ref, stop := range l.watched {
		if _, ok := now[ref]; !ok {
			stop()
			delete(l.watched, ref)
		}
	}
	for ref, o := range now {
		if _, ok := l.watched[ref]; ok {
			continue
		}
		wctx, stop := context.WithCancel(ctx)
		l.watched[ref] = stop
		ref, o := ref, o
		l.wg.Go(func() { l.w.followNamespace(wctx, o.PID, &ref, o.Name) })
	}
}

// batch is the changes gathered since the last read.
type batch struct {
	// began is the first change's time; anchor the first since the batch
	// was last read (zero: none since); last the latest's.
	began, anchor, last time.Time
	// release says the runtime finished a transition: read now.
	release bool
	touched inspect.Touched
	resync  string
	// resyncHost are the reasons for it about the host (its netlink
	// subscription, the runtime's events, the firewall, a request);
	// resyncNS those about a container's namespace.
	resyncHost, resyncNS []string
	causes               []string
	firsts               int               // how many of causes are the runtime's or resyncs
	names                map[string]string // container names the batch's events gave, by ID
	seen                 map[string]bool
	// rereads name the namespaces read again once followed: a cause only
	// when nothing else is.
	rereads []string
}

// maxResyncReasons is how many container namespaces a resync names.
const maxResyncReasons = 4

// resyncReason is why the batch's resync is made: every reason about the
// host first, then the first few container namespaces whose subscription
// broke and how many more (500 may overflow in one burst).
func (b *batch) resyncReason() string {
	if len(b.resyncHost)+len(b.resyncNS) == 0 {
		return b.resync
	}
	ns, more := b.resyncNS, 0
	if len(ns) > maxResyncReasons {
		ns, more = ns[:maxResyncReasons], len(ns)-maxResyncReasons
	}
	why := resyncPrefix + strings.Join(slices.Concat(b.resyncHost, ns), "; ")
	if more > 0 {
		why += fmt.Sprintf("; and %d more", more)
	}
	return why
}

func (b *batch) empty() bool { return b.resync == "" && len(b.causes) == 0 && len(b.rereads) == 0 }

func (b *batch) add(e event, tr *inspect.Tracker) {
	if e.resync != "" {
		// Every reason is told: two subscriptions that overflowed in
		// the same burst are both named in one resync.
		if b.resync == "" {
			b.resync = e.resync
		}
		if why := strings.TrimPrefix(e.resync, resyncPrefix); !b.seen[e.resync] {
			if e.ns == nil {
				b.resyncHost = append(b.resyncHost, why)
			} else {
				b.resyncNS = append(b.resyncNS, why)
			}
		}
		// A resync goes first: it is why the update is a full read,
		// whatever else came with it.
		b.note(e.resync, true)
		if i := slices.Index(b.causes, e.resync); i > 0 {
			b.causes = slices.Insert(slices.Delete(b.causes, i, i+1), 0, e.resync)
		}
		return
	}
	t := &b.touched
	if e.reread {
		if !slices.Contains(t.Namespaces, *e.ns) {
			t.Namespaces = append(t.Namespaces, *e.ns)
		}
		if !slices.Contains(b.rereads, e.where) {
			b.rereads = append(b.rereads, e.where)
		}
		return
	}
	c := e.c
	switch c.Kind {
	case inspect.ChangeContainer:
		t.Containers = appendNew(t.Containers, c.ID)
	case inspect.ChangeNetwork:
		t.Networks = true
		if c.Container != "" {
			t.Containers = appendNew(t.Containers, c.Container)
		}
	case inspect.ChangeLink, inspect.ChangeAddress, inspect.ChangeRoute:
		if e.ns == nil {
			t.Host = true
		} else if !slices.Contains(t.Namespaces, *e.ns) {
			t.Namespaces = append(t.Namespaces, *e.ns)
		}
	case inspect.ChangeFirewall:
		t.Firewall = true
	}
	if c.Kind == inspect.ChangeContainer && c.Name != "" {
		if b.names == nil {
			b.names = map[string]string{}
		}
		b.names[c.Container] = c.Name
	}
	b.note(describe(e, tr, b.names), c.Kind == inspect.ChangeContainer || c.Kind == inspect.ChangeNetwork)
}

// note records why, once. The runtime's events and resyncs go before the
// kernel's notifications: "container web1 started" says more than the
// dozen link changes that came with it.
func (b *batch) note(why string, first bool) {
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	if b.seen[why] {
		return
	}
	b.seen[why] = true
	if first {
		b.causes = slices.Insert(b.causes, b.firsts, why)
		b.firsts++
		return
	}
	b.causes = append(b.causes, why)
}

func appendNew(ids []string, id string) []string {
	if id == "" || slices.Contains(ids, id) {
		return ids
	}
	return append(ids, id)
}

// isGone reports whether err says a watched process is gone.
func isGone(err error) bool { return errors.Is(err, inspect.ErrGone) }
