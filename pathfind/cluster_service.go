package pathfind

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netviz/netviz/topo"
)

// A service as DST across a cluster: the merged cluster knows every
// answering node's tasks, so the packet is followed from the VIP (or the
// DNS round robin) to one task and across to it. Which task IPVS picks is
// not knowable; netviz follows the first by node and name, and says so.

// clusterService resolves a DST that no node has as a container: a
// service's name, ID prefix or VIP, from what every answering node knows.
// notFound is locate's error, returned (with close service names) when
// DST is no service either.
func clusterService(c *topo.Cluster, dst string, notFound error) (*serviceDst, error) {
	if strings.Contains(dst, "/") || errors.Is(notFound, errOnSeveral) {
		return nil, notFound // NODE/CONTAINER, or containers' name: never a service
	}
	var snaps []*topo.Snapshot
	for i := range c.Nodes {
		if c.Nodes[i].Answered() {
			snaps = append(snaps, c.Nodes[i].Snapshot)
		}
	}
	all := servicesOf(snaps...)
	if a, err := netip.ParseAddr(dst); err == nil {
		if d := serviceAt(all, a); d != nil {
			return d, nil
		}
		return nil, notFound
	}
	return serviceNamed(all, dst, notFound)
}

// serviceTask is a task of the service, by address: where it is when an
// answering node has it, else the node another node's forwarding
// database sends its address to, if any.
type serviceTask struct {
	addr   netip.Addr
	at     task // at.ctr nil when no answering node has it
	silent string
}

// serviceAcross follows a packet from a task to a service of the cluster.
func (w *walker) serviceAcross(c *topo.Cluster, from task, d serviceDst, o Options) {
	if from.ctr.State != topo.StateRunning {
		w.block(fmt.Sprintf("%s is not running", from.label()))
		return
	}
	n, ok := w.pick(from.label(), from.ctr.Endpoints, d)
	if !ok {
		return
	}
	if len(n.tasks) == 0 {
		w.unknown(fmt.Sprintf("service %s has no task on overlay %s that any node knows of", d.svc.name, n.network))
		return
	}
	tasks := placeTasks(c, n)
	if len(tasks) > 1 { // the sender itself only when it is the one task
		tasks = slices.DeleteFunc(tasks, func(t serviceTask) bool { return t.at.ctr == from.ctr && t.at.node == from.node })
	}
	chosen := tasks[0]
	if chosen.at.ctr == nil {
		_ = w.hopBalance(from, d.svc, n, o.Port, chosen, tasks[1:])
		w.unknown(fmt.Sprintf("service %s's tasks (%s) are on no node that answered: %s; netviz cannot follow it there", d.svc.name, addrList(n.tasks), silentList(tasks)))
		return
	}
	if chosen.at.ctr == from.ctr && chosen.at.node == from.node {
		w.hop(from.label()+":lo", fmt.Sprintf("service %s's only task is %s itself (%s): delivered in its own namespace", d.svc.name, from.label(), chosen.addr))
		w.reach(fmt.Sprintf("service %s's only task is the sender itself: delivered back to %s (%s)", d.svc.name, from.label(), chosen.addr))
		return
	}
	choice := w.hopBalance(from, d.svc, n, o.Port, chosen, tasks[1:])
	if chosen.at.node == from.node {
		r, err := Find(from.node.Snapshot, from.ctr.Name, chosen.at.ctr.Name, o)
		if err != nil {
			w.unknown(err.Error())
			return
		}
		for _, h := range r.Hops {
			w.hop(from.node.Name+": "+h.At, h.Why)
		}
		if r.Verdict == Reachable {
			w.reach(fmt.Sprintf("to %s on the same node: %s", chosen.at.label(), r.Reason))
		} else {
			w.verdict, w.reason = r.Verdict, r.Reason
		}
	} else {
		w.across(c, from, chosen.at)
	}
	w.nameService(d.svc)
	if !strings.Contains(w.reason, choice) { // blocked or unknown on the way: another task may fare otherwise
		w.reason += " (" + choice + ")"
	}
}

// hopBalance is the hop where the task is chosen: IPVS in the sender's
// namespace for a VIP, the sender's resolver for dnsrr; the choice is
// marked unsure, with the tasks netviz did not follow, and returned.
func (w *walker) hopBalance(from task, svc service, n serviceNet, port int, chosen serviceTask, others []serviceTask) string {
	var rest []string
	for _, t := range others {
		rest = append(rest, t.label())
	}
	also := ""
	if len(rest) > 0 {
		also = " (the others: " + strings.Join(rest, ", ") + ")"
	}
	if n.dnsrr() {
		note := fmt.Sprintf("Docker's DNS answers service %s with its %s in round robin; netviz followed %s%s", svc.name, plural(len(n.tasks), "task address"), chosen.label(), also)
		w.unsure = append(w.unsure, note)
		return note
	}
	which := "one of " + plural(len(n.tasks), "task")
	if len(n.tasks) == 1 {
		which = "its only task"
	}
	w.hop("IPVS ("+from.label()+"'s namespace)", fmt.Sprintf("VIP %s:%d of service %s → %s, %s", n.vip, port, svc.name, chosen.label(), which))
	note := fmt.Sprintf("IPVS in %s's namespace, which netviz does not read, picks one of service %s's %s; netviz followed %s%s", from.label(), svc.name, plural(len(n.tasks), "task"), chosen.label(), also)
	w.unsure = append(w.unsure, note)
	return note
}

func (t serviceTask) label() string {
	switch {
	case t.at.ctr != nil:
		return t.at.label() + " (" + t.addr.String() + ")"
	case t.silent != "":
		return t.addr.String() + " on " + t.silent
	}
	return t.addr.String() + " on no node netviz knows"
}

// placeTasks finds each task address of n on the answering nodes; the
// placed ones first, by node then container name, then the rest by
// address.
func placeTasks(c *topo.Cluster, n serviceNet) []serviceTask {
	var out []serviceTask
	for _, a := range n.tasks {
		t := serviceTask{addr: a}
		for i := range c.Nodes {
			node := &c.Nodes[i]
			if !node.Answered() {
				continue
			}
			if ctr := byAddressOn(node.Snapshot, n, a); ctr != nil {
				t.at = task{node, ctr}
				break
			}
		}
		if t.at.ctr == nil {
			t.silent = silentNode(c, n, a)
		}
		out = append(out, t)
	}
	slices.SortStableFunc(out, func(a, b serviceTask) int {
		if (a.at.ctr == nil) != (b.at.ctr == nil) {
			if a.at.ctr == nil {
				return 1
			}
			return -1
		}
		if a.at.ctr == nil {
			return a.addr.Compare(b.addr)
		}
		return cmp.Or(strings.Compare(a.at.node.Name, b.at.node.Name), strings.Compare(a.at.ctr.Name, b.at.ctr.Name))
	})
	return out
}

// byAddressOn is the container with addr on network n.
func byAddressOn(s *topo.Snapshot, n serviceNet, addr netip.Addr) *topo.Container {
	for i := range s.Containers {
		for _, ep := range s.Containers[i].Endpoints {
			if ep.NetworkID != n.networkID && ep.Network != n.network {
				continue
			}
			if p, err := netip.ParsePrefix(ep.IPv4); err == nil && p.Addr() == addr {
				return &s.Containers[i]
			}
		}
	}
	return nil
}

// silentNode names the node an answering node's forwarding database sends
// addr to, and why it told nothing itself: "node3, which did not answer
// (refused)"; "" when no node names it.
func silentNode(c *topo.Cluster, n serviceNet, addr netip.Addr) string {
	for i := range c.Nodes {
		if !c.Nodes[i].Answered() {
			continue
		}
		for _, o := range c.Nodes[i].Snapshot.Overlays {
			if o.NetworkID != n.networkID {
				continue
			}
			for _, p := range o.Peers {
				if slices.Contains(p.IPs, addr.String()) {
					return describeVTEP(c, p.VTEP)
				}
			}
		}
	}
	return ""
}

func describeVTEP(c *topo.Cluster, vtep string) string {
	for _, node := range c.Nodes {
		if node.Addr != vtep && (node.Snapshot == nil || node.Snapshot.Swarm == nil || node.Snapshot.Swarm.Addr != vtep) {
			continue
		}
		if !node.Answered() && strings.HasPrefix(node.Error, "did not answer") {
			return node.Name + ", which " + node.Error
		}
		if !node.Answered() {
			return fmt.Sprintf("%s, which did not answer (%s)", node.Name, node.Error)
		}
		return node.Name + ", which does not list it"
	}
	return "the node at " + vtep + ", which netviz did not ask"
}

// silentList says where the unplaced tasks are.
func silentList(tasks []serviceTask) string {
	var out []string
	for _, t := range tasks {
		out = append(out, t.label())
	}
	return strings.Join(out, ", ")
}
