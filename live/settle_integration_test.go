package live_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/inspect/kernel"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/live"
	"github.com/netviz/netviz/topo"
)

// next reads the next update; the timeout only keeps a broken watcher
// from hanging the test.
func (f *follower) next(what string) live.Update {
	f.t.Helper()
	select {
	case u := <-f.updates:
		if u.Seq != f.last.Seq+1 {
			f.t.Errorf("update %d follows %d", u.Seq, f.last.Seq)
		}
		f.last = u
		return u
	case err := <-f.done:
		f.done <- err
		f.t.Fatalf("Run ended waiting for %s: %v", what, err)
	case <-time.After(60 * time.Second):
		f.t.Fatalf("no update shows %s", what)
	}
	return live.Update{}
}

// hostIface is the host interface with ifindex i in s.
func hostIface(s *topo.Snapshot, i int) (topo.Interface, bool) {
	for _, h := range s.Interfaces {
		if h.Index == i {
			return h, true
		}
	}
	return topo.Interface{}, false
}

// pairEnd finds in s's host namespace an end of pair p (containerEnd:
// the container's, else the host's): the host end by its index and name,
// the container's end, as Docker makes it before moving it, by its index
// and its peer being the host end. Indexes alone are not enough: in an
// engine's namespace (scripts/engines.sh) the uplink eth0 may hold the
// index the container's eth0 has in its own.
func pairEnd(s *topo.Snapshot, p topo.Pair, containerEnd bool) (topo.Interface, bool) {
	for _, h := range s.Interfaces {
		if h.Kind != topo.KindVeth {
			continue
		}
		if !containerEnd && h.Index == p.HostIfindex && h.Name == p.HostInterface ||
			containerEnd && h.Index == p.ContainerIfindex && h.PeerIndex == p.HostIfindex {
			return h, true
		}
	}
	return topo.Interface{}, false
}

// eitherEnd is an end of p in s's host namespace, the container's first.
func eitherEnd(s *topo.Snapshot, p topo.Pair) (topo.Interface, bool) {
	if h, ok := pairEnd(s, p, true); ok {
		return h, true
	}
	return pairEnd(s, p, false)
}

func pairOf(s *topo.Snapshot, name string) (topo.Pair, bool) {
	for _, p := range s.Pairs {
		if p.Container == name {
			return p, true
		}
	}
	return topo.Pair{}, false
}

// `docker run` and `docker rm -f` followed as `netviz watch` follows them
// (running containers only), on the default bridge and on a network of
// its own: the container arrives in one update with its
// interface and pair, the host end already up; no update before shows
// either end of its pair in the host; it leaves in one update with both
// ends, and no update between shows its end back in the host, its pair
// without it, or it without its interface.
//
// Docker sends connect before it moves the container's end into the
// namespace and start after, die before it moves it back and disconnect
// after, and answers an inspect only once it is done with a container:
// that is what makes this hold whatever the timing. What is not held is a
// start or a stop slower than SettleMax; it is set far above anything
// Docker takes here, so that the test is about the events, not the bound.
func TestDockerRunAndRemoveSettle(t *testing.T) {
	w := dockertest.New(t, "settle")
	f := followRead(t, kernel.Options{}, false, live.Options{SettleMax: time.Minute}, inspect.Options{})
	net := w.Network("n")
	for i := range 6 {
		// Docker's default bridge and a network of the test's, in turn.
		var args []string
		if i%2 == 1 {
			args = []string{"--network", net}
		}
		name := w.Run(fmt.Sprintf("s%d", i), args)
		var before []live.Update
		var u live.Update
		for {
			u = f.next(name + " running")
			if _, ok := containerOf(u.Snapshot, name); ok {
				break
			}
			before = append(before, u)
		}
		c, _ := containerOf(u.Snapshot, name)
		p, paired := pairOf(u.Snapshot, name)
		hostEnd, onHost := hostIface(u.Snapshot, p.HostIfindex)
		if c.State != topo.StateRunning || ifaceCount(c) != 1 || !paired || !onHost || hostEnd.State != "up" || p.Bridge == "" {
			t.Fatalf("%s arrived as %s with pair %+v (found %v), host end %+v; want it running, its eth0, its pair, the host end up on the bridge (update %d %q)",
				name, record(u.Snapshot, name), p, paired, hostEnd, u.Seq, u.Cause)
		}
		for _, b := range before {
			if h, ok := eitherEnd(b.Snapshot, p); ok {
				t.Errorf("update %d (%q), before %s arrived, shows %s (ifindex %d, %s) in the host", b.Seq, b.Cause, name, h.Name, h.Index, h.State)
			}
		}
		t.Logf("%s: update %d %q", name, u.Seq, u.Cause)

		w.Remove(name)
		for {
			u = f.next(name + " gone")
			c, shown := containerOf(u.Snapshot, name)
			if !shown {
				break
			}
			if ifaceCount(c) != 1 {
				t.Errorf("update %d (%q) shows %s without its interface", u.Seq, u.Cause, name)
			}
			if _, ok := pairEnd(u.Snapshot, p, true); ok {
				t.Errorf("update %d (%q) shows %s's end back in the host", u.Seq, u.Cause, name)
			}
		}
		if h, ok := eitherEnd(u.Snapshot, p); ok {
			t.Errorf("update %d (%q), %s gone, still shows %s (ifindex %d, %s) in the host", u.Seq, u.Cause, name, h.Name, h.Index, h.State)
		}
		t.Logf("%s gone: update %d %q", name, u.Seq, u.Cause)
	}
}
