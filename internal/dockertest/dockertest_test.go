package dockertest

import (
	"net/netip"
	"testing"
)

// TestImage makes sure the local busybox image exists (make bench relies on
// it) and that a container from it runs the applets the tests use.
func TestImage(t *testing.T) {
	w := New(t, "img")
	c := w.Run("probe", nil)
	out := w.Docker("exec", c, "sh", "-c", "ip -o link show lo && wget --help 2>&1 | head -1 && nc --help 2>&1 | head -1")
	if out == "" {
		t.Fatalf("no output from applets in %s", Image)
	}
}

func TestUniqueIDsAndNames(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := UniqueID()
		if seen[id] {
			t.Fatalf("UniqueID repeated %q", id)
		}
		seen[id] = true
	}
	w := &World{t: t, ID: UniqueID()}
	if n := w.IfName("tp"); len(n) > 15 {
		t.Errorf("IfName %q is longer than a link name may be", n)
	}
}

// The free subnets overlap nothing in use, and two picks differ.
func TestFreeSubnets(t *testing.T) {
	New(t, "sub") // needs the daemon to list its networks
	used := usedPrefixes(t)
	a, b := FreeSubnet4(t), FreeSubnet4(t)
	v6 := FreeSubnet6(t)
	if a == b {
		t.Errorf("two picks gave %s", a)
	}
	if !v6.Addr().Is6() || v6.Bits() != 64 || v6.Addr().As16()[0] != 0xfd {
		t.Errorf("FreeSubnet6 = %s, want a ULA /64", v6)
	}
	for _, p := range []netip.Prefix{a, b, v6} {
		for _, u := range used {
			if u.Overlaps(p) {
				t.Errorf("%s overlaps %s, in use", p, u)
			}
		}
	}
}
