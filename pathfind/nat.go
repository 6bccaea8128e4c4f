package pathfind

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netviz/netviz/firewall"
	"github.com/netviz/netviz/topo"
)

// nat evaluates a nat chain of the Docker backend.
func (w *walker) nat(chain string, p firewall.Packet) firewall.Decision {
	p.Protocol, p.CTState = w.proto, "NEW"
	return w.docker("nat", chain, p)
}

// published finds the container that publishes port on addr.
func (w *walker) published(addr netip.Addr, port int) (*topo.Container, topo.Port, bool) {
	for i := range w.s.Containers {
		c := &w.s.Containers[i]
		if c.State != topo.StateRunning {
			continue
		}
		for _, p := range c.Ports {
			if p.HostPort != port || p.Protocol != w.proto {
				continue
			}
			hip, err := netip.ParseAddr(p.HostIP)
			if err != nil || hip.IsUnspecified() && hip.Is4() == addr.Is4() || hip == addr || (addr.IsLoopback() && hip.IsUnspecified()) {
				return c, p, true
			}
		}
	}
	return nil, topo.Port{}, false
}

// dnat follows a DNAT decision to the container it names. in and src are
// where the packet came from ("" for the host itself).
func (w *walker) dnat(d firewall.Decision, in string, src netip.Addr) {
	addr, port, _ := firewall.HostPort(d.Rule.ToDestination)
	if w.isIngressLeg(addr) {
		w.viaIngress(d, in, src)
		return
	}
	w.hop("DNAT "+d.Rule.ToDestination, w.ruleText(d))
	var target *topo.Container
	var att attachment
	for i := range w.s.Containers {
		for _, a := range w.attachments(&w.s.Containers[i]) {
			if a.addr == addr {
				target, att = &w.s.Containers[i], a
			}
		}
	}
	if target == nil || target.State != topo.StateRunning {
		w.block(fmt.Sprintf("the DNAT target %s is no running container's address (see doctor: published-port-mismatch)", d.Rule.ToDestination))
		return
	}
	if in != "" {
		if !w.forwarding() {
			return
		}
		if !w.filter("FORWARD", firewall.Packet{In: in, Out: att.network.Bridge, Src: src, Dst: addr, DPort: port}, "") {
			return
		}
	}
	if !w.enter(target.Name, att) {
		return
	}
	w.reach(fmt.Sprintf("published port: DNAT to %s (%s)", d.Rule.ToDestination, target.Name))
}

// toSource is an SNAT rule's --to-source, which netviz keeps in Raw only.
func toSource(raw string) string {
	f := strings.Fields(raw)
	for i := range f[:max(len(f)-1, 0)] {
		if f[i] == "--to-source" || f[i] == "to" && i > 0 && f[i-1] == "snat" { // iptables, nft
			return f[i+1]
		}
	}
	return "?"
}
