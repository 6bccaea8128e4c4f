package dockertest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
)

// FreeSubnet4 is a /24 in 10.0.0.0/8 that no Docker network and no host
// route uses, for a test that must name its subnet (one it then overlaps on
// purpose, say). It is chosen at random, so concurrent runs do not pick the
// same one; a test that can let Docker choose should.
func FreeSubnet4(t testing.TB) netip.Prefix {
	t.Helper()
	return freeSubnet(t, func(b []byte) netip.Prefix {
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, b[0], b[1], 0}), 24)
	})
}

// FreeSubnet6 is a random unique local /64 (RFC 4193: fd00::/8 and a random
// 40-bit global ID) that no Docker network and no host route uses.
func FreeSubnet6(t testing.TB) netip.Prefix {
	t.Helper()
	return freeSubnet(t, func(b []byte) netip.Prefix {
		var a [16]byte
		a[0] = 0xfd
		copy(a[1:8], b[:7])
		return netip.PrefixFrom(netip.AddrFrom16(a), 64)
	})
}

func freeSubnet(t testing.TB, pick func([]byte) netip.Prefix) netip.Prefix {
	t.Helper()
	used := usedPrefixes(t)
	for range 64 {
		b := make([]byte, 8)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		p := pick(b)
		free := true
		for _, u := range used {
			if u.Overlaps(p) {
				free = false
				break
			}
		}
		if free {
			return p
		}
	}
	t.Fatalf("no free subnet after 64 tries among %d in use", len(used))
	return netip.Prefix{}
}

// usedPrefixes are the subnets of every Docker network and the
// destinations of the host's routes (IPv4 and IPv6), defaults left out.
func usedPrefixes(t testing.TB) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	add := func(s string) {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	ids, err := Docker("network", "ls", "-q")
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(ids); len(f) > 0 {
		for _, s := range strings.Fields(networkSubnets(t, f)) {
			add(s)
		}
	}
	for _, fam := range []string{"-4", "-6"} {
		b, err := exec.Command("ip", "-j", fam, "route", "show", "table", "all").Output()
		if err != nil {
			t.Fatalf("ip %s route: %v", fam, err)
		}
		var routes []struct {
			Dst string `json:"dst"`
		}
		if err := json.Unmarshal(b, &routes); err != nil {
			t.Fatalf("ip -j route: %v", err)
		}
		for _, r := range routes {
			if r.Dst != "default" {
				add(r.Dst)
			}
		}
	}
	return out
}

// networkSubnets is the subnets of the networks ids, as docker network
// inspect prints them. On a busy host a network listed a moment ago may be
// gone: docker prints the others and fails for it, which is no error here.
func networkSubnets(t testing.TB, ids []string) string {
	t.Helper()
	cmd := exec.Command("docker", append([]string{"network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"}, ids...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
			if !strings.Contains(l, "not found") && !strings.Contains(l, "No such network") {
				t.Fatalf("docker network inspect: %v: %s", err, stderr.String())
			}
		}
	}
	return stdout.String()
}
