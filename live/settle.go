package live

import (
	"slices"
	"time"

	"github.com/netviz/netviz/inspect"
)

// settler knows which containers the runtime is in the middle of
// starting or stopping, so that the loop does not read the host half-way
// through. Docker's `docker run` is: create; connect (the veth pair made,
// both ends in the host, one on the bridge); a few hundred milliseconds
// later the container's process is created and the other end moved into
// its namespace; then start. Its stop is: die; the container's end moved
// back to the host and both deleted; a disconnect per network; then stop
// or destroy. A read between the first and last of those shows
// interfaces about to go, pairs without a container, a container without
// its interfaces: things that never were, as far as a user is concerned.
//
// A transition opens with the event that begins it and closes with the
// one that ends it, or when it has been open for max: a start that never
// comes (a `docker network connect` to a created container looks like the
// start of one) holds nothing for longer.
type settler struct {
	max  time.Duration
	open map[string]transition // by container ID
	// up says, by container ID, what the runtime's latest start or die
	// said: it is newer than the last read.
	up map[string]bool
	// waited are unsettled states (inspect.Tracker.Unsettled) that
	// outlasted max or were there when watching began: someone's own
	// doing, not a runtime's or the kernel's work in progress, and not
	// waited for again.
	waited map[string]bool
}

// transition is a container being started (nets nil) or stopped.
type transition struct {
	since    time.Time
	stopping bool
	// nets are, when stopping, the IDs of the networks the container has
	// yet to be disconnected from.
	nets []string
}

func newSettler(max time.Duration) *settler {
	return &settler{max: max, open: map[string]transition{}, up: map[string]bool{}, waited: map[string]bool{}}
}

// observe notes what the runtime's change c begins or ends. It reports
// whether it ended a transition.
func (s *settler) observe(c inspect.Change, tr *inspect.Tracker, now time.Time) (ended bool) {
	id := c.Container
	if id == "" {
		return false
	}
	_, wasOpen := s.open[id]
	switch {
	case c.Kind == inspect.ChangeContainer && c.Action == "start":
		s.up[id] = true
		delete(s.open, id)
	case c.Kind == inspect.ChangeContainer && c.Action == "destroy":
		delete(s.up, id)
		delete(s.open, id)
	case c.Kind == inspect.ChangeContainer && c.Action == "die":
		s.up[id] = false
		nets, _ := tr.ContainerNetworks(id)
		delete(s.open, id)
		if len(nets) > 0 {
			s.open[id] = transition{since: now, stopping: true, nets: nets}
		}
	case c.Kind == inspect.ChangeNetwork && c.Action == "connect":
		// A connect to a running container is whole when Docker says it:
		// the pair was moved before. One to a container not running is the
		// first step of its start.
		if !s.running(id, tr) && (!wasOpen || s.open[id].stopping) {
			s.open[id] = transition{since: now}
		}
	case c.Kind == inspect.ChangeNetwork && c.Action == "disconnect":
		t, ok := s.open[id]
		if !ok {
			return false
		}
		t.nets = slices.DeleteFunc(t.nets, func(n string) bool { return n == c.ID })
		if t.stopping && len(t.nets) > 0 {
			s.open[id] = t
			return false
		}
		// The last network let go of; or a start that failed, whose
		// network Docker releases.
		delete(s.open, id)
	}
	_, isOpen := s.open[id]
	return wasOpen && !isOpen
}

// running says whether container id runs: as its latest start or die
// said, else as the last read found it.
func (s *settler) running(id string, tr *inspect.Tracker) bool {
	if up, ok := s.up[id]; ok {
		return up
	}
	_, running := tr.ContainerNetworks(id)
	return running
}

// holding says whether a transition is open at now, and until when it may
// stay open. Transitions open for max are forgotten.
func (s *settler) holding(now time.Time) (until time.Time, ok bool) {
	for id, t := range s.open {
		end := t.since.Add(s.max)
		if !now.Before(end) {
			delete(s.open, id)
			continue
		}
		if !ok || end.Before(until) {
			until, ok = end, true
		}
	}
	return until, ok
}

// unwaited returns the unsettled states not yet waited for, and forgets
// those waited for that are gone.
func (s *settler) unwaited(states []string) []string {
	for st := range s.waited {
		if !slices.Contains(states, st) {
			delete(s.waited, st)
		}
	}
	return slices.DeleteFunc(slices.Clone(states), func(st string) bool { return s.waited[st] })
}

// accept marks states as waited for: they stay.
func (s *settler) accept(states []string) {
	for _, st := range states {
		s.waited[st] = true
	}
}
