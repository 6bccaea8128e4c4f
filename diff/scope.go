package diff

import (
	"net/netip"
	"strings"

	"github.com/netviz/netviz/topo"
)

// scope is what two filtered views show, so that the lists a filter keeps
// whole — the host's routes and firewall rules — are narrowed to them: a
// route through one of their host links, a rule that names one of their
// links or an address in one of their networks, or that names none at all
// (Docker's jumps to its chains concern everyone).
type scope struct {
	links   map[string]bool
	subnets []netip.Prefix
}

func newScope(views ...*topo.Snapshot) *scope {
	sc := &scope{links: map[string]bool{}}
	for _, s := range views {
		for _, i := range s.Interfaces {
			sc.links[i.Name] = true
		}
		for _, b := range s.Bridges {
			sc.links[b.Name] = true
		}
		for _, n := range s.Networks {
			for _, sub := range n.Subnets {
				if p, err := netip.ParsePrefix(sub.Subnet); err == nil {
					sc.subnets = append(sc.subnets, p.Masked())
				}
			}
		}
		for _, c := range s.Containers {
			for _, e := range c.Endpoints {
				for _, a := range append([]string{e.IPv4}, e.IPv6...) {
					if p, err := netip.ParsePrefix(a); err == nil {
						sc.subnets = append(sc.subnets, netip.PrefixFrom(p.Addr(), p.Addr().BitLen()))
					}
				}
			}
		}
	}
	return sc
}

// route reports whether a host route is about the views; every route is
// when there is no scope.
func (sc *scope) route(r topo.Route) bool {
	return sc == nil || r.Interface == "" || sc.links[r.Interface]
}

// rule reports whether a firewall rule is about the views.
func (sc *scope) rule(r topo.Rule) bool {
	if sc == nil {
		return true
	}
	named := false
	for _, dev := range []string{r.In, r.Out} {
		if dev != "" {
			named = true
			if sc.links[strings.TrimPrefix(dev, "!")] {
				return true
			}
		}
	}
	for _, a := range []string{r.Dest, r.Source, r.ToDestination} {
		if a == "" {
			continue
		}
		named = true
		if sc.overlaps(ruleAddr(a), a) {
			return true
		}
	}
	return !named
}

// overlaps reports whether an address or prefix from a rule overlaps the
// views' networks and containers.
func (sc *scope) overlaps(addr, raw string) bool {
	p, err := netip.ParsePrefix(strings.TrimPrefix(raw, "!"))
	if err != nil {
		a, aerr := netip.ParseAddr(addr)
		if aerr != nil {
			return false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	for _, s := range sc.subnets {
		if s.Overlaps(p) {
			return true
		}
	}
	return false
}
