package pathfind

import (
	"fmt"
	"net/netip"

	"github.com/netviz/netviz/topo"
)

func sysctl(s *topo.Snapshot, name string) string { return s.Sysctls[name] }

func (w *walker) forwarding() bool {
	if w.family == 6 {
		if sysctl(w.s, topo.SysctlIPv6Forward) == "0" {
			w.hop("routing", "net.ipv6.conf.all.forwarding = 0")
			w.block("the host does not forward IPv6 packets (net.ipv6.conf.all.forwarding = 0)")
			return false
		}
		return true
	}
	if sysctl(w.s, topo.SysctlIPForward) == "0" {
		w.hop("routing", "net.ipv4.ip_forward = 0")
		w.block("the host does not forward packets (net.ipv4.ip_forward = 0)")
		return false
	}
	return true
}

func (w *walker) hopHostRoute(dst netip.Addr) {
	r, ok := lookup(w.s.Routes, dst)
	if !ok {
		if len(w.s.Routes) > 0 {
			w.hop("routing", "no route")
			w.block(fmt.Sprintf("the host has no route to %s", dst))
		}
		return
	}
	w.hop("routing", routeText(r))
}

func (w *walker) bridgeNetwork(iface string) (*topo.Network, bool) {
	for i := range w.s.Networks {
		if w.s.Networks[i].Bridge == iface && iface != "" {
			return &w.s.Networks[i], true
		}
	}
	return nil, false
}

// firstAddr is the first address of an IP family (4 or 6, not link-local)
// of a host interface.
func firstAddr(s *topo.Snapshot, iface string, family int) string {
	if i, ok := s.HostInterface(iface); ok {
		for _, a := range i.Addresses {
			if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is4() == (family == 4) && !p.Addr().IsLinkLocalUnicast() {
				return p.Addr().String()
			}
		}
	}
	return iface + "'s address"
}

// lookup is a longest-prefix match over IPv4 or IPv6 routes.
func lookup(routes []topo.Route, dst netip.Addr) (topo.Route, bool) {
	var (
		best topo.Route
		bits = -1
	)
	fam := 4
	if !dst.Is4() {
		fam = 6
	}
	for _, r := range routes {
		if r.Family != fam {
			continue
		}
		var p netip.Prefix
		if r.Dst == "default" {
			p = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
			if fam == 6 {
				p = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
			}
		} else {
			var err error
			if p, err = netip.ParsePrefix(r.Dst); err != nil {
				a, err := netip.ParseAddr(r.Dst)
				if err != nil {
					continue
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if p.Masked().Contains(dst) && (p.Bits() > bits || p.Bits() == bits && r.Metric < best.Metric) {
			best, bits = r, p.Bits()
		}
	}
	return best, bits >= 0
}

func routeText(r topo.Route) string {
	s := "route " + r.Dst
	if r.Gateway != "" {
		s += " via " + r.Gateway
	}
	if r.Interface != "" {
		s += " dev " + r.Interface
	}
	return s
}
