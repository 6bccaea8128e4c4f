package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/netviz/netviz/inspect"
)

// Backoff bounds for re-subscribing after a stream broke.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// followRuntime follows the runtime's events. When the stream breaks it
// waits for the runtime to answer again, resumes from the last event's
// time and asks for a full read (events may have been lost in between).
// A runtime silent for Options.GiveUp is fatal.
func (w *Watcher) followRuntime(ctx context.Context, rw inspect.ChangeWatcher) {
	var last time.Time
	backoff := minBackoff
	for {
		err := rw.WatchChanges(ctx, last, func(c inspect.Change) {
			if c.Time.After(last) {
				last = c.Time
			}
			backoff = minBackoff
			w.send(ctx, event{c: c})
		})
		if ctx.Err() != nil {
			return
		}
		w.o.Logger.Warn("live: runtime event stream ended; resuming", "err", err)
		if !w.awaitRuntime(ctx, &backoff, err) {
			return
		}
		if last.IsZero() {
			last = time.Now()
		}
		w.send(ctx, event{resync: resyncPrefix + "docker event stream resumed"})
	}
}

// awaitRuntime waits until the runtime answers again, doubling the pause
// between tries. It reports false when ctx ended or Options.GiveUp passed
// (then the error has gone to Run).
func (w *Watcher) awaitRuntime(ctx context.Context, backoff *time.Duration, cause error) bool {
	start := time.Now()
	for {
		if !sleep(ctx, *backoff) {
			return false
		}
		*backoff = min(2**backoff, maxBackoff)
		rctx, cancel := context.WithTimeout(ctx, maxBackoff)
		_, err := w.src.Inspector.Runtime.Describe(rctx)
		cancel()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		cause = err
		if time.Since(start) > w.o.GiveUp {
			select {
			case w.fatal <- fmt.Errorf("the runtime stopped answering for %s: %w", w.o.GiveUp, cause):
			default:
			}
			return false
		}
	}
}

// followNamespace follows the kernel's notifications in the namespace of
// pid (0 and ns nil: the host). A subscription that breaks (ENOBUFS: the
// kernel dropped notifications) is made again and everything is read
// again. A namespace whose process is gone is left: its container's
// events say what happened.
func (w *Watcher) followNamespace(ctx context.Context, pid int, ns *inspect.NSRef, where string) {
	backoff := minBackoff
	resync := "" // why to read everything once subscribed again
	for first := true; ; first = false {
		started := time.Now()
		subscribed := func() {
			// The namespace was read before it was followed: read it
			// once more. After a broken subscription, read everything
			// once listening again, not before: what changed in between
			// would otherwise be announced to no one.
			if resync != "" {
				w.send(ctx, event{resync: resync, ns: ns, where: where})
			} else if first && ns != nil {
				w.send(ctx, event{ns: ns, where: where, reread: true})
			}
		}
		err := w.src.Kernel.WatchNamespace(ctx, pid, subscribed, func(c inspect.Change) {
			w.send(ctx, event{c: c, ns: ns, where: where})
		})
		if ctx.Err() != nil || (ns != nil && isGone(err)) {
			return
		}
		w.o.Logger.Warn("live: netlink subscription ended; subscribing again", "namespace", where, "err", err)
		if time.Since(started) > maxBackoff {
			backoff = minBackoff
		}
		resync = fmt.Sprintf(resyncPrefix+"netlink subscription in %s ended (%v)", where, err)
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// followFirewall follows rule changes: by the kernel's nftables events
// when the firewall source can, polling a fingerprint of what they do not
// cover (iptables-legacy sends none); by polling a fingerprint of all rules
// otherwise. A broken event stream is joined again, and everything read
// again, since changes may have been lost.
//
// decided is closed once FirewallMode says which.
func (w *Watcher) followFirewall(ctx context.Context, decided chan<- struct{}) {
	every := fmt.Sprintf("polled every %s", w.o.FirewallPoll)
	var once sync.Once
	decide := func(mode string) {
		w.fwMode.Store(mode)
		once.Do(func() { close(decided) })
	}
	defer once.Do(func() { close(decided) })
	fw := w.src.Firewall
	if fw == nil {
		decide(every)
		w.pollFirewall(ctx, w.fullFingerprint)
		return
	}
	changed := func() {
		w.send(ctx, event{c: inspect.Change{Time: time.Now(), Kind: inspect.ChangeFirewall, Action: "changed"}})
	}
	var polling sync.WaitGroup
	defer polling.Wait()
	backoff := minBackoff
	for first := true; ; first = false {
		listening := false
		err := fw.WatchRules(ctx, func() {
			listening = true
			if first {
				decide("nftables events; iptables-legacy " + every)
				polling.Go(func() {
					w.pollFirewall(ctx, func(ctx context.Context) (string, error) { return fw.Fingerprint(ctx, false) })
				})
			}
		}, changed)
		if ctx.Err() != nil {
			return
		}
		if first && !listening {
			w.o.Logger.Debug("live: no nftables events; polling the firewall", "err", err)
			decide(every)
			w.pollFirewall(ctx, func(ctx context.Context) (string, error) { return fw.Fingerprint(ctx, true) })
			return
		}
		w.o.Logger.Warn("live: nftables event stream ended; listening again", "err", err)
		if listening {
			backoff = minBackoff
			w.send(ctx, event{resync: fmt.Sprintf(resyncPrefix+"nftables event stream ended (%v)", err)})
		}
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// pollFirewall compares print's fingerprint every Options.FirewallPoll
// and says the rules changed when it differs.
func (w *Watcher) pollFirewall(ctx context.Context, print func(context.Context) (string, error)) {
	prev, _ := print(ctx)
	t := time.NewTicker(w.o.FirewallPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp, err := print(ctx)
		if err != nil {
			if ctx.Err() == nil {
				w.o.Logger.Debug("live: firewall fingerprint failed", "err", err)
			}
			continue
		}
		if fp != prev {
			prev = fp
			w.send(ctx, event{c: inspect.Change{Time: time.Now(), Kind: inspect.ChangeFirewall, Action: "changed"}})
		}
	}
}

// fullFingerprint sums the whole rule dump, for a firewall source that
// offers nothing cheaper.
func (w *Watcher) fullFingerprint(ctx context.Context) (string, error) {
	fw, _, err := w.src.Inspector.Firewall.Firewall(ctx)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(fw)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// sleep waits d unless ctx ends first; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
