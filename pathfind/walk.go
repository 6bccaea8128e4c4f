package pathfind

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/netviz/netviz/firewall"
	"github.com/netviz/netviz/topo"
)

// run follows the packet along the walk for the kinds of its two ends
// (container, host, outside), one method each below.
func (w *walker) run(from, to endpoint) {
	switch {
	case from.container != nil && from.container.State != topo.StateRunning:
		w.block(fmt.Sprintf("%s is not running", from.container.Name))
		return
	case to.container != nil && to.container.State != topo.StateRunning:
		w.block(fmt.Sprintf("%s is not running", to.container.Name))
		return
	}
	switch {
	case from.container != nil && to.container != nil:
		w.containerToContainer(from.container, to)
	case from.container != nil && to.host:
		w.containerToHost(from.container, to)
	case from.container != nil && to.addr.IsValid() && w.overlayRemote(from.container, to.addr):
	case from.container != nil:
		w.containerToOutside(from.container, to)
	case from.host && to.container != nil:
		w.hostToContainer(to, "")
	case from.host && to.host:
		w.hostToHost(to)
	case from.host:
		w.hostToOutside(to)
	case to.host:
		w.outsideToHost(from, to)
	case to.container != nil:
		w.outsideToContainer(from, to)
	default:
		w.unknown(fmt.Sprintf("neither %s nor %s is on this host", from.label(), to.label()))
	}
}

func (w *walker) containerToContainer(src *topo.Container, to endpoint) {
	dst := to.container
	if src.Namespace != "" && src.Namespace == dst.Namespace {
		w.hop(src.Name+":lo", "same network namespace")
		w.reach(fmt.Sprintf("%s and %s share a network namespace: delivered over loopback", src.Name, dst.Name))
		return
	}
	srcAtt, dstAtt := w.attachments(src), w.attachments(dst)
	// Same network first: the bridge delivers it.
	for _, a := range srcAtt {
		for _, b := range dstAtt {
			if a.network.ID != b.network.ID {
				continue
			}
			switch a.network.Driver {
			case "bridge":
				w.sameBridge(src, dst, a, b)
				return
			case topo.DriverOverlay:
				w.overlaySame(src, dst, a, b)
				return
			case "macvlan", "ipvlan":
				w.hop(fmt.Sprintf("%s:%s", src.Name, a.iface), a.network.Driver+" on "+a.network.Parent)
				w.hop(fmt.Sprintf("%s:%s", dst.Name, b.iface), "same "+a.network.Driver+" network")
				w.reach(fmt.Sprintf("same %s network %q: delivered on %s", a.network.Driver, a.network.Name, a.network.Parent))
				return
			}
		}
	}
	// Different networks: out through the source's gateway, routed by the host.
	var target *attachment
	for i := range dstAtt {
		if dstAtt[i].addr.IsValid() && dstAtt[i].network.Driver == "bridge" {
			target = &dstAtt[i]
			break
		}
	}
	if target == nil {
		w.unknown(fmt.Sprintf("%s has no IPv%d address on a bridge network netviz can follow", dst.Name, w.family))
		return
	}
	out, ok := w.containerEgress(src, target.addr)
	if !ok {
		return
	}
	in := out.network.Bridge
	w.hopHostRoute(target.addr)
	if w.done() {
		return
	}
	if !w.forwarding() {
		return
	}
	if !w.filter("FORWARD", firewall.Packet{In: in, Out: target.network.Bridge, Src: out.addr, Dst: target.addr}, "") {
		return
	}
	if !w.enter(dst.Name, *target) {
		return
	}
	w.reach(fmt.Sprintf("routed by the host from %s to %s and allowed by FORWARD", in, target.network.Bridge))
}

// sameBridge follows a packet between two containers on one bridge
// network: the bridge delivers it, through FORWARD when br_netfilter
// passes bridged frames to iptables.
func (w *walker) sameBridge(src, dst *topo.Container, a, b attachment) {
	why := fmt.Sprintf("%s is on network %q too", b.addr, a.network.Name)
	if ns, ok := w.s.Namespace(src.Namespace); ok {
		if r, ok := lookup(ns.Routes, b.addr); ok {
			why = routeText(r)
		}
	}
	if !w.leaveWhy(src.Name, a, why) {
		return
	}
	nfCall := topo.SysctlBridgeNFCallIP
	if w.family == 6 {
		nfCall = topo.SysctlBridgeNFCallIP6
	}
	if sysctl(w.s, nfCall) == "1" {
		if !w.filter("FORWARD", firewall.Packet{In: a.network.Bridge, Out: a.network.Bridge, Src: a.addr, Dst: b.addr}, "") {
			return
		}
	}
	if !w.enter(dst.Name, b) {
		return
	}
	w.reach(fmt.Sprintf("same bridge network %q: delivered by %s", a.network.Name, a.network.Bridge))
}

func (w *walker) containerToHost(src *topo.Container, to endpoint) {
	dst := to.addr
	if !dst.IsValid() {
		// "host": the gateway of the container's first bridge network.
		// "host": the address of the container's first bridge.
		for _, a := range w.attachments(src) {
			if a.network.Driver == "bridge" && !dst.IsValid() {
				if g, err := netip.ParseAddr(firstAddr(w.s, a.network.Bridge, w.family)); err == nil {
					dst = g
				}
			}
		}
		if !dst.IsValid() {
			w.unknown(fmt.Sprintf("%s is on no bridge with an address netviz knows", src.Name))
			return
		}
	}
	out, ok := w.containerEgress(src, dst)
	if !ok {
		return
	}
	if to.port != 0 && to.addr.IsValid() {
		// A published port? Docker's DNAT first, then its userland proxy.
		d := w.nat("PREROUTING", firewall.Packet{In: out.network.Bridge, Src: out.addr, Dst: dst, DPort: to.port, DstLocal: true})
		if d.Verdict == "DNAT" {
			w.dnat(d, out.network.Bridge, out.addr)
			return
		}
		if c, p, ok := w.published(dst, to.port); ok {
			w.bridge = ""
			w.hop(fmt.Sprintf("docker-proxy %s:%d", p.HostIP, p.HostPort), "published port; no DNAT for traffic from a bridge, so Docker's userland proxy takes it")
			w.hostToContainer(endpoint{container: c, port: p.ContainerPort}, "from docker-proxy")
			if w.verdict == Reachable {
				w.reason = fmt.Sprintf("published port %d: docker-proxy forwards it to %s:%d", to.port, c.Name, p.ContainerPort)
			}
			return
		}
	}
	if !w.filter("INPUT", firewall.Packet{In: out.network.Bridge, Src: out.addr, Dst: dst, DPort: to.port}, "") {
		return
	}
	w.hop("host "+dst.String(), "local address")
	w.reach(fmt.Sprintf("%s is the host's own address, reached through %s", dst, out.network.Bridge))
}

func (w *walker) hostToContainer(to endpoint, why string) {
	var att *attachment
	for _, a := range w.attachments(to.container) {
		if a.network.Driver == "bridge" && a.addr.IsValid() && (!to.addr.IsValid() || a.addr == to.addr) {
			att = &a
			break
		}
	}
	if att == nil {
		w.unknown(fmt.Sprintf("%s has no IPv%d address on a bridge network netviz can follow", to.container.Name, w.family))
		return
	}
	if len(w.hops) == 0 {
		w.hop("host", why)
	}
	r, ok := lookup(w.s.Routes, att.addr)
	if ok {
		w.hop("routing", routeText(r))
		if r.Interface != att.network.Bridge {
			w.block(fmt.Sprintf("the host routes %s to %s, not to %s (see doctor: subnet-overlap)", att.addr, r.Interface, att.network.Bridge))
			return
		}
	}
	if !w.enter(to.container.Name, *att) {
		return
	}
	w.reach(fmt.Sprintf("the host reaches %s directly on %s", att.addr, att.network.Bridge))
}

func (w *walker) hostToHost(to endpoint) {
	w.hop("host", "")
	if to.port != 0 && to.addr.IsValid() {
		local := firewall.Packet{Dst: to.addr, DPort: to.port, DstLocal: true}
		d := w.nat("OUTPUT", local)
		if d.Verdict == "DNAT" {
			w.dnat(d, "", netip.Addr{})
			return
		}
		if w.noIngressDNAT(to.port) {
			return
		}
		if c, p, ok := w.published(to.addr, to.port); ok {
			w.hop(fmt.Sprintf("docker-proxy %s:%d", p.HostIP, p.HostPort), "published port; loopback is not DNATed, Docker's userland proxy takes it")
			w.hostToContainer(endpoint{container: c}, "")
			if w.verdict == Reachable {
				w.reason = fmt.Sprintf("published port %d: docker-proxy forwards it to %s:%d", to.port, c.Name, p.ContainerPort)
			}
			return
		}
		w.hop(to.addr.String()+":"+strconv.Itoa(to.port), "no DNAT, no published port")
		w.unknown("nothing Docker publishes listens there; a host process might")
		return
	}
	w.reach("the host's own address")
}

func (w *walker) hostToOutside(to endpoint) {
	w.hop("host", "")
	w.hopHostRoute(to.addr)
	if w.done() {
		return
	}
	r, _ := lookup(w.s.Routes, to.addr)
	w.hop(r.Interface, "")
	if !w.up(r.Interface) {
		return
	}
	w.hop("outside", "")
	w.reach(fmt.Sprintf("leaves through %s; beyond the host netviz cannot see", r.Interface))
}

func (w *walker) containerToOutside(src *topo.Container, to endpoint) {
	out, ok := w.containerEgress(src, to.addr)
	if !ok {
		return
	}
	w.hopHostRoute(to.addr)
	if w.done() {
		return
	}
	r, _ := lookup(w.s.Routes, to.addr)
	if _, docker := w.bridgeNetwork(r.Interface); docker {
		w.unknown(fmt.Sprintf("%s is on Docker bridge %s but no container has it", to.addr, r.Interface))
		return
	}
	if !w.forwarding() {
		return
	}
	if !w.filter("FORWARD", firewall.Packet{In: out.network.Bridge, Out: r.Interface, Src: out.addr, Dst: to.addr, DPort: to.port}, "") {
		return
	}
	d := w.nat("POSTROUTING", firewall.Packet{In: out.network.Bridge, Out: r.Interface, Src: out.addr, Dst: to.addr, DPort: to.port})
	masq, how := false, "masqueraded"
	switch d.Verdict {
	case "MASQUERADE":
		w.hop("MASQUERADE as "+firstAddr(w.s, r.Interface, w.family), w.ruleText(d))
		masq = true
	case "SNAT": // a network created with -o com.docker.network.host_ipv4=ADDR
		w.hop("SNAT to "+toSource(d.Rule.Raw), w.ruleText(d))
		masq, how = true, "source-NATed to "+toSource(d.Rule.Raw)
	}
	w.hop(r.Interface, "")
	if !w.up(r.Interface) {
		return
	}
	w.hop("outside", "")
	off := out.network.NoMasquerade()
	if w.family == 6 {
		off = ""
		if m := out.network.GatewayMode(6); m == topo.GatewayRouted || m == topo.GatewayIsolated {
			off = topo.OptGatewayModeIPv6 + "=" + m
		} else if !w.dockerNATs6() {
			off = "Docker does not NAT IPv6 here"
		}
	}
	if !masq && off != "" {
		// Unless the network is routed, Docker 28 and later drop what comes
		// from outside addressed straight to a container, replies included.
		reply := firewall.Packet{In: r.Interface, Src: to.addr, Dst: out.addr, Protocol: w.proto}
		if d := w.docker("raw", "PREROUTING", reply); d.Verdict == "DROP" && d.Rule != nil {
			w.hop("reply: raw PREROUTING: DROP", w.ruleText(d))
			w.block(fmt.Sprintf("it leaves %s with its own source address %s (network %q is not masqueraded: %s), but Docker drops the replies, addressed straight to the container from outside (gateway_mode_ipv4=routed lets them in)",
				r.Interface, out.addr, out.network.Name, off))
			return
		}
		w.reach(fmt.Sprintf("forwarded out through %s with its own source address %s: network %q is not masqueraded (%s), so replies come back only where the network beyond routes %s to this host; beyond the host netviz cannot see",
			r.Interface, out.addr, out.network.Name, off, subnetOf(out.network, out.addr)))
		return
	}
	if !masq && w.s.Firewall.Read() {
		w.unknown(fmt.Sprintf("it leaves %s with the private source %s and no MASQUERADE or SNAT: replies are unlikely to come back (see doctor: missing-masquerade)", r.Interface, out.addr))
		return
	}
	w.reach(fmt.Sprintf("forwarded out through %s and %s; beyond the host netviz cannot see", r.Interface, how))
}

func (w *walker) outsideToHost(from, to endpoint) {
	uplink := w.s.Host.Uplink
	w.hop(from.label(), "")
	w.hop(uplink, "")
	if to.port != 0 {
		d := w.nat("PREROUTING", firewall.Packet{In: uplink, Src: from.addr, Dst: to.addr, DPort: to.port, DstLocal: true})
		if d.Verdict == "DNAT" {
			w.dnat(d, uplink, from.addr)
			return
		}
		if w.noIngressDNAT(to.port) {
			return
		}
	}
	if !w.filter("INPUT", firewall.Packet{In: uplink, Src: from.addr, Dst: to.addr, DPort: to.port}, "") {
		return
	}
	w.hop("host "+to.addr.String(), "local address")
	w.reach("delivered to the host itself; whether a process listens netviz cannot see")
}

func (w *walker) outsideToContainer(from, to endpoint) {
	uplink := w.s.Host.Uplink
	w.hop(from.label(), "")
	w.hop(uplink, "")
	var att *attachment
	for _, a := range w.attachments(to.container) {
		if a.network.Driver == "bridge" && a.addr.IsValid() {
			att = &a
			break
		}
	}
	if att == nil {
		w.unknown(fmt.Sprintf("%s has no IPv%d address on a bridge network netviz can follow", to.container.Name, w.family))
		return
	}
	// Docker 28 drops direct access to container addresses in the raw table.
	d := w.docker("raw", "PREROUTING", firewall.Packet{In: uplink, Src: from.addr, Dst: att.addr, Protocol: w.proto, DPort: to.port})
	if d.Verdict == "DROP" && d.Rule != nil {
		w.hop("raw PREROUTING: DROP", w.ruleText(d))
		w.block("Docker drops packets from outside addressed straight to a container")
		return
	}
	if !w.forwarding() {
		return
	}
	if !w.filter("FORWARD", firewall.Packet{In: uplink, Out: att.network.Bridge, Src: from.addr, Dst: att.addr, DPort: to.port}, "") {
		return
	}
	if !w.enter(to.container.Name, *att) {
		return
	}
	w.reach("forwarded straight to the container's address")
}

// subnetOf is the subnet of n that holds addr, or addr itself.
func subnetOf(n *topo.Network, addr netip.Addr) string {
	for _, sn := range n.Subnets {
		if p, err := netip.ParsePrefix(sn.Subnet); err == nil && p.Contains(addr) {
			return p.Masked().String()
		}
	}
	return addr.String()
}
