package explain

import (
	"fmt"
	"path"
	"strconv"

	"github.com/netviz/netviz/topo"
)

// DockerNetnsDir is where Docker keeps the namespaces of its own on a Swarm
// node (overlay sandboxes, ingress_sbox, lb_<netid>): <exec-root>/netns
// with the default exec root. No process holds them, so nsenter enters them
// by file, not by PID, and `ip netns` does not list them.
const DockerNetnsDir = "/var/run/docker/netns"

// inDockerNamespace enters one of Docker's own namespaces by its file.
func (e *Explainer) inDockerNamespace(ns *topo.Namespace) (where, bool) {
	if ns == nil || ns.Role == "" || ns.Name == "" || e.noKernel {
		return where{}, false
	}
	return where{argv: []string{"nsenter", "--net=" + path.Join(e.netnsDir(), ns.Name)}, label: "in Docker's namespace " + ns.Name}, true
}

// netnsDir is where the snapshot's daemon keeps its own namespaces.
func (e *Explainer) netnsDir() string {
	if sw := e.s.Swarm; sw != nil && sw.NetnsDir != "" {
		return sw.NetnsDir
	}
	return DockerNetnsDir
}

// dockerNamespace lists one of Docker's own namespaces: the directory they
// are in, and every link and address inside.
func (e *Explainer) dockerNamespace(ns *topo.Namespace) []Command {
	w, ok := e.inDockerNamespace(ns)
	if !ok {
		return nil
	}
	expect := firstLink(ns)
	return []Command{
		cmd("Docker's own namespaces on a Swarm node, which no process holds and ip netns does not list: 1-<netid> per overlay, ingress_sbox, lb_<netid>",
			ns.Name, "ls", e.netnsDir()),
		w.cmd("every link and address "+w.label, expect, "ip", "addr"),
	}
}

// Overlay is an overlay network's part on this node: the VXLAN device in
// its sandbox with the VNI and port, the forwarding database that sends
// each remote container's MAC to its node, the neighbour entries, and
// Docker's verbose view with the peers.
func (e *Explainer) Overlay(o topo.Overlay) []Command {
	var out []Command
	ns, _ := e.s.Namespace(o.Namespace)
	w, ok := e.inDockerNamespace(ns)
	if ok && o.VXLAN.Name != "" {
		vx := o.VXLAN.Name
		out = append(out, w.cmd(fmt.Sprintf("the tunnel device %s: 'vxlan id %d' is the VNI, 'dstport %d' the UDP port, mtu %d",
			w.label, o.VXLAN.VNI, o.VXLAN.Port, o.VXLAN.MTU), "vxlan id "+strconv.Itoa(o.VXLAN.VNI), "ip", "-d", "link", "show", "dev", vx))
		first, firstIP := "", ""
		if len(o.Peers) > 0 {
			first = "dst " + o.Peers[0].VTEP
			if len(o.Peers[0].IPs) > 0 {
				firstIP = o.Peers[0].IPs[0]
			}
		}
		out = append(out,
			w.cmd("the tunnel's forwarding database: each remote container's MAC with 'dst' the node it lives on (the remote VTEPs)",
				first, "bridge", "fdb", "show", "dev", vx),
			w.cmd("the neighbour entries Docker programs: each remote container's overlay address with its MAC (PERMANENT)",
				firstIP, "ip", "neigh", "show", "dev", vx))
		if o.Bridge != "" {
			out = append(out, w.cmd("the sandbox's bridge and its ports: "+vx+" and one veth per container or load balancer on the network",
				"master "+o.Bridge, "bridge", "link", "show"))
		}
	}
	out = append(out, e.docker("Docker's view of the overlay network, verbose: its VNI (vxlanid_list), the tasks of every node and the peers' addresses",
		o.NetworkID, "network", "inspect", "-v", o.Network))
	return out
}

// IPVS is the load balancing in one of Docker's namespaces (ingress_sbox
// for published ports, lb_<netid> for service VIPs): ipvsadm is seldom
// installed, so the command is optional.
func (e *Explainer) IPVS(nsID string) []Command {
	ns, _ := e.s.Namespace(nsID)
	w, ok := e.inDockerNamespace(ns)
	if !ok {
		return nil
	}
	return []Command{optional(w.cmd("the IPVS virtual services "+w.label+": FWM is the firewall mark Docker sets per service, each -> line a task behind it",
		"FWM", "ipvsadm", "-Ln"))}
}

// Swarm is this node in its swarm: ID, role, state and address.
func (e *Explainer) Swarm(n *topo.SwarmNode) []Command {
	if n == nil {
		return nil
	}
	return []Command{e.docker("the node's swarm state: NodeID, whether it is a manager, the address it advertises",
		n.NodeID, "info", "--format", "{{json .Swarm}}")}
}

// sandboxPair is a veth pair whose "host" end is a port of an overlay
// sandbox's bridge: its commands run in that sandbox.
func (e *Explainer) sandboxPair(p topo.Pair, what, expect string) []Command {
	ns, _ := e.s.Namespace(p.HostNamespace)
	w, ok := e.inDockerNamespace(ns)
	if !ok {
		return nil
	}
	out := []Command{w.cmd(what+" ("+w.label+")", expect, "ip", "-d", "link", "show", "dev", p.HostInterface)}
	if p.Bridge != "" {
		out = append(out, w.cmd("the veth as a port of the sandbox's bridge: 'master "+p.Bridge+"'",
			"master "+p.Bridge, "bridge", "link", "show", "dev", p.HostInterface))
	}
	return out
}
