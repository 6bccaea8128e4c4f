package pathfind

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netviz/netviz/firewall"
	"github.com/netviz/netviz/topo"
)

// Overlay networks: a container's overlay interface is a veth whose other
// end is on br0 in the overlay's sandbox namespace ("1-<netid>"); br0
// delivers to the other containers of this node, and its VXLAN device
// carries the rest to the other nodes. The routing mesh publishes a
// service's port on every node: DOCKER-INGRESS DNATs it to ingress_sbox's
// leg on docker_gwbridge, where IPVS picks a task on the ingress network.

// sandboxName is the name of a namespace of Docker's own, by ID.
func (w *walker) sandboxName(id string) string {
	if ns, ok := w.s.Namespace(id); ok && ns.Name != "" {
		return ns.Name
	}
	return id
}

// sandboxUp blocks when a link of one of Docker's namespaces is down.
func (w *walker) sandboxUp(nsID, name string) bool {
	ns, ok := w.s.Namespace(nsID)
	if !ok {
		return true
	}
	for _, i := range ns.Interfaces {
		if i.Name == name && !i.Up {
			w.block(fmt.Sprintf("%s is down in %s", name, w.sandboxName(nsID)))
			return false
		}
	}
	return true
}

// overlayOf is this node's part of network n.
func (w *walker) overlayOf(n *topo.Network) (*topo.Overlay, bool) {
	for i := range w.s.Overlays {
		if o := &w.s.Overlays[i]; o.NetworkID == n.ID || o.Network == n.Name {
			return o, true
		}
	}
	return nil, false
}

// intoSandbox walks a container's overlay leg to br0 in the sandbox.
func (w *walker) intoSandbox(name string, a attachment, why string) (*topo.Overlay, bool) {
	if a.iface == "" || a.hostVeth == "" || a.hostNS == "" {
		w.hop(name, "")
		w.unknown(fmt.Sprintf("netviz did not see %s's leg in overlay %q's sandbox (run it with sudo, as root on the node)", name, a.network.Name))
		return nil, false
	}
	w.hop(name+":"+a.iface, why)
	sbox := w.sandboxName(a.hostNS)
	w.hop(sbox+":"+a.hostVeth, "veth pair, in overlay "+a.network.Name+"'s sandbox")
	if !w.sandboxUp(a.hostNS, a.hostVeth) {
		return nil, false
	}
	w.hop(sbox+":"+a.bridge, "master of "+a.hostVeth)
	o, _ := w.overlayOf(a.network)
	return o, w.sandboxUp(a.hostNS, a.bridge)
}

// outOfSandbox walks br0 → the sandbox veth → the container's interface.
func (w *walker) outOfSandbox(name string, a attachment) bool {
	if a.iface == "" || a.hostVeth == "" || a.hostNS == "" {
		w.unknown(fmt.Sprintf("netviz did not see %s's leg in overlay %q's sandbox", name, a.network.Name))
		return false
	}
	sbox := w.sandboxName(a.hostNS)
	w.hop(sbox+":"+a.hostVeth, "port of "+a.bridge)
	if !w.sandboxUp(a.hostNS, a.hostVeth) {
		return false
	}
	w.hop(name+":"+a.iface, "veth pair")
	return true
}

// overlaySame follows a packet between two containers of this node on one
// overlay network: br0 in the sandbox delivers it, no tunnel involved.
func (w *walker) overlaySame(src, dst *topo.Container, a, b attachment) {
	if _, ok := w.intoSandbox(src.Name, a, fmt.Sprintf("%s is on overlay %q too", b.addr, a.network.Name)); !ok {
		return
	}
	if !w.outOfSandbox(dst.Name, b) {
		return
	}
	w.reach(fmt.Sprintf("same overlay network %q, both on this node: delivered by %s in its sandbox %s, without VXLAN", a.network.Name, a.bridge, w.sandboxName(a.hostNS)))
}

// overlayRemote follows a packet from a container to an address of one of
// its overlay networks that no container of this node has: out through
// the VXLAN device to the node the forwarding database names, if any.
// It reports whether dst is on one of src's overlays.
func (w *walker) overlayRemote(src *topo.Container, dst netip.Addr) bool {
	for _, a := range w.attachments(src) {
		if a.network.Driver != topo.DriverOverlay || subnetOf(a.network, dst) == dst.String() {
			continue
		}
		o, ok := w.intoSandbox(src.Name, a, fmt.Sprintf("%s is on overlay %q", dst, a.network.Name))
		if !ok {
			return true
		}
		if o == nil || o.VXLAN.Name == "" {
			w.unknown(fmt.Sprintf("netviz did not read overlay %q's VXLAN device", a.network.Name))
			return true
		}
		if w.toVIP(src, o, dst) {
			return true
		}
		vx := fmt.Sprintf("%s:%s", o.NamespaceName, o.VXLAN.Name)
		for _, p := range o.Peers {
			if slices.Contains(p.IPs, dst.String()) {
				w.hop(vx, fmt.Sprintf("VXLAN VNI %d, udp/%d to %s", o.VXLAN.VNI, o.VXLAN.Port, p.VTEP))
				w.hop("node "+p.VTEP, "remote VTEP")
				w.unknown(fmt.Sprintf("%s is on another node: it leaves by VXLAN (VNI %d) to %s; beyond this node netviz cannot see", dst, o.VXLAN.VNI, p.VTEP))
				return true
			}
		}
		w.hop(vx, fmt.Sprintf("VXLAN VNI %d: no node known for %s", o.VXLAN.VNI, dst))
		w.unknown(fmt.Sprintf("no container of this node has %s, and overlay %q's forwarding database names no node for it (no task there, or gossip has not told this node: see doctor overlay-partitioned)", dst, a.network.Name))
		return true
	}
	return false
}

// toVIP follows a packet to a service's virtual IP on overlay o: Docker
// balances it with IPVS in the sender's own namespace, which netviz does
// not read, over the service's tasks; it is followed to one of them
// (viaVIP, service_path.go).
func (w *walker) toVIP(src *topo.Container, o *topo.Overlay, dst netip.Addr) bool {
	for _, v := range o.Services {
		vip, err := netip.ParsePrefix(v.VIP)
		if err != nil || vip.Addr() != dst {
			continue
		}
		w.viaVIP(src, o, v)
		return true
	}
	return false
}

// ingressService is the service that publishes port through the routing
// mesh, with its VIP on the ingress network.
func (w *walker) ingressService(port int) (*topo.Overlay, topo.ServiceVIP, topo.ServicePort, bool) {
	for i := range w.s.Overlays {
		o := &w.s.Overlays[i]
		if !o.Ingress {
			continue
		}
		for _, v := range o.Services {
			for _, p := range v.Ports {
				if p.Published == port && p.Protocol == w.proto && p.Mode != "host" {
					return o, v, p, true
				}
			}
		}
	}
	return nil, topo.ServiceVIP{}, topo.ServicePort{}, false
}

// ingressLeg is ingress_sbox's veth on docker_gwbridge.
func (w *walker) ingressLeg() (topo.Pair, bool) {
	for _, p := range w.s.Pairs {
		if p.Sandbox == "ingress_sbox" && p.HostNamespace == "" {
			return p, true
		}
	}
	return topo.Pair{}, false
}

// isIngressLeg reports whether addr is ingress_sbox's on docker_gwbridge.
func (w *walker) isIngressLeg(addr netip.Addr) bool {
	leg, ok := w.ingressLeg()
	if !ok {
		return false
	}
	p, err := netip.ParsePrefix(leg.IPv4)
	return err == nil && p.Addr() == addr
}

// noIngressDNAT explains a port the routing mesh should publish but for
// which the firewall holds no DNAT: Docker did not program it.
func (w *walker) noIngressDNAT(port int) bool {
	_, v, _, ok := w.ingressService(port)
	if !ok {
		return false
	}
	w.hop("nat DOCKER-INGRESS", fmt.Sprintf("no DNAT for %d/%s", port, w.proto))
	why := ""
	if slices.ContainsFunc(w.s.Warnings, func(x topo.Warning) bool { return x.Code == "ipvs-unreadable" }) {
		why = " (this kernel's IPVS could not be read either: without ip_vs Docker cannot build the routing mesh)"
	}
	w.unknown(fmt.Sprintf("service %s publishes %d/%s through the routing mesh, but the firewall has no DOCKER-INGRESS DNAT for it: Docker has not programmed the mesh on this node%s", v.Service, port, w.proto, why))
	return true
}

// viaIngress follows a packet that DOCKER-INGRESS DNATs to ingress_sbox:
// over docker_gwbridge into ingress_sbox, through IPVS, to a task on the
// ingress network.
func (w *walker) viaIngress(d firewall.Decision, in string, src netip.Addr) {
	addr, port, _ := firewall.HostPort(d.Rule.ToDestination)
	w.hop("DNAT "+d.Rule.ToDestination, w.ruleText(d))
	leg, _ := w.ingressLeg()
	if in != "" {
		if !w.forwarding() {
			return
		}
		if !w.filter("FORWARD", firewall.Packet{In: in, Out: leg.Bridge, Src: src, Dst: addr, DPort: port}, "") {
			return
		}
	}
	w.hop(leg.Bridge, "")
	if !w.up(leg.Bridge) {
		return
	}
	w.hop(leg.HostInterface, "port of "+leg.Bridge)
	if !w.up(leg.HostInterface) {
		return
	}
	w.hop("ingress_sbox:"+leg.ContainerInterface, "veth pair")
	o, v, sp, ok := w.ingressService(port)
	if !ok {
		w.unknown(fmt.Sprintf("no service is known to publish %d/%s through the routing mesh (netviz reads services on managers only)", port, w.proto))
		return
	}
	w.hopIPVS(leg.Namespace, v)
	if w.done() {
		return
	}
	w.toIngressTask(o, v, sp)
}

// hopIPVS is ingress_sbox's load balancing, as far as it was read.
func (w *walker) hopIPVS(ns string, v topo.ServiceVIP) {
	var reals []string
	for _, vs := range w.s.IPVS {
		if vs.Namespace == ns {
			reals = append(reals, vs.Reals...)
		}
	}
	tasks := strings.Join(v.Tasks, ", ")
	switch {
	case slices.ContainsFunc(w.s.Warnings, func(x topo.Warning) bool { return x.Code == "ipvs-unreadable" }):
		w.hop("IPVS (ingress_sbox)", "not read; Docker's service table names the tasks: "+tasks)
		w.unsure = append(w.unsure, "netviz could not read ingress_sbox's IPVS services (see the ipvs-unreadable warning)")
	case len(reals) == 0:
		w.hop("IPVS (ingress_sbox)", "no real server")
		w.block(fmt.Sprintf("ingress_sbox's IPVS has no real server for service %s: the routing mesh sends it nowhere", v.Service))
	default:
		w.hop("IPVS (ingress_sbox)", "balanced over "+strings.Join(reals, ", "))
	}
}

// toIngressTask delivers to a task of the service on this node, or says
// it leaves for another node.
func (w *walker) toIngressTask(o *topo.Overlay, v topo.ServiceVIP, sp topo.ServicePort) {
	for i := range w.s.Containers {
		c := &w.s.Containers[i]
		for _, a := range w.attachments(c) {
			if a.network.ID != o.NetworkID || !slices.Contains(v.Tasks, a.addr.String()) {
				continue
			}
			w.hop(o.NamespaceName+":"+o.Bridge, "ingress network, to task "+a.addr.String())
			if !w.outOfSandbox(c.Name, a) {
				return
			}
			w.reach(fmt.Sprintf("published port %d of service %s: the routing mesh DNATs it to ingress_sbox, whose IPVS sends it over the ingress network to task %s (%s:%d)", sp.Published, v.Service, c.Name, a.addr, sp.Target))
			return
		}
	}
	vteps := []string{}
	for _, p := range o.Peers {
		vteps = append(vteps, p.VTEP)
	}
	w.hop(o.NamespaceName+":"+o.VXLAN.Name, fmt.Sprintf("VXLAN VNI %d to %s", o.VXLAN.VNI, strings.Join(vteps, ", ")))
	w.unknown(fmt.Sprintf("service %s has no task on this node: IPVS sends it by VXLAN (VNI %d) to another node; beyond this node netviz cannot see", v.Service, o.VXLAN.VNI))
}
