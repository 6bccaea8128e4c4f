package explain

import (
	"fmt"
	"slices"
	"strings"

	"github.com/netviz/netviz/topo"
)

// Host is the host's namespace as a whole: its routes.
func (e *Explainer) Host() []Command {
	expect := ""
	if e.s.Host.Uplink != "" {
		expect = "dev " + e.s.Host.Uplink
	}
	return e.host("the host's routes: the default route names the uplink, each bridge has the route of its subnet (linkdown while it has no running port)",
		expect, "ip", "route", "show")
}

// Uplink is the link of the host's default route.
func (e *Explainer) Uplink(name string) []Command {
	out := e.link(name, "the uplink")
	out = append(out, e.host("the default route: 'via' is the gateway, 'dev "+name+"' the uplink",
		"dev "+name, "ip", "route", "show", "default")...)
	return out
}

// HostLink is any other link of the host namespace: a NIC on a bridge, a
// macvlan or ipvlan parent.
func (e *Explainer) HostLink(name string) []Command {
	return e.link(name, "the link")
}

// link is what every host link has: its kernel attributes and addresses.
func (e *Explainer) link(name, role string) []Command {
	out := e.host(role+"'s kind, state (UP, LOWER_UP), MTU and master; -d adds the kind's details",
		name, "ip", "-d", "link", "show", "dev", name)
	if i, ok := e.s.HostInterface(name); ok {
		if a := firstGlobal(i.Addresses); a != "" {
			out = append(out, e.host(role+"'s addresses: look for "+a, a, "ip", "addr", "show", "dev", name)...)
		}
	}
	return out
}

// Bridge is a Linux bridge of the host and, when it has one, its Docker
// network.
func (e *Explainer) Bridge(br topo.Bridge) []Command {
	out := e.host("the bridge: state, MTU, and under 'bridge' its settings (stp_state 0 is STP off)",
		br.Name, "ip", "-d", "link", "show", "dev", br.Name)
	if a := firstGlobal(br.Addresses); a != "" {
		out = append(out, e.host("the bridge's address, the gateway of its containers: "+a, a, "ip", "addr", "show", "dev", br.Name)...)
	}
	if len(br.Ports) > 0 {
		out = append(out, e.host("the links enslaved to the bridge ('master "+br.Name+"'): the host ends of its veth pairs",
			br.Ports[0], "ip", "link", "show", "master", br.Name)...)
	}
	for _, r := range e.s.Routes {
		if r.Interface == br.Name && r.Gateway == "" && r.Dst != "default" {
			out = append(out, e.host("the route to the bridge's subnet "+r.Dst+" ('linkdown' while no port is up)",
				r.Dst, "ip", "route", "show", "dev", br.Name)...)
			break
		}
	}
	if !e.noKernel {
		out = append(out, optional(cmd("the same with bridge-utils' brctl: the bridge's ports under 'interfaces'",
			br.Name, append(append([]string(nil), e.hostEnter...), "brctl", "show", br.Name)...)))
	}
	return out
}

// Firewall is where Docker's rules are, and whether the host forwards.
func (e *Explainer) Firewall() []Command {
	if e.noKernel {
		return nil
	}
	fw := &e.s.Firewall
	var out []Command
	switch fw.DockerBackend {
	case topo.BackendNftables:
		out = append(out, e.host("Docker's own nftables table: its chains per bridge and the port mappings",
			topo.DockerNftTable, "nft", "list", "table", "ip", topo.DockerNftTable)...)
	case topo.BackendLegacy, topo.BackendNft:
		ipt := e.iptables()
		out = append(out, e.host("the FORWARD chain: its policy (-P) first, then Docker's jumps (DOCKER-USER, DOCKER...) in the order packets meet them",
			"-P FORWARD", ipt, "-S", "FORWARD")...)
		out = append(out, e.host("the masquerade rules: one MASQUERADE per Docker subnet",
			"-P POSTROUTING", ipt, "-t", "nat", "-S", "POSTROUTING")...)
	}
	if len(fw.Nftables) > 0 {
		t := fw.Nftables[0]
		out = append(out, e.host("the native nftables tables beside iptables' (nft list table FAMILY NAME shows one)",
			"table "+t.Family+" "+t.Name, "nft", "list", "tables")...)
	}
	if _, ok := e.s.Sysctls[topo.SysctlIPForward]; ok {
		out = append(out, e.host("whether the host forwards IPv4 at all: 1 is on",
			topo.SysctlIPForward, "sysctl", topo.SysctlIPForward)...)
	}
	return out
}

// iptables is the program that shows Docker's iptables rules: plain
// iptables when that is the backend it uses (or which it uses is unknown),
// else the backend's own: iptables-legacy and iptables-nft keep apart
// rule sets, and the other one's shows none of Docker's.
func (e *Explainer) iptables() string {
	fw := &e.s.Firewall
	if fw.Default == "" || fw.Default == fw.DockerBackend {
		return "iptables"
	}
	return "iptables-" + fw.DockerBackend
}

// natChain finds the chain of Docker's rules whose DNAT rule maps a host
// port, as the snapshot's firewall shows it: (nft's) family, table and chain,
// or "" when there is none.
func (e *Explainer) natChain(port topo.Port) (table, chain string, nft bool) {
	fw := &e.s.Firewall
	matches := func(r topo.Rule) bool {
		return r.Target == "DNAT" && r.DPort == fmt.Sprint(port.HostPort) &&
			(r.Protocol == "" || strings.EqualFold(r.Protocol, port.Protocol))
	}
	if fw.DockerBackend == topo.BackendNftables {
		if t, ok := fw.Nftable("ip", topo.DockerNftTable); ok {
			for _, c := range t.Chains {
				for _, r := range c.Rules {
					if matches(r) || strings.Contains(r.Raw, fmt.Sprintf("dport %d ", port.HostPort)) && strings.Contains(r.Raw, "dnat") {
						return t.Name, c.Name, true
					}
				}
			}
		}
		return "", "", false
	}
	rs, ok := fw.RuleSet(fw.DockerBackend, 4)
	if !ok {
		return "", "", false
	}
	for _, t := range rs.Tables {
		for _, c := range t.Chains {
			for _, r := range c.Rules {
				if matches(r) {
					return t.Name, c.Name, false
				}
			}
		}
	}
	return "", "", false
}

// natChainsOf are the NAT chains of Docker's nftables table for a bridge
// that masquerade (nat-postrouting-out__docker0).
func (e *Explainer) natChainsOf(bridge string) []string {
	t, ok := e.s.Firewall.Nftable("ip", topo.DockerNftTable)
	if !ok {
		return nil
	}
	var out []string
	for _, c := range t.Chains {
		if !strings.HasPrefix(c.Name, "nat-") || !strings.HasSuffix(c.Name, "__"+bridge) {
			continue
		}
		// Only a chain that masquerades shows what the command says it
		// shows (Docker 29 leaves nat-postrouting-in__B empty unless
		// hairpin NAT is needed).
		if slices.ContainsFunc(c.Rules, func(r topo.Rule) bool { return strings.Contains(r.Raw, "masquerade") }) {
			out = append(out, c.Name)
		}
	}
	return out
}

// firstGlobal is the first address that is not IPv6 link-local, as a CIDR:
// `ip addr` prints it so.
func firstGlobal(addrs []string) string {
	for _, a := range addrs {
		if !strings.HasPrefix(strings.ToLower(a), "fe80:") {
			return a
		}
	}
	return ""
}
