package pathfind

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netviz/netviz/topo"
)

// FindAcross follows a packet between two tasks of a cluster. SRC and DST
// are "NODE/CONTAINER", a container name or ID only one node has, or an
// address on an overlay network; DST may also be a Swarm service (name,
// ID prefix or VIP), followed to one of its tasks (cluster_service.go),
// and SRC a service, followed from one of its tasks (service_src.go).
// Two tasks on one node are followed by
// Find on that node's snapshot; tasks on two nodes, over the overlay
// network they share: the sending node's sandbox bridge and VXLAN
// device, its forwarding database's entry for the other node, the UDP hop
// between the nodes' VTEPs, then the receiving node's sandbox and task.
func FindAcross(c *topo.Cluster, src, dst string, o Options) (Result, error) {
	if o.Protocol == "" {
		o.Protocol = "tcp"
	}
	from, err := locate(c, src)
	if err != nil {
		// SRC may be a service: one of its tasks on an answering node sends.
		d, err := clusterService(c, src, err)
		if err != nil {
			return Result{}, err
		}
		snd, err := clusterSender(c, src, *d)
		if err != nil {
			return Result{}, err
		}
		return snd.follow(src, func(task string) (Result, error) { return FindAcross(c, task, dst, o) })
	}
	to, err := locate(c, dst)
	if err != nil {
		d, err := clusterService(c, dst, err)
		if err != nil {
			return Result{}, err
		}
		if o.Port == 0 {
			o.Port = 80
		}
		w := &walker{s: from.node.Snapshot, proto: o.Protocol, family: 4}
		w.serviceAcross(c, from, *d, o)
		return w.result(src, dst), nil
	}
	if from.node.Name == to.node.Name {
		r, err := Find(from.node.Snapshot, from.ctr.Name, to.ctr.Name, o)
		r.From, r.To = src, dst
		return r, err
	}
	w := &walker{s: from.node.Snapshot, proto: o.Protocol, family: 4}
	w.across(c, from, to)
	return w.result(src, dst), nil
}

// result is the walk's answer from src to dst.
func (w *walker) result(src, dst string) Result {
	r := Result{From: src, To: dst, Verdict: w.verdict, Hops: w.hops, Reason: w.reason}
	if r.Hops == nil {
		r.Hops = []Hop{}
	}
	return r
}

// task is a container on one node of a cluster.
type task struct {
	node *topo.ClusterNode
	ctr  *topo.Container
}

func (t task) label() string { return t.node.Name + "/" + t.ctr.Name }

// locate finds the task in names: "NODE/CONTAINER", a container only one
// node has, or an address of one.
func locate(c *topo.Cluster, in string) (task, error) {
	if node, name, ok := strings.Cut(in, "/"); ok {
		if n, found := c.Node(node); found {
			if !n.Answered() {
				return task{}, fmt.Errorf("%w %q: node %s %s", ErrUnknownEndpoint, in, n.Name, n.Error)
			}
			if ctr, found := n.Snapshot.Container(name); found {
				return task{n, ctr}, nil
			}
			return task{}, fmt.Errorf("%w %q: node %s has no container %q", ErrUnknownEndpoint, in, n.Name, name)
		}
	}
	addr, addrErr := netip.ParseAddr(in)
	isAddr := addrErr == nil
	var found []task
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if !n.Answered() {
			continue
		}
		if ctr, ok := n.Snapshot.Container(in); ok {
			found = append(found, task{n, ctr})
			continue
		}
		if isAddr {
			if ctr := byAddress(n.Snapshot, addr.Unmap()); ctr != nil {
				found = append(found, task{n, ctr})
			}
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		suffix := ""
		if un := c.Unanswered(); len(un) > 0 {
			suffix = fmt.Sprintf(" (but %d node(s) did not answer)", len(un))
		}
		return task{}, fmt.Errorf("%w %q: no node has it%s", ErrUnknownEndpoint, in, suffix)
	}
	var names []string
	for _, t := range found {
		names = append(names, t.label())
	}
	return task{}, fmt.Errorf("%w %q: %w, name one: %s", ErrUnknownEndpoint, in, errOnSeveral, strings.Join(names, ", "))
}

// errOnSeveral is locate's error for a name several nodes have: a
// container name, so never taken for a service.
var errOnSeveral = errors.New("on several nodes")

func byAddress(s *topo.Snapshot, a netip.Addr) *topo.Container {
	for i := range s.Containers {
		for _, ep := range s.Containers[i].Endpoints {
			if p, err := netip.ParsePrefix(ep.IPv4); err == nil && p.Addr() == a {
				return &s.Containers[i]
			}
		}
	}
	return nil
}

// sharedOverlay is the overlay network both tasks are on (not ingress,
// which carries the routing mesh, not task-to-task traffic), with each
// side's endpoint on it.
func sharedOverlay(c *topo.Cluster, from, to task) (*topo.ClusterOverlay, topo.Endpoint, topo.Endpoint, bool) {
	for i := range c.Overlays {
		ov := &c.Overlays[i]
		if ov.Ingress {
			continue
		}
		a, okA := endpointOn(from.ctr, ov)
		b, okB := endpointOn(to.ctr, ov)
		if okA && okB {
			return ov, a, b, true
		}
	}
	return nil, topo.Endpoint{}, topo.Endpoint{}, false
}

func endpointOn(c *topo.Container, ov *topo.ClusterOverlay) (topo.Endpoint, bool) {
	i := slices.IndexFunc(c.Endpoints, func(e topo.Endpoint) bool {
		return (ov.NetworkID != "" && e.NetworkID == ov.NetworkID) || (ov.NetworkID == "" && e.Network == ov.Network)
	})
	if i < 0 {
		return topo.Endpoint{}, false
	}
	return c.Endpoints[i], true
}
