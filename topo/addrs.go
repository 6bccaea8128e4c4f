package topo

import "net/netip"

// GlobalAddrs drops IPv6 link-local addresses, which every IPv6-enabled
// link has and which say nothing about how containers are wired: the
// views leave them out, and diff does not report them changing.
func GlobalAddrs(addrs []string) []string {
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is6() && p.Addr().IsLinkLocalUnicast() {
			continue
		}
		out = append(out, a)
	}
	return out
}
