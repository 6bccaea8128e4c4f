package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

// Defaults for Options fields left zero.
const (
	DefaultDebounce     = 50 * time.Millisecond
	DefaultMaxDelay     = 200 * time.Millisecond
	DefaultBacklog      = 1024
	DefaultSettleMax    = 2 * time.Second
	DefaultFirewallPoll = 3 * time.Second
	DefaultGiveUp       = time.Minute
)

// Options tune a Watcher.
type Options struct {
	// Compare says what differs between two snapshots (views pass
	// diff.Compare). Required.
	Compare func(old, new *topo.Snapshot) diff.Result
	// Debounce is how long the sources must be quiet before a batch of
	// changes is read (DefaultDebounce when zero): one veth creation
	// alone is some fifteen netlink notifications.
	Debounce time.Duration
	// MaxDelay bounds how long a batch may wait for quiet
	// (DefaultMaxDelay when zero), so a busy host still updates.
	MaxDelay time.Duration
	// SettleMax bounds how long a batch may wait for the runtime to
	// finish starting or stopping a container (DefaultSettleMax when
	// zero): until then what the host shows is Docker's work half-done.
	// A start or stop that ends sooner is read as soon as it does.
	SettleMax time.Duration
	// FirewallPoll is how often the rules are checked where the kernel
	// sends no event for their changes (DefaultFirewallPoll when zero).
	FirewallPoll time.Duration
	// GiveUp is how long a runtime that stopped answering is waited for
	// before Run fails (DefaultGiveUp when zero).
	GiveUp time.Duration
	// Logger receives what the watcher recovers from (default: discard).
	Logger *slog.Logger
	// Backlog is how many changes may wait for the watcher while it is
	// busy (DefaultBacklog when zero). Beyond it the sources wait, and a
	// netlink socket that is not read overflows: the subscription ends and
	// everything is read again, which is correct, only slower.
	Backlog int
	// OnResync, when set, is told of every resync, from Run's goroutine,
	// before the Update the resync makes (if it found anything new).
	OnResync func(Resync)
}

func (o Options) withDefaults() Options {
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxDelay < o.Debounce {
		o.MaxDelay = o.Debounce
	}
	if o.SettleMax <= 0 {
		o.SettleMax = DefaultSettleMax
	}
	if o.SettleMax < o.MaxDelay {
		o.SettleMax = o.MaxDelay
	}
	if o.FirewallPoll <= 0 {
		o.FirewallPoll = DefaultFirewallPoll
	}
	if o.GiveUp <= 0 {
		o.GiveUp = DefaultGiveUp
	}
	if o.Backlog <= 0 {
		o.Backlog = DefaultBacklog
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// NamespaceWatcher follows the kernel's notifications in one network
// namespace (inspect/kernel's Kernel).
type NamespaceWatcher interface {
	// WatchNamespace follows the namespace of process pid (0: the host):
	// it calls subscribed once it listens, then each per change, until ctx
	// ends (nil) or the subscription breaks (an error: changes may have
	// been lost). Errors wrapping inspect.ErrGone mean the process is gone.
	WatchNamespace(ctx context.Context, pid int, subscribed func(), each func(inspect.Change)) error
}

// FirewallWatcher follows the packet filter (inspect/netfilter's Reader).
type FirewallWatcher interface {
	// WatchRules calls subscribed once it listens, then changed when the
	// kernel announces rule changes, until ctx ends (nil) or the stream
	// breaks. It returns an error wrapping errors.ErrUnsupported, without
	// calling subscribed, when changes cannot be followed so.
	WatchRules(ctx context.Context, subscribed, changed func()) error
	// Fingerprint sums the rules that WatchRules cannot follow (all of
	// them, with all=true): equal sums, same rules. It is what is polled.
	Fingerprint(ctx context.Context, all bool) (string, error)
}

// Sources are what a Watcher reads and listens to.
type Sources struct {
	// Inspector reads the host; its Runtime must implement
	// inspect.ChangeWatcher, and when it implements inspect.ContainerReader
	// a container's event re-reads only that container.
	Inspector *inspect.Inspector
	// Kernel follows netlink notifications; nil when Inspector.Kernel is
	// nil (a daemon whose namespace cannot be reached: runtime events only).
	Kernel NamespaceWatcher
	// Firewall follows the rules; nil when Inspector.Firewall is nil.
	Firewall FirewallWatcher
	// Warnings go first in every snapshot (where the daemon's host is).
	Warnings []topo.Warning
}

// Watcher follows a host and hands out an Update per batch of changes.
type Watcher struct {
	src    Sources
	o      Options
	resync chan struct{}
	events chan event
	fatal  chan error
	fwMode atomic.Value // string

	mu sync.Mutex
	// resyncs counts the full reads made to recover lost changes or on
	// request; lastResync is why the latest was made.
	resyncs    int
	lastResync string
}

// New returns a Watcher; nothing is read or watched until Run.
func New(src Sources, o Options) *Watcher {
	o = o.withDefaults()
	w := &Watcher{src: src, o: o, resync: make(chan struct{}, 1),
		events: make(chan event, o.Backlog), fatal: make(chan error, 1)}
	w.fwMode.Store("none")
	return w
}

// Resync asks for a full re-read. It is safe from any goroutine and does
// not wait; asks made while one is pending are one.
func (w *Watcher) Resync() {
	select {
	case w.resync <- struct{}{}:
	default:
	}
}

// Resyncs says how many full reads the watcher made since Run began to
// recover changes it may have missed (a broken event stream, an overflowed
// netlink socket) or because Resync asked, and why it made the latest.
// A resync that finds the host as the last update showed it makes no
// Update (nothing changed for the views): this is how to tell it happened.
func (w *Watcher) Resyncs() (n int, last string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.resyncs, w.lastResync
}

// resynced notes a full read made for why and tells Options.OnResync.
func (w *Watcher) resynced(why string) {
	w.mu.Lock()
	w.resyncs++
	w.lastResync = why
	r := Resync{Count: w.resyncs, Reason: strings.TrimPrefix(why, resyncPrefix), Time: time.Now()}
	w.mu.Unlock()
	if w.o.OnResync != nil {
		w.o.OnResync(r)
	}
}

// FirewallMode says how firewall changes are noticed: "nftables events;
// iptables-legacy polled every 3s", "polled every 3s", or "none" when the
// firewall is not read. It is known by the first update.
func (w *Watcher) FirewallMode() string { return w.fwMode.Load().(string) }

// event is what the sources send the loop: a change and where it was
// seen, or a reason to read everything again.
type event struct {
	c inspect.Change
	// ns is the container namespace of a kernel change; nil for the host.
	ns *inspect.NSRef
	// where names that namespace for people ("host", a container's name).
	where string
	// resync, when set, asks for a full read and says why.
	resync string
	// reread asks for ns to be read again: it was read before its
	// subscription began, and may have changed in between.
	reread bool
}

// send hands e to the loop unless ctx has ended.
func (w *Watcher) send(ctx context.Context, e event) {
	select {
	case w.events <- e:
	case <-ctx.Done():
	}
}

// Run reads the host, hands each the first, full snapshot, then follows
// the sources and hands each an Update per debounced batch of changes
// whose snapshot differs. each is called from Run's goroutine, one at a
// time. Run returns nil when ctx ends, an error when the first read fails
// or the runtime stops answering for Options.GiveUp. Every goroutine and
// subscription it started has ended when it returns.
func (w *Watcher) Run(ctx context.Context, each func(Update)) error {
	if w.o.Compare == nil {
		return errors.New("live: Options.Compare is required")
	}
	rw, ok := w.src.Inspector.Runtime.(inspect.ChangeWatcher)
	if !ok {
		return fmt.Errorf("live: the runtime cannot follow its events")
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()

	// Listen before the first read, so nothing between them is missed.
	wg.Go(func() { w.followRuntime(ctx, rw) })
	if w.src.Kernel != nil {
		wg.Go(func() { w.followNamespace(ctx, 0, nil, "host") })
	}
	if w.src.Inspector.Firewall != nil {
		decided := make(chan struct{})
		wg.Go(func() { w.followFirewall(ctx, decided) })
		// FirewallMode is known before the first update.
		select {
		case <-decided:
		case <-ctx.Done():
			return nil
		}
	}
	l := &loop{w: w, tr: w.src.Inspector.Track(), each: each, wg: &wg,
		watched: map[inspect.NSRef]context.CancelFunc{}, settle: newSettler(w.o.SettleMax)}
	if err := l.first(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	return l.run(ctx)
}
