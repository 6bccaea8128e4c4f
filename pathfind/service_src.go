package pathfind

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netviz/netviz/topo"
)

// Swarm services as a SRC. "Can api reach db" is a question about the
// service's tasks: any of them may send. netviz follows one, chosen
// deterministically (a running one first, then by node and name), and
// names it and the others, so the answer is about a container the user
// can enter. A SRC is a service only when it names no container (a
// container wins, as on the DST side); it is resolved with the DST side's
// code (serviceNamed, serviceAt, clusterService).

// sender is the task a service SRC was taken as.
type sender struct {
	svc    string
	task   string   // the container followed: its name, NODE/CONTAINER across a cluster
	others []string // the service's other tasks, labelled with their address
	hop    Hop      // the first hop: which task sends, and which do not
}

// srcService resolves SRC as a service on one node when it names no
// container: in is SRC, from and err what resolve made of it. nil, nil
// leaves SRC as resolve placed it (a container, the host, an address
// that is no VIP).
func srcService(s *topo.Snapshot, in string, from endpoint, err error) (*serviceDst, error) {
	if err != nil {
		return serviceNamed(servicesOf(s), in, err)
	}
	if from.container == nil && !from.host && from.addr.IsValid() {
		return serviceAt(servicesOf(s), from.addr), nil
	}
	return nil, nil
}

// srcNets are the networks whose tasks may send for d: the VIP's network
// when SRC was a VIP, else every network of the service, the ingress last
// (a task only published through the routing mesh still sends, but its
// address on another network is the one its peers know).
func srcNets(d serviceDst) []serviceNet {
	if d.vip != nil {
		return []serviceNet{*d.vip}
	}
	nets := slices.Clone(d.svc.nets)
	slices.SortStableFunc(nets, func(a, b serviceNet) int {
		switch {
		case a.ingress == b.ingress:
			return 0
		case a.ingress:
			return 1
		}
		return -1
	})
	return nets
}

// sentBy is a task that may send for a service: where it is, and its
// address on the first of the service's networks it was found on.
type sentBy struct {
	at   task // at.node nil on one node
	addr netip.Addr
}

func (t sentBy) name() string {
	if t.at.node == nil {
		return t.at.ctr.Name
	}
	return t.at.label()
}

func (t sentBy) label() string { return t.name() + " (" + t.addr.String() + ")" }

// bySender orders tasks as netviz chooses among them: running ones first
// (a stopped task sends nothing), then by node, then by name.
func bySender(a, b sentBy) int {
	ra, rb := a.at.ctr.State == topo.StateRunning, b.at.ctr.State == topo.StateRunning
	if ra != rb {
		if ra {
			return -1
		}
		return 1
	}
	var na, nb string
	if a.at.node != nil {
		na, nb = a.at.node.Name, b.at.node.Name
	}
	return cmp.Or(strings.Compare(na, nb), strings.Compare(a.at.ctr.Name, b.at.ctr.Name))
}

// localSender is the task of d on this node that sends, with the service's
// other tasks here; an unknown-endpoint error naming where the tasks are
// when none runs here.
func localSender(s *topo.Snapshot, in string, d serviceDst) (sender, error) {
	var local []sentBy
	var remote []netip.Addr
	var vteps []string
	for _, n := range srcNets(d) {
		for _, a := range n.tasks {
			ctr := byAddressOn(s, n, a)
			if ctr == nil {
				if !slices.Contains(remote, a) {
					remote = append(remote, a)
				}
				if v := vtepOf(s, n, a); v != "" && !slices.Contains(vteps, v) {
					vteps = append(vteps, v)
				}
				continue
			}
			if !slices.ContainsFunc(local, func(t sentBy) bool { return t.at.ctr == ctr }) {
				local = append(local, sentBy{at: task{ctr: ctr}, addr: a})
			}
		}
	}
	if len(local) == 0 {
		where := "on no node this node knows of"
		if len(vteps) > 0 {
			slices.Sort(vteps)
			where = "on the node(s) at " + strings.Join(vteps, ", ") + " (this node's VXLAN forwarding database)"
		}
		if len(remote) == 0 {
			return sender{}, fmt.Errorf("%w %q: service %s has no task that this node knows of (scaled to 0, or none running)", ErrUnknownEndpoint, in, d.svc.name)
		}
		return sender{}, fmt.Errorf("%w %q: service %s has no task on this node; its tasks (%s) are %s: netviz cluster path %s DST follows one of them",
			ErrUnknownEndpoint, in, d.svc.name, addrList(remote), where, in)
	}
	slices.SortFunc(local, bySender)
	var elsewhere string
	if len(remote) > 0 {
		elsewhere = fmt.Sprintf("; its %s on other nodes (%s) netviz cluster path follows", plural(len(remote), "task"), addrList(remote))
	}
	return newSender(d.svc.name, local, nil, "on this node", elsewhere), nil
}

// newSender takes the first of tasks (sorted by bySender) as the sender;
// silent are the tasks on nodes that did not answer, labelled; where says
// which tasks were looked at; more is added to the hop's explanation.
func newSender(svc string, tasks []sentBy, silent []string, where, more string) sender {
	snd := sender{svc: svc, task: tasks[0].name()}
	for _, t := range tasks[1:] {
		snd.others = append(snd.others, t.label())
	}
	snd.others = append(snd.others, silent...)
	which := fmt.Sprintf("the first of its %s %s", plural(len(tasks), "task"), where)
	if len(tasks) == 1 {
		which = "its only task " + where
	}
	if tasks[0].at.ctr.State != topo.StateRunning {
		which += ", none of them running"
	}
	why := fmt.Sprintf("SRC is service %s: netviz follows its task %s, %s", svc, tasks[0].label(), which)
	if len(snd.others) > 0 {
		why += " (the others: " + strings.Join(snd.others, ", ") + ")"
	}
	snd.hop = Hop{At: "service " + svc, Why: why + more}
	return snd
}

// vtepOf is the node address this node's forwarding database sends addr
// on network n to, or "".
func vtepOf(s *topo.Snapshot, n serviceNet, addr netip.Addr) string {
	for _, o := range s.Overlays {
		if o.NetworkID != n.networkID && o.Network != n.network {
			continue
		}
		for _, p := range o.Peers {
			if slices.Contains(p.IPs, addr.String()) {
				return p.VTEP
			}
		}
	}
	return ""
}

// clusterSender is the task of d on the answering nodes that sends, with
// the service's other tasks (those on nodes that did not answer named as
// such); an unknown-endpoint error when no answering node has one.
func clusterSender(c *topo.Cluster, in string, d serviceDst) (sender, error) {
	var placed []sentBy
	var silent []string
	for _, n := range srcNets(d) {
		for _, t := range placeTasks(c, n) {
			if t.at.ctr == nil {
				if l := t.label(); !slices.Contains(silent, l) {
					silent = append(silent, l)
				}
				continue
			}
			if !slices.ContainsFunc(placed, func(p sentBy) bool { return p.at.ctr == t.at.ctr && p.at.node == t.at.node }) {
				placed = append(placed, sentBy{at: t.at, addr: t.addr})
			}
		}
	}
	if len(placed) == 0 {
		if len(silent) == 0 {
			return sender{}, fmt.Errorf("%w %q: service %s has no task that any node knows of (scaled to 0, or none running)", ErrUnknownEndpoint, in, d.svc.name)
		}
		return sender{}, fmt.Errorf("%w %q: service %s has no task on a node that answered: %s", ErrUnknownEndpoint, in, d.svc.name, strings.Join(silent, ", "))
	}
	slices.SortFunc(placed, bySender)
	return newSender(d.svc.name, placed, silent, "by node and name", ""), nil
}

// follow walks from the sender's task with find and makes the result the
// answer for SRC: the first hop says which task sent, the reason and the
// JSON name it.
func (snd sender) follow(src string, find func(task string) (Result, error)) (Result, error) {
	r, err := find(snd.task)
	if err != nil {
		return Result{}, err
	}
	r.From = src
	r.FromService, r.FromTask, r.FromOtherTasks = snd.svc, snd.task, snd.others
	r.Hops = append([]Hop{snd.hop}, r.Hops...)
	r.Reason = fmt.Sprintf("from service %s's task %s: %s", snd.svc, snd.task, r.Reason)
	return r, nil
}
