package inspect

import (
	"fmt"

	"github.com/netviz/netviz/topo"
)

// ContainerNetworks says whether the container with ID id was running at
// the last read, and the IDs of the networks it was on. A container the
// last read did not find is not running and on no network.
func (t *Tracker) ContainerNetworks(id string) (networks []string, running bool) {
	if t.f == nil {
		return nil, false
	}
	for _, c := range t.f.containers {
		if c.ID != id {
			continue
		}
		for _, e := range c.Endpoints {
			if e.NetworkID != "" {
				networks = append(networks, e.NetworkID)
			}
		}
		return networks, c.PID > 0
	}
	return nil, false
}

// Unsettled names what the last read found of the host namespace half-way
// between two states, as things the kernel or a runtime is about to
// change: "pair vethA/vethB" for a veth pair with both ends in the host
// namespace, "bridge docker0 carrier" for a bridge whose state disagrees
// with its ports', "container web stopping" for a container the runtime
// said runs whose process was gone when its namespace was read.
//
// The first is the state a container runtime's work passes through:
// Docker makes a container's pair in the host namespace, puts one end on
// the bridge, and moves the other into the container's namespace only
// when the container's process is created, a few hundred milliseconds
// later; when the container stops it moves that end back before deleting
// both. The second is the kernel's: it turns a bridge's carrier off when
// its last port went, or on when the first came up, a moment after
// (link watch events are deferred). A live view that shows either shows
// an interface about to go or a state about to flip. A pair someone made
// to stay in the host, or a bridge with spanning tree holding its ports,
// looks the same: that is for the caller to tell, by how long it lasts.
// The third is a container read between its process's end and the
// runtime's noticing it: listed as running, with no interface. The
// runtime's die follows. The fourth, "veth X into a namespace no container
// holds", is a container's pair made and moved before the runtime has
// said the container exists; an orphan veth looks the same, and lasts.
func (t *Tracker) Unsettled() []string {
	if t.f == nil {
		return nil
	}
	var out []string
	for _, w := range t.f.warnings {
		if w.Code == "container-gone" {
			out = append(out, fmt.Sprintf("container %s stopping", w.Subject))
		}
	}
	if t.f.host == nil {
		return out
	}
	links := t.f.host.Namespace.Links
	byIndex := make(map[int]*Link, len(links))
	portUp := map[int]bool{} // bridge ifindex → a port is up
	for i := range links {
		l := &links[i]
		byIndex[l.Index] = l
		if l.MasterIndex > 0 && l.OperState == "up" {
			portUp[l.MasterIndex] = true
		}
	}
	// The nsids of the namespaces the runtime's containers and Docker's
	// own sandboxes hold: a host veth into any other is the runtime's work
	// under way, for a container whose events have not come yet (on a
	// busy host another container's event may have us read it first), or
	// an orphan, which lasts.
	owned := map[int]bool{}
	claimed := map[NSRef]bool{}
	for _, ref := range t.f.refOf {
		claimed[ref] = true
	}
	for ref, nf := range t.f.namespaces {
		if nf.NsID >= 0 && (claimed[ref] || nf.Docker != nil) {
			owned[nf.NsID] = true
		}
	}
	for i := range links {
		l := &links[i]
		switch {
		case l.Kind == topo.KindVeth && l.LinkNetNsID >= 0 && !owned[l.LinkNetNsID]:
			out = append(out, fmt.Sprintf("veth %s into a namespace no container holds", l.Name))
		case l.Kind == topo.KindVeth && l.LinkNetNsID < 0 && l.ParentIndex > l.Index:
			p, ok := byIndex[l.ParentIndex]
			if ok && p.Kind == topo.KindVeth && p.LinkNetNsID < 0 && p.ParentIndex == l.Index {
				out = append(out, fmt.Sprintf("pair %s/%s", l.Name, p.Name))
			}
		case l.Kind == topo.KindBridge && l.Up && !l.STP && (l.OperState == "up" || l.OperState == "down"):
			if (l.OperState == "up") != portUp[l.Index] {
				out = append(out, fmt.Sprintf("bridge %s carrier", l.Name))
			}
		}
	}
	return out
}
