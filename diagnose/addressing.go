package diagnose

import (
	"fmt"
	"net/netip"

	"github.com/netviz/netviz/topo"
)

func checkSubnets(s *topo.Snapshot) []Finding {
	type sub struct {
		net    *topo.Network
		prefix netip.Prefix
	}
	var subs []sub
	for i := range s.Networks {
		n := &s.Networks[i]
		if n.Driver != "bridge" {
			continue
		}
		for _, sn := range n.Subnets {
			if p, err := netip.ParsePrefix(sn.Subnet); err == nil {
				subs = append(subs, sub{n, p.Masked()})
			}
		}
	}
	var out []Finding
	for i := range subs {
		for j := i + 1; j < len(subs); j++ {
			if subs[i].net != subs[j].net && subs[i].prefix.Overlaps(subs[j].prefix) {
				out = append(out, Finding{ID: SubnetOverlap, Severity: topo.SeverityError, Subject: []topo.Ref{topo.NetworkRef(subs[i].net.Name), topo.NetworkRef(subs[j].net.Name)},
					Message: fmt.Sprintf("networks %q (%s) and %q (%s) overlap: the host cannot tell which bridge an address belongs to", subs[i].net.Name, subs[i].prefix, subs[j].net.Name, subs[j].prefix),
					Fix:     fmt.Sprintf("docker network rm %s and create it again with a free --subnet", subs[j].net.Name)})
			}
		}
		for _, r := range s.Routes {
			p, err := netip.ParsePrefix(r.Dst)
			if err != nil || r.Interface == subs[i].net.Bridge || !p.Masked().Overlaps(subs[i].prefix) {
				continue
			}
			if _, docker := dockerBridges(s)[r.Interface]; docker {
				continue // the other network's own route: reported above
			}
			out = append(out, Finding{ID: SubnetOverlap, Severity: topo.SeverityError, Subject: []topo.Ref{topo.NetworkRef(subs[i].net.Name), topo.RouteRef(routeName(r))},
				Message: fmt.Sprintf("network %q (%s) overlaps the host route %s: traffic for one of them goes to the wrong place (a VPN or LAN on the same range?)", subs[i].net.Name, subs[i].prefix, routeName(r)),
				Fix:     fmt.Sprintf("recreate %q with a --subnet outside %s, or set default-address-pools in /etc/docker/daemon.json", subs[i].net.Name, r.Dst)})
		}
	}
	return out
}

func routeName(r topo.Route) string {
	if r.Interface == "" {
		return r.Dst
	}
	return r.Dst + " dev " + r.Interface
}
