package live

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

// retryAfter is how long a failed read waits before it is tried again.
const retryAfter = time.Second

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
}

// first reads everything and hands out Seq 1.
func (l *loop) first(ctx context.Context) error {
	s, err := l.tr.Full(ctx)
	if err != nil {
		return err
	}
	l.emit(s, Update{Full: true, Cause: "start"})
	l.watchNamespaces(ctx)
	return nil
}

func (l *loop) run(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var deadline time.Time // when the batch must be read, quiet or not
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-l.w.fatal:
			return err
		case <-l.w.resync:
			l.b.add(event{resync: "resync asked for"}, l.tr)
		case e := <-l.w.events:
			l.b.add(e, l.tr)
		case <-timer.C:
			deadline = time.Time{}
			l.apply(ctx)
			if l.b.empty() {
				continue
			}
			// A failed read left its batch: try again later.
			timer.Reset(retryAfter)
			continue
		}
		now := time.Now()
		if deadline.IsZero() {
			deadline = now.Add(l.w.o.MaxDelay)
		}
		timer.Reset(min(l.w.o.Debounce, deadline.Sub(now)))
	}
}

// apply reads what the batch touched and hands out an Update if the
// snapshot changed. A failed read keeps the batch, now asking for a full
// read, for the next try.
func (l *loop) apply(ctx context.Context) {
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
			l.w.o.Logger.Warn("live: read failed; reading everything again shortly", "err", err)
			l.b.resync = "resync: after a failed read"
		}
		return
	}
	l.b = batch{}
	cause := b.cause()
	l.emit(s, Update{Full: b.resync != "", Cause: cause})
	l.watchNamespaces(ctx)
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
	touched inspect.Touched
	resync  string
	causes  []string
	firsts  int // how many of causes are the runtime's or resyncs
	seen    map[string]bool
	// rereads name the namespaces read again once followed: a cause only
	// when nothing else is.
	rereads []string
}

func (b *batch) empty() bool { return b.resync == "" && len(b.causes) == 0 && len(b.rereads) == 0 }

func (b *batch) add(e event, tr *inspect.Tracker) {
	if e.resync != "" {
		if b.resync == "" {
			b.resync = e.resync
		}
		b.note(e.resync, true)
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
	b.note(describe(e, tr), c.Kind == inspect.ChangeContainer || c.Kind == inspect.ChangeNetwork)
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
