// Package pathfind explains how a packet would go from one place to another
// on a Docker host — container, host, published port or the outside — in the
// diagram's terms: interfaces, veths, bridges, iptables chains, NAT. It
// reasons over a topo.Snapshot only; it sends no packet.
package pathfind

import (
	"fmt"
	"strings"

	"github.com/netviz/netviz/topo"
)

// Verdicts.
const (
	Reachable = "reachable"
	Blocked   = "blocked"
	Unknown   = "unknown"
)

// ErrUnknownEndpoint is returned for a SRC or DST that names nothing netviz
// can place (wraps topo.ErrUnknownContainer so the CLI's exit code applies).
var ErrUnknownEndpoint = fmt.Errorf("unknown endpoint: %w", topo.ErrUnknownContainer)

// Hop is one step: where the packet is, and the rule or route that sends
// it on (or stops it).
type Hop struct {
	At  string `json:"at"`
	Why string `json:"why,omitempty"`
}

// Result is the answer: verdict, hops, and the reason in one sentence.
type Result struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Verdict string `json:"verdict"`
	Hops    []Hop  `json:"hops"`
	Reason  string `json:"reason"`
	// When SRC named a Swarm service: the service, the task the packet
	// was followed from (NODE/CONTAINER across a cluster), and the
	// service's other tasks, which may send too ("name (address)", or an
	// address on a node that did not answer).
	FromService    string   `json:"fromService,omitempty"`
	FromTask       string   `json:"fromTask,omitempty"`
	FromOtherTasks []string `json:"fromOtherTasks,omitempty"`
}

// Options say what kind of packet to follow.
type Options struct {
	Protocol string // tcp (default) or udp
	Port     int    // destination port when DST gives none (default 80)
}

// Find follows a packet from src to dst.
func Find(s *topo.Snapshot, src, dst string, o Options) (Result, error) {
	if o.Protocol == "" {
		o.Protocol = "tcp"
	}
	if o.Port == 0 {
		o.Port = 80
	}
	from, err := resolve(s, src)
	if d, err := srcService(s, src, from, err); err != nil {
		return Result{}, err
	} else if d != nil {
		// One of the service's tasks here sends: follow it as SRC.
		snd, err := localSender(s, src, *d)
		if err != nil {
			return Result{}, err
		}
		return snd.follow(src, func(task string) (Result, error) { return Find(s, task, dst, o) })
	}
	to, err := resolve(s, dst)
	var svc *serviceDst
	if err != nil {
		if svc, err = serviceNamed(servicesOf(s), dst, err); err != nil {
			return Result{}, err
		}
	} else if from.container != nil && to.container == nil && !to.host {
		svc = serviceAt(servicesOf(s), to.addr)
	}
	if to.port == 0 {
		to.port = o.Port
	}
	// The family is the address's, when either end is one: a packet to an
	// IPv6 address is followed through IPv6 routes and rules.
	w := &walker{s: s, proto: o.Protocol, family: 4}
	if from.addr.Is6() || to.addr.Is6() {
		w.family = 6
	}
	if svc != nil {
		w.toService(from, *svc, to.port)
	} else {
		w.run(from, to)
	}
	r := Result{From: src, To: dst, Verdict: w.verdict, Hops: w.hops, Reason: w.reason}
	if r.Hops == nil {
		r.Hops = []Hop{}
	}
	return r, nil
}

// walker accumulates hops until a verdict.
type walker struct {
	s       *topo.Snapshot
	proto   string
	family  int // 4 or 6
	hops    []Hop
	verdict string
	reason  string
	unsure  []string
	bridge  string // the bridge the packet is on, "" when none
}

func (w *walker) hop(at, why string)  { w.hops = append(w.hops, Hop{At: at, Why: why}) }
func (w *walker) done() bool          { return w.verdict != "" }
func (w *walker) block(reason string) { w.verdict, w.reason = Blocked, reason }
func (w *walker) unknown(reason string) {
	w.verdict, w.reason = Unknown, reason
}

func (w *walker) reach(reason string) {
	if len(w.unsure) > 0 {
		w.verdict, w.reason = Unknown, reason+", but "+strings.Join(w.unsure, "; ")
		return
	}
	w.verdict, w.reason = Reachable, reason
}

// Text renders the result as the hops joined by arrows, then each hop's
// reason, then the verdict.
func (r Result) Text() string {
	var b strings.Builder
	var at []string
	for _, h := range r.Hops {
		at = append(at, h.At)
	}
	b.WriteString(strings.Join(at, " → "))
	b.WriteString("\n\n")
	for i, h := range r.Hops {
		if h.Why == "" {
			fmt.Fprintf(&b, "  %2d. %s\n", i+1, h.At)
		} else {
			fmt.Fprintf(&b, "  %2d. %s: %s\n", i+1, h.At, h.Why)
		}
	}
	fmt.Fprintf(&b, "\n%s: %s\n", strings.ToUpper(r.Verdict), r.Reason)
	return b.String()
}
