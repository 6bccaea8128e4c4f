package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netviz/netviz/firewall"
	"github.com/netviz/netviz/topo"
)

// vxlanOverhead is what VXLAN over IPv4 adds to a frame: outer IPv4 (20),
// UDP (8), VXLAN (8) and the inner Ethernet header (14).
const vxlanOverhead = 50

// checkOverlayMTU: an overlay whose MTU leaves less than VXLAN's 50 bytes
// below the uplink's sends encapsulated packets the uplink cannot carry:
// small packets pass, large ones (TLS handshakes, downloads) vanish.
func checkOverlayMTU(s *topo.Snapshot) []Finding {
	up, ok := s.UplinkInterface()
	if !ok || up.MTU == 0 {
		return nil
	}
	var out []Finding
	for _, o := range s.Overlays {
		mtu := max(o.MTU, o.VXLAN.MTU)
		if mtu == 0 || mtu <= up.MTU-vxlanOverhead {
			continue
		}
		out = append(out, Finding{ID: OverlayMTU, Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.NetworkRef(o.Network), s.HostInterfaceRef(up.Name)},
			Message: fmt.Sprintf("overlay network %q has MTU %d, but the uplink %s carries %d: with VXLAN's %d bytes its full-size packets (%d) do not fit, so large transfers between nodes stall while pings pass", o.Network, mtu, up.Name, up.MTU, vxlanOverhead, mtu+vxlanOverhead),
			Fix:     fmt.Sprintf("recreate the network with docker network create -d overlay -o com.docker.network.driver.mtu=%d …  (the uplink's MTU minus %d)", up.MTU-vxlanOverhead, vxlanOverhead)})
	}
	return out
}

// swarmPort is a port Swarm needs open towards this node.
type swarmPort struct {
	proto string
	port  int
	what  string
}

func swarmPorts(n *topo.SwarmNode) []swarmPort {
	ps := []swarmPort{
		{"udp", n.VXLANPort(), "VXLAN data path"},
		{"tcp", 7946, "gossip (node discovery)"},
		{"udp", 7946, "gossip (node discovery)"},
	}
	if n.Manager {
		ps = append(ps, swarmPort{"tcp", 2377, "cluster management"})
	}
	return ps
}

// checkSwarmPorts follows a first packet from another node to each port
// Swarm needs through the host's INPUT chains (every iptables backend and
// the native nftables input hook): one dropped cuts the node off.
func checkSwarmPorts(s *topo.Snapshot) []Finding {
	if s.Swarm == nil || (!s.Firewall.Read() && len(s.Firewall.Nftables) == 0) {
		return nil
	}
	local, err := netip.ParseAddr(s.Swarm.Addr)
	if err != nil || !local.Is4() {
		return nil
	}
	src := remoteNode(s, local)
	var out []Finding
	for _, sp := range swarmPorts(s.Swarm) {
		p := firewall.Packet{In: s.Host.Uplink, Src: src, Dst: local, Protocol: sp.proto, DPort: sp.port, CTState: "NEW", DstLocal: true}
		for _, rs := range s.Firewall.RuleSets {
			if rs.Family != 4 {
				continue
			}
			d := firewall.Evaluate(&rs, "filter", "INPUT", p)
			if f, ok := portDrop(sp, d, "iptables-"+rs.Backend, func(chain string) string { return chain }); ok {
				out = append(out, f)
			}
		}
		for _, h := range firewall.HookChains(&s.Firewall, "filter", "input", 4) {
			d := firewall.EvaluateNft(h.Table, h.Chain.Name, p)
			if f, ok := portDrop(sp, d, "nftables "+h.Label(), h.Table.Label); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// remoteNode is an address another node sends from: a peer VTEP when one
// is known, else an address of the node's subnet.
func remoteNode(s *topo.Snapshot, local netip.Addr) netip.Addr {
	for _, o := range s.Overlays {
		for _, p := range o.Peers {
			if a, err := netip.ParseAddr(p.VTEP); err == nil && a.Is4() {
				return a
			}
		}
	}
	return local.Next()
}

func portDrop(sp swarmPort, d firewall.Decision, where string, label func(string) string) (Finding, bool) {
	if d.Verdict != "DROP" && d.Verdict != "REJECT" {
		return Finding{}, false
	}
	port := fmt.Sprintf("%d/%s", sp.port, sp.proto)
	why := fmt.Sprintf("the %s chain %s has policy %s and no rule accepts it", where, d.Chain, d.Verdict)
	fix := fmt.Sprintf("iptables -I INPUT -p %s --dport %d -j ACCEPT  (from the other nodes' addresses)", sp.proto, sp.port)
	if strings.HasPrefix(where, "iptables-") {
		fix = fmt.Sprintf("%s -I INPUT -p %s --dport %d -j ACCEPT  (from the other nodes' addresses)", where, sp.proto, sp.port)
	}
	if d.Rule != nil {
		why = fmt.Sprintf("the rule `%s` in %s %s drops it", d.Rule.Raw, where, d.Chain)
		if strings.HasPrefix(where, "iptables-") {
			fix = fmt.Sprintf("%s -D %s %s  (or accept the port from the other nodes' addresses before it)", where, d.Chain, d.Rule.Raw)
		}
	}
	sev := topo.SeverityError
	if _, doubtful := d.Doubt(); doubtful {
		sev = topo.SeverityWarning
		why += ", unless a rule before it that netviz cannot evaluate lets it through"
	}
	return Finding{ID: SwarmPortsBlocked, Severity: sev, Subject: []topo.Ref{topo.HostRef(), topo.RuleRef(label(d.Chain)), {Kind: topo.RefPort, Name: port}},
		Message: fmt.Sprintf("Swarm's %s port %s is dropped on the way in: %s; the other nodes cannot reach this one", sp.what, port, why),
		Fix:     fix}, true
}

// checkOverlayPartitioned: a node with tasks on an overlay whose VXLAN
// device knows no other node, in a swarm of several, cannot reach the
// tasks elsewhere — gossip has not told it where they are (blocked 7946,
// a wrong advertise address).
func checkOverlayPartitioned(s *topo.Snapshot) []Finding {
	if s.Swarm == nil {
		return nil
	}
	var out []Finding
	for _, o := range s.Overlays {
		if len(o.Peers) > 0 || o.Ingress {
			continue
		}
		local, addrs := localTasks(s, o.Namespace)
		if len(local) == 0 {
			continue
		}
		remote := remoteTasks(o, addrs)
		if s.Swarm.Nodes <= 1 && len(remote) == 0 {
			continue
		}
		sev, evidence := topo.SeverityWarning, fmt.Sprintf("the swarm has %d nodes", s.Swarm.Nodes)
		if len(remote) > 0 {
			sev = topo.SeverityError
			evidence = fmt.Sprintf("tasks on other nodes (%s) are on it", strings.Join(remote, ", "))
		}
		out = append(out, Finding{ID: OverlayPartitioned, Severity: sev, Subject: []topo.Ref{topo.NetworkRef(o.Network)},
			Message: fmt.Sprintf("overlay network %q has tasks on this node (%s) but its VXLAN device %s knows no other node, while %s: traffic to them has nowhere to go", o.Network, strings.Join(local, ", "), o.VXLAN.Name, evidence),
			Fix:     fmt.Sprintf("check that 7946/tcp+udp and %d/udp pass between the nodes and that each advertises a reachable address (docker node inspect --format '{{.Status.Addr}}' <node>)", s.Swarm.VXLANPort())})
	}
	return out
}

// localTasks are the containers with a leg in the overlay sandbox ns, and
// their addresses there.
func localTasks(s *topo.Snapshot, ns string) (names []string, addrs map[string]bool) {
	addrs = map[string]bool{}
	for _, p := range s.Pairs {
		if p.HostNamespace != ns || p.Container == "" {
			continue
		}
		if !slices.Contains(names, p.Container) {
			names = append(names, p.Container)
		}
		if ip, _, ok := strings.Cut(p.IPv4, "/"); ok {
			addrs[ip] = true
		}
	}
	slices.Sort(names)
	return names, addrs
}

// remoteTasks are the addresses of the service tasks on the overlay that
// are not on this node.
func remoteTasks(o topo.Overlay, local map[string]bool) []string {
	var out []string
	for _, v := range o.Services {
		for _, t := range v.Tasks {
			if !local[t] && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}
