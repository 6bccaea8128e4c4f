package pathfind

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netviz/netviz/firewall"
	"github.com/netviz/netviz/topo"
)

// across follows a packet from one node's task to another node's over the
// overlay network they share.
func (w *walker) across(c *topo.Cluster, from, to task) {
	for _, t := range []task{from, to} {
		if t.ctr.State != topo.StateRunning {
			w.block(fmt.Sprintf("%s is not running", t.label()))
			return
		}
	}
	ov, epA, epB, ok := sharedOverlay(c, from, to)
	if !ok {
		w.unknown(fmt.Sprintf("%s and %s share no overlay network; across nodes netviz follows tasks over an overlay only", from.label(), to.label()))
		return
	}
	mA, okA := ov.Member(from.node.Name)
	mB, okB := ov.Member(to.node.Name)
	if !okA || !okB {
		missing := from.node.Name
		if okA {
			missing = to.node.Name
		}
		w.unknown(fmt.Sprintf("node %s holds no sandbox of overlay %s in its snapshot", missing, ov.Network))
		return
	}
	w.hop(from.label()+" "+ifaceOn(from, epA), fmt.Sprintf("on overlay %s (%s)", ov.Network, addrOf(epA)))
	w.hop(from.node.Name+": "+mA.Namespace+" "+bridgeOf(from.node.Snapshot, ov), "veth pair into the overlay's sandbox; its bridge forwards to the VXLAN device")
	if !w.encapsulate(ov, mA, mB, from, to, epB) {
		return
	}
	port := vxlanPort(from.node.Snapshot, ov)
	if !w.hostFilter(from.node, "OUTPUT", mA.VTEP, mB.VTEP, port) {
		return
	}
	w.hop(fmt.Sprintf("underlay %s → %s:%d/udp", mA.VTEP, mB.VTEP, port),
		fmt.Sprintf("VXLAN over %s's uplink %s%s", from.node.Name, orNone(from.node.Snapshot.Host.Uplink), encryptedNote(ov)))
	if !w.hostFilter(to.node, "INPUT", mA.VTEP, mB.VTEP, port) {
		return
	}
	w.hop(to.node.Name+": "+orNone(mB.Device)+" (VNI "+fmt.Sprint(ov.VNI)+")", "decapsulated in "+to.node.Name+"'s sandbox "+mB.Namespace)
	w.hop(to.node.Name+": "+mB.Namespace+" "+bridgeOf(to.node.Snapshot, ov), "its bridge forwards to the task's veth")
	w.hop(to.label()+" "+ifaceOn(to, epB), addrOf(epB))
	if !slices.Contains(mB.Peers, mA.VTEP) {
		w.unsure = append(w.unsure, fmt.Sprintf("%s's forwarding database has no entry for %s (%s): replies have no way back", to.node.Name, from.node.Name, mA.VTEP))
	}
	if mA.MTU != mB.MTU && mA.MTU > 0 && mB.MTU > 0 {
		w.unsure = append(w.unsure, fmt.Sprintf("the overlay's MTU is %d on %s but %d on %s: large packets are dropped one way", mA.MTU, from.node.Name, mB.MTU, to.node.Name))
	}
	w.reach(fmt.Sprintf("%s reaches %s over overlay %s (VNI %d), tunnelled from %s to %s", from.label(), to.label(), ov.Network, ov.VNI, mA.VTEP, mB.VTEP))
}

// hostFilter follows the VXLAN packet through a node's own filter chain
// (OUTPUT on the sender, INPUT on the receiver), with that node's rules:
// a host firewall dropping 4789/udp cuts every overlay. Its hops are named
// by the node.
func (w *walker) hostFilter(n *topo.ClusterNode, chain, src, dst string, port int) bool {
	s := n.Snapshot
	sub := &walker{s: s, proto: "udp", family: 4}
	p := firewall.Packet{Dst: parseAddr(dst), Src: parseAddr(src), DPort: port}
	if chain == "INPUT" {
		p.In, p.DstLocal = s.Host.Uplink, true
	} else {
		p.Out = s.Host.Uplink
	}
	ok := sub.filter(chain, p, "")
	for _, h := range sub.hops {
		w.hop(n.Name+": "+h.At, h.Why)
	}
	for _, u := range sub.unsure {
		w.unsure = append(w.unsure, n.Name+": "+u)
	}
	if !ok {
		w.verdict, w.reason = sub.verdict, fmt.Sprintf("on %s, the VXLAN packet (udp %s → %s:%d): %s", n.Name, src, dst, port, sub.reason)
	}
	return ok
}

func parseAddr(s string) netip.Addr {
	a, _ := netip.ParseAddr(s)
	return a
}

// encapsulate is the sending VXLAN device's hop: it needs a forwarding
// entry for the receiving node's VTEP (and, when the entry lists MACs,
// for the task's MAC), or the packet goes nowhere.
func (w *walker) encapsulate(ov *topo.ClusterOverlay, mA, mB *topo.OverlayMember, from, to task, epB topo.Endpoint) bool {
	at := from.node.Name + ": " + orNone(mA.Device) + " (VNI " + fmt.Sprint(ov.VNI) + ")"
	if !slices.Contains(mA.Peers, mB.VTEP) {
		w.hop(at, fmt.Sprintf("no forwarding entry for %s (%s)", to.node.Name, mB.VTEP))
		w.block(fmt.Sprintf("%s's VXLAN device for overlay %s has no entry for %s's VTEP %s: the packet is not tunnelled (doctor: cluster-vtep-missing)",
			from.node.Name, ov.Network, to.node.Name, mB.VTEP))
		return false
	}
	why := fmt.Sprintf("forwarding database sends to %s's VTEP %s", to.node.Name, mB.VTEP)
	if macs := peerMACs(from.node.Snapshot, ov, mB.VTEP); len(macs) > 0 && epB.MAC != "" && !slices.Contains(macs, strings.ToLower(epB.MAC)) {
		w.unsure = append(w.unsure, fmt.Sprintf("%s's forwarding database lists no entry for %s's MAC %s", from.node.Name, to.label(), epB.MAC))
	} else if len(macs) > 0 {
		why = fmt.Sprintf("forwarding database sends %s's MAC %s to %s's VTEP %s", to.ctr.Name, epB.MAC, to.node.Name, mB.VTEP)
	}
	w.hop(at, why)
	return true
}

// peerMACs are the MACs the node's forwarding database sends to vtep.
func peerMACs(s *topo.Snapshot, ov *topo.ClusterOverlay, vtep string) []string {
	for _, o := range s.Overlays {
		if o.NetworkID != ov.NetworkID {
			continue
		}
		for _, p := range o.Peers {
			if p.VTEP == vtep {
				out := make([]string, len(p.MACs))
				for i, m := range p.MACs {
					out[i] = strings.ToLower(m)
				}
				return out
			}
		}
	}
	return nil
}

func overlayOf(s *topo.Snapshot, ov *topo.ClusterOverlay) *topo.Overlay {
	for i := range s.Overlays {
		if s.Overlays[i].NetworkID == ov.NetworkID {
			return &s.Overlays[i]
		}
	}
	return nil
}

func bridgeOf(s *topo.Snapshot, ov *topo.ClusterOverlay) string {
	if o := overlayOf(s, ov); o != nil && o.Bridge != "" {
		return o.Bridge
	}
	return "bridge"
}

func vxlanPort(s *topo.Snapshot, ov *topo.ClusterOverlay) int {
	if o := overlayOf(s, ov); o != nil && o.VXLAN.Port != 0 {
		return o.VXLAN.Port
	}
	return topo.DefaultVXLANPort
}

// ifaceOn is the task's interface on the endpoint's network, by address.
func ifaceOn(t task, ep topo.Endpoint) string {
	for _, i := range t.ctr.Interfaces {
		if slices.Contains(i.Addresses, ep.IPv4) || (i.Network != "" && i.Network == ep.Network) {
			return i.Name
		}
	}
	return ""
}

func addrOf(ep topo.Endpoint) string {
	if ep.IPv4 != "" {
		return ep.IPv4
	}
	return "no IPv4 address"
}

func encryptedNote(ov *topo.ClusterOverlay) string {
	if ov.Encrypted {
		return ", inside IPsec ESP (encrypted overlay)"
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
