package pathfind

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netviz/netviz/topo"
)

// Swarm services as a DST. People debugging a swarm name services, not
// task containers: "why can't this task reach db". A service name is
// resolved as Docker's embedded DNS resolves it for the sender — to the
// service's VIP on an overlay network the sender is attached to (or, in
// endpoint mode dnsrr, to its tasks' addresses) — and nothing when they
// share no network, the classic swarm misconfiguration.

// service is a Swarm service as the snapshots know it: its VIP and tasks
// on each network it is attached to.
type service struct {
	name, id string
	nets     []serviceNet // sorted by network name
}

// serviceNet is a service on one network.
type serviceNet struct {
	network, networkID string
	ingress            bool
	vip                netip.Addr // invalid in endpoint mode dnsrr
	tasks              []netip.Addr
}

// dnsrr reports whether the service has no VIP on the network: endpoint
// mode dnsrr, where Docker's DNS answers with the tasks' addresses.
func (n serviceNet) dnsrr() bool { return !n.vip.IsValid() }

// servicesOf gathers the services of snapshots (one node's, or every node
// of a cluster) by name: a service's tasks on one network are the union
// of what each node knows.
func servicesOf(snaps ...*topo.Snapshot) []service {
	byName := map[string]*service{}
	var order []string
	for _, s := range snaps {
		for _, o := range s.Overlays {
			for _, v := range o.Services {
				svc, ok := byName[v.Service]
				if !ok {
					svc = &service{name: v.Service}
					byName[v.Service] = svc
					order = append(order, v.Service)
				}
				svc.id = cmp.Or(svc.id, v.ServiceID)
				svc.add(o, v)
			}
		}
	}
	slices.Sort(order)
	out := make([]service, 0, len(order))
	for _, name := range order {
		svc := byName[name]
		slices.SortFunc(svc.nets, func(a, b serviceNet) int { return strings.Compare(a.network, b.network) })
		out = append(out, *svc)
	}
	return out
}

func (svc *service) add(o topo.Overlay, v topo.ServiceVIP) {
	i := slices.IndexFunc(svc.nets, func(n serviceNet) bool { return n.networkID == o.NetworkID })
	if i < 0 {
		n := serviceNet{network: o.Network, networkID: o.NetworkID, ingress: o.Ingress}
		if p, err := netip.ParsePrefix(v.VIP); err == nil && v.EndpointMode != topo.EndpointDNSRR {
			n.vip = p.Addr()
		} else if a, err := netip.ParseAddr(v.VIP); err == nil && v.EndpointMode != topo.EndpointDNSRR {
			n.vip = a
		}
		svc.nets = append(svc.nets, n)
		i = len(svc.nets) - 1
	}
	n := &svc.nets[i]
	for _, t := range v.Tasks {
		if a, err := netip.ParseAddr(t); err == nil && !slices.Contains(n.tasks, a) {
			n.tasks = append(n.tasks, a)
		}
	}
	slices.SortFunc(n.tasks, func(a, b netip.Addr) int { return a.Compare(b) })
}

// networkNames are the service's networks a container can be attached to
// (not the ingress, which only carries the routing mesh).
func (svc service) networkNames() []string {
	var out []string
	for _, n := range svc.nets {
		if !n.ingress {
			out = append(out, n.network)
		}
	}
	return out
}

// findService finds in as docker does: a service's name, its ID, or a
// prefix of its ID only one service has. ok is false when in names no
// service; err when the prefix is ambiguous.
func findService(all []service, in string) (service, bool, error) {
	if in == "" {
		return service{}, false, nil
	}
	for _, svc := range all {
		if svc.name == in || (svc.id != "" && svc.id == in) {
			return svc, true, nil
		}
	}
	var found []service
	for _, svc := range all {
		if svc.id != "" && strings.HasPrefix(svc.id, in) {
			found = append(found, svc)
		}
	}
	switch len(found) {
	case 0:
		return service{}, false, nil
	case 1:
		return found[0], true, nil
	}
	var names []string
	for _, svc := range found {
		names = append(names, svc.name)
	}
	return service{}, false, fmt.Errorf("%w %q: the ID prefix of several services, name one: %s", ErrUnknownEndpoint, in, strings.Join(names, ", "))
}

// serviceByVIP is the service whose VIP on some network is addr.
func serviceByVIP(all []service, addr netip.Addr) (service, serviceNet, bool) {
	for _, svc := range all {
		for _, n := range svc.nets {
			if n.vip.IsValid() && n.vip == addr.Unmap() {
				return svc, n, true
			}
		}
	}
	return service{}, serviceNet{}, false
}

// closeServices are the services whose names are near in: one contains
// the other, or a typo apart (one edit or swap for short names, two for
// longer). Cheap: a swarm has tens of services, not thousands.
func closeServices(all []service, in string) []string {
	var out []string
	for _, svc := range all {
		limit := 1
		if len(in) >= 6 {
			limit = 2
		}
		if strings.Contains(svc.name, in) || strings.Contains(in, svc.name) || editDistance(svc.name, in) <= limit {
			out = append(out, svc.name)
		}
	}
	return out
}

// editDistance counts insertions, deletions, substitutions and swaps of
// neighbours (optimal string alignment).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// unknownName is the error for a DST that is neither a container nor a
// service, with the services it may have meant.
func unknownName(base error, all []service, in string) error {
	if len(all) == 0 {
		return base
	}
	if near := closeServices(all, in); len(near) > 0 {
		return fmt.Errorf("%w; no service %q either (did you mean %s?)", base, in, strings.Join(near, ", "))
	}
	return fmt.Errorf("%w; no service %q either", base, in)
}

// sharedNet is the network of svc that Docker's DNS answers on for a
// container with endpoints eps: the first (by name) that both are on,
// never the ingress.
func sharedNet(svc service, eps []topo.Endpoint) (serviceNet, bool) {
	for _, n := range svc.nets {
		if n.ingress {
			continue
		}
		if slices.ContainsFunc(eps, func(e topo.Endpoint) bool {
			return (e.NetworkID != "" && e.NetworkID == n.networkID) || e.Network == n.network
		}) {
			return n, true
		}
	}
	return serviceNet{}, false
}

// notOnService is the reason a sender gets no answer for svc: it is on
// none of the service's networks.
func notOnService(sender string, svc service, vip netip.Addr) string {
	nets := svc.networkNames()
	where := "it is on no network a container can join (only the routing mesh's ingress: reach it by a published port)"
	if len(nets) > 0 {
		where = fmt.Sprintf("service %s is on %s; attach %s to one of them (docker network connect, or --network on its service)", svc.name, strings.Join(nets, ", "), sender)
	}
	if vip.IsValid() {
		return fmt.Sprintf("%s is service %s's VIP, but %s is on no network of service %s: the packet does not reach it; %s", vip, svc.name, sender, svc.name, where)
	}
	return fmt.Sprintf("%s is on no network of service %s, so Docker's DNS does not resolve %s for it; %s", sender, svc.name, svc.name, where)
}

// dnsHop is the sender's name lookup: Docker's embedded DNS answers a
// service name with its VIP, or in dnsrr mode with its tasks.
func dnsHop(w *walker, sender string, svc service, n serviceNet) {
	if n.dnsrr() {
		w.hop("DNS 127.0.0.11 (in "+sender+")", fmt.Sprintf("%s → %s: endpoint mode dnsrr, the tasks' addresses on overlay %s in round robin, no VIP", svc.name, addrList(n.tasks), n.network))
		return
	}
	w.hop("DNS 127.0.0.11 (in "+sender+")", fmt.Sprintf("%s → VIP %s on overlay %s, the network %s shares with it", svc.name, n.vip, n.network, sender))
}

func addrList(as []netip.Addr) string {
	if len(as) == 0 {
		return "no address"
	}
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// plural is "1 task", "2 tasks".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
