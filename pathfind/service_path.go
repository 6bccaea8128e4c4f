package pathfind

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netviz/netviz/topo"
)

// serviceDst is a DST that is a Swarm service: by name (vip unset, the
// network is the one the sender shares with it) or by one of its VIPs.
type serviceDst struct {
	svc service
	vip *serviceNet
}

// serviceNamed resolves a DST that is no container or address as a
// service; notFound is the error to return, with close service names,
// when it is none either.
func serviceNamed(all []service, in string, notFound error) (*serviceDst, error) {
	svc, ok, err := findService(all, in)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, unknownName(notFound, all, in)
	}
	return &serviceDst{svc: svc}, nil
}

// serviceAt is the service whose VIP addr is, or nil.
func serviceAt(all []service, addr netip.Addr) *serviceDst {
	svc, n, ok := serviceByVIP(all, addr)
	if !ok {
		return nil
	}
	return &serviceDst{svc: svc, vip: &n}
}

// pick is the network Docker's DNS answers on for a sender with endpoints
// eps, or the VIP's network when the sender is on it; false with the
// verdict given when the sender is on none of the service's networks.
func (w *walker) pick(sender string, eps []topo.Endpoint, d serviceDst) (serviceNet, bool) {
	if d.vip != nil {
		if slices.ContainsFunc(eps, func(e topo.Endpoint) bool { return e.NetworkID == d.vip.networkID || e.Network == d.vip.network }) {
			return *d.vip, true
		}
		w.hop(sender, fmt.Sprintf("%s is service %s's VIP on overlay %s, a network %s is not attached to", d.vip.vip, d.svc.name, d.vip.network, sender))
		w.block(notOnService(sender, d.svc, d.vip.vip))
		return serviceNet{}, false
	}
	n, ok := sharedNet(d.svc, eps)
	if !ok {
		w.hop("DNS 127.0.0.11 (in "+sender+")", fmt.Sprintf("%s → no answer: %s shares no network with service %s", d.svc.name, sender, d.svc.name))
		w.block(notOnService(sender, d.svc, netip.Addr{}))
		return serviceNet{}, false
	}
	dnsHop(w, sender, d.svc, n)
	return n, true
}

// toService follows a packet from a container of this node to a service:
// through its VIP (IPVS in the sender's namespace, then toVIP) or, in
// dnsrr mode, to one of the addresses Docker's DNS answers with.
func (w *walker) toService(from endpoint, d serviceDst, port int) {
	if from.container == nil {
		w.hop(from.label(), "not a container: no Docker DNS to ask for "+d.svc.name)
		w.unknown(fmt.Sprintf("Docker's DNS resolves service %s inside containers only; from %s give its VIP or a port it publishes", d.svc.name, from.label()))
		return
	}
	if from.container.State != topo.StateRunning {
		w.block(fmt.Sprintf("%s is not running", from.container.Name))
		return
	}
	n, ok := w.pick(from.container.Name, from.container.Endpoints, d)
	if !ok {
		return
	}
	if len(n.tasks) == 0 {
		w.unknown(fmt.Sprintf("service %s has no task on overlay %s that this node knows of (scaled to 0, or none running): nothing answers for it", d.svc.name, n.network))
		return
	}
	if !n.dnsrr() {
		if len(n.tasks) == 1 && owns(from.container, n.tasks[0]) {
			w.hop("IPVS ("+from.container.Name+"'s namespace)", fmt.Sprintf("VIP %s:%d of service %s: its only task is %s itself (%s)", n.vip, port, d.svc.name, from.container.Name, n.tasks[0]))
			w.hop(from.container.Name+":lo", "delivered in its own namespace")
			w.reach(fmt.Sprintf("service %s's only task is the sender itself: IPVS delivers it back to %s (%s)", d.svc.name, from.container.Name, n.tasks[0]))
			return
		}
		w.hop("IPVS ("+from.container.Name+"'s namespace)", fmt.Sprintf("VIP %s:%d of service %s: balanced over its %s on %s: %s", n.vip, port, d.svc.name, plural(len(n.tasks), "task"), n.network, addrList(n.tasks)))
		w.run(from, endpoint{addr: n.vip, port: port})
		w.nameService(d.svc)
		return
	}
	// A task of this node first (that is what netviz can follow to the
	// end), the sender itself only when it is the one task.
	pick := n.tasks[0]
	local := w.localTasks(n, from.container)
	if len(local) > 0 && (local[0].ctr != from.container || len(n.tasks) == 1) {
		pick = local[0].addr
	} else if i := slices.IndexFunc(n.tasks, func(a netip.Addr) bool { return !owns(from.container, a) }); i >= 0 {
		pick = n.tasks[i]
	}
	choice := fmt.Sprintf("Docker's DNS answers service %s with its %s in round robin and netviz followed %s", d.svc.name, plural(len(n.tasks), "task address"), pick)
	w.unsure = append(w.unsure, choice)
	to, _ := resolve(w.s, pick.String())
	to.port = port
	w.run(from, to)
	w.nameService(d.svc)
	if !strings.Contains(w.reason, choice) {
		w.reason += " (" + choice + ")"
	}
}

// nameService makes sure the reason names the service the user asked for.
func (w *walker) nameService(svc service) {
	if w.done() && !strings.Contains(w.reason, "service "+svc.name) {
		w.reason = "to service " + svc.name + ": " + w.reason
	}
}

// localTask is a task of a service on this node.
type localTask struct {
	ctr  *topo.Container
	att  attachment
	addr netip.Addr
}

// localTasks are the service's tasks on this node on network n, sorted by
// name, the sender last (IPVS may pick it too, but another is the
// question the user asks).
func (w *walker) localTasks(n serviceNet, sender *topo.Container) []localTask {
	var out []localTask
	for i := range w.s.Containers {
		c := &w.s.Containers[i]
		for _, a := range w.attachments(c) {
			if (a.network.ID == n.networkID || a.network.Name == n.network) && slices.Contains(n.tasks, a.addr) {
				out = append(out, localTask{c, a, a.addr})
			}
		}
	}
	slices.SortFunc(out, func(a, b localTask) int {
		if (a.ctr == sender) != (b.ctr == sender) {
			if a.ctr == sender {
				return 1
			}
			return -1
		}
		return strings.Compare(a.ctr.Name, b.ctr.Name)
	})
	return out
}

// viaVIP follows the packet IPVS balanced from the sender's namespace over
// the service's tasks: to one on this node (the sandbox's bridge delivers
// it), or out by VXLAN when every task is elsewhere.
func (w *walker) viaVIP(src *topo.Container, o *topo.Overlay, v topo.ServiceVIP) {
	n := serviceNet{network: o.Network, networkID: o.NetworkID}
	for _, t := range v.Tasks {
		if a, err := netip.ParseAddr(t); err == nil {
			n.tasks = append(n.tasks, a)
		}
	}
	local := w.localTasks(n, src)
	if len(n.tasks) > 1 {
		// The sender itself only when it is the service's one task.
		local = slices.DeleteFunc(local, func(t localTask) bool { return t.ctr == src })
	}
	if len(local) == 0 {
		w.hop(o.NamespaceName+":"+o.VXLAN.Name, fmt.Sprintf("VXLAN VNI %d: service %s's tasks (%s) are on other nodes", o.VXLAN.VNI, v.Service, strings.Join(v.Tasks, ", ")))
		w.unknown(fmt.Sprintf("service %s has no task on this node: IPVS in %s's namespace sends it by VXLAN to one of %s on other nodes; beyond this node netviz cannot see (netviz cluster path follows it)", v.Service, src.Name, strings.Join(v.Tasks, ", ")))
		return
	}
	t := local[0]
	var others []string
	for _, a := range n.tasks {
		if a != t.addr {
			others = append(others, a.String())
		}
	}
	vip := strings.Split(v.VIP, "/")[0]
	if len(others) == 0 {
		w.unsure = append(w.unsure, fmt.Sprintf("%s is service %s's VIP: IPVS in %s's namespace, which netviz does not read, balances it to the service's one task %s", vip, v.Service, src.Name, t.addr))
	} else {
		w.unsure = append(w.unsure, fmt.Sprintf("%s is service %s's VIP: IPVS in %s's namespace, which netviz does not read, picks one of %d tasks; netviz followed %s (the others: %s)", vip, v.Service, src.Name, len(n.tasks), t.addr, strings.Join(others, ", ")))
	}
	if w.outOfSandbox(t.ctr.Name, t.att) {
		w.reach(fmt.Sprintf("to task %s (%s) of service %s, on this node", t.ctr.Name, t.addr, v.Service))
	}
}

// owns reports whether addr is one of c's endpoint addresses.
func owns(c *topo.Container, addr netip.Addr) bool {
	return slices.ContainsFunc(c.Endpoints, func(e topo.Endpoint) bool {
		p, err := netip.ParsePrefix(e.IPv4)
		return err == nil && p.Addr() == addr
	})
}
