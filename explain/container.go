package explain

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

// Container is a container and its network namespace: the PID netviz
// entered it by, the namespace's identity, its links and routes.
func (e *Explainer) Container(c *topo.Container) []Command {
	if c.PID == 0 && c.State != topo.StateRunning && c.State != topo.StatePaused {
		return []Command{e.docker("the container's state: not running, it has no network namespace",
			c.State, "inspect", "--format", "{{.State.Status}}", c.Name)}
	}
	out := []Command{e.docker("the PID of the container's first process, the one nsenter -t enters by (it changes when the container restarts)",
		pidExpect(c.PID), "inspect", "--format", "{{.State.Pid}}", c.Name)}
	nsID := c.Namespace
	if o, ok := e.s.Container(c.SharesNamespaceWith); ok && c.SharesNamespaceWith != "" {
		out = append(out, e.docker("how the container joined "+o.Name+"'s namespace: network mode container:<its ID>",
			"container:", "inspect", "--format", "{{.HostConfig.NetworkMode}}", c.Name))
		nsID = cmp.Or(nsID, o.Namespace)
	}
	w, ok := e.inContainer(c)
	if !ok {
		return out
	}
	pid := w.argv[2]
	if inode := strings.TrimPrefix(nsID, "ns-"); inode != "" && inode != nsID {
		out = append(out, cmd("the namespace's identity: net:[inode] is netviz's "+nsID+"; containers with the same inode share one namespace",
			"net:["+inode+"]", "readlink", "/proc/"+pid+"/ns/net"))
	}
	expect := ""
	for _, i := range e.s.NamespaceInterfaces(nsID) {
		if i.Kind != topo.KindLoopback {
			expect = i.Name
			break
		}
	}
	out = append(out, w.cmd("every link and address "+w.label+", as the kernel holds them (the container's own tools may be missing)",
		expect, "ip", "addr"))
	out = append(out, w.cmd("the routes "+w.label+": 'default via' is the gateway, normally its network's bridge address",
		e.routeExpect(nsID), "ip", "route", "show"))
	return out
}

func pidExpect(pid int) string {
	if pid == 0 {
		return ""
	}
	return strconv.Itoa(pid)
}

// routeExpect is what the namespace's route dump shows: its default
// gateway, else its first route.
func (e *Explainer) routeExpect(nsID string) string {
	ns, ok := e.s.Namespace(nsID)
	if !ok || len(ns.Routes) == 0 {
		return ""
	}
	for _, r := range ns.Routes {
		if r.Dst == "default" && r.Gateway != "" && r.Family == 4 {
			return "default via " + r.Gateway
		}
	}
	return ns.Routes[0].Dst
}

// ContainerInterface is a link in container c's namespace (the owner's,
// for a container that joined another's).
func (e *Explainer) ContainerInterface(c *topo.Container, i topo.Interface) []Command {
	w, ok := e.inContainer(c)
	if !ok {
		return nil
	}
	return e.nsInterface(w, i)
}

// NamespaceInterface is a link of a namespace no container owns. An
// unnamed one can only be entered through a process in it, which the
// snapshot does not record: lsns finds one, and what to run then is said.
func (e *Explainer) NamespaceInterface(nsID string, i topo.Interface) []Command {
	if w, ok := e.inNamespace(nsID); ok {
		return e.nsInterface(w, i)
	}
	ns, ok := e.s.Namespace(nsID)
	if !ok || ns.Inode == 0 || e.noKernel {
		return nil
	}
	return []Command{cmd(fmt.Sprintf("a process in namespace %d (the PID on its NS line); then nsenter -t PID -n ip -d link show dev %s shows the link",
		ns.Inode, Quote(i.Name)), strconv.FormatUint(ns.Inode, 10), "lsns", "-t", "net")}
}

func (e *Explainer) nsInterface(w where, i topo.Interface) []Command {
	var out []Command
	switch {
	case i.Kind == topo.KindVeth && i.PeerIndex > 0:
		peer := "its peer"
		if i.HostPeer != "" {
			peer = i.HostPeer
		}
		out = append(out, w.cmd(fmt.Sprintf("this end of the veth pair, %s: the @if%d after its name is the ifindex of %s on the host (%d: in ip link show there)",
			w.label, i.PeerIndex, peer, i.PeerIndex), fmt.Sprintf("%s@if%d", i.Name, i.PeerIndex), "ip", "-d", "link", "show", "dev", i.Name))
	case i.Kind == topo.KindMacvlan || i.Kind == topo.KindIpvlan:
		out = append(out, w.cmd(fmt.Sprintf("the %s link %s: -d shows its mode, and @ifN the ifindex of its parent %s on the host", i.Kind, w.label, i.Parent),
			i.Kind, "ip", "-d", "link", "show", "dev", i.Name))
	default:
		out = append(out, w.cmd("the link "+w.label+": state, MTU, MAC", i.Name, "ip", "-d", "link", "show", "dev", i.Name))
	}
	if a := firstGlobal(i.Addresses); a != "" {
		out = append(out, w.cmd("the link's addresses "+w.label+": look for "+a, a, "ip", "addr", "show", "dev", i.Name))
	}
	return out
}

// Pair is the host end of a veth pair: its peer, its bridge port, and (with
// ethtool) the peer's ifindex from the driver itself.
func (e *Explainer) Pair(p topo.Pair) []Command {
	name := p.HostInterface
	where := "the container's namespace"
	if p.Container == "" {
		where = "its peer's namespace"
	}
	what := "the host end of the veth pair: link-netnsid names " + where
	expect := name
	if p.ContainerIfindex > 0 {
		what += fmt.Sprintf("; the @if%d after the name is the peer's ifindex there: %s is %d inside", p.ContainerIfindex, orIf(p.ContainerInterface, "the peer"), p.ContainerIfindex)
		expect = fmt.Sprintf("%s@if%d", name, p.ContainerIfindex)
	}
	if p.HostNamespace != "" && p.HostNamespace != e.s.Host.Namespace {
		return e.sandboxPair(p, what, expect)
	}
	out := e.host(what, expect, "ip", "-d", "link", "show", "dev", name)
	if p.Bridge != "" {
		out = append(out, e.host("the veth as a port of its bridge: 'master "+p.Bridge+"' and the port's state (forwarding when it passes traffic)",
			"master "+p.Bridge, "bridge", "link", "show", "dev", name)...)
	}
	if !e.noKernel && p.ContainerIfindex > 0 {
		out = append(out, optional(cmd(fmt.Sprintf("the veth driver's counters: peer_ifindex is the other end's ifindex (%d)", p.ContainerIfindex),
			fmt.Sprintf("peer_ifindex: %d", p.ContainerIfindex), append(append([]string(nil), e.hostEnter...), "ethtool", "-S", name)...)))
	}
	return out
}

func orIf(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// Ports are a container's published ports: Docker's mapping, and the NAT
// rule that does it in the firewall the snapshot shows.
func (e *Explainer) Ports(c *topo.Container) []Command {
	if len(c.Ports) == 0 {
		return nil
	}
	first := c.Ports[0]
	out := []Command{e.docker("Docker's port mappings of the container: container port -> host address:port",
		fmt.Sprintf("%d/%s -> ", first.ContainerPort, first.Protocol), "port", c.Name)}
	seen := map[string]bool{}
	for _, p := range c.Ports {
		table, chain, nft := e.natChain(p)
		if chain == "" || seen[table+" "+chain] {
			continue
		}
		seen[table+" "+chain] = true
		if nft {
			out = append(out, e.host(fmt.Sprintf("the DNAT rule of host port %d: 'dport %d' ... 'dnat to' the container's address", p.HostPort, p.HostPort),
				fmt.Sprintf("dport %d", p.HostPort), "nft", "list", "chain", "ip", table, chain)...)
			continue
		}
		out = append(out, e.host(fmt.Sprintf("the DNAT rule of host port %d: --dport %d -j DNAT --to-destination the container's address", p.HostPort, p.HostPort),
			fmt.Sprintf("--dport %d", p.HostPort), e.iptables(), "-t", table, "-S", chain)...)
	}
	return out
}

// Network is a Docker network: Docker's view, and for a bridge network the
// masquerade rule of its subnet.
func (e *Explainer) Network(n *topo.Network) []Command {
	expect := n.ID
	if expect == "" {
		expect = n.Name
	}
	out := []Command{e.docker("Docker's view of the network: its ID, driver, subnets and gateway, and the containers attached with their addresses",
		expect, "network", "inspect", n.Name)}
	if n.Bridge == "" || e.noKernel || n.NoMasquerade() != "" || n.Internal {
		return out
	}
	subnet := ""
	if len(n.Subnets) > 0 {
		subnet = n.Subnets[0].Subnet
	}
	switch fw := e.s.Firewall; {
	case fw.DockerBackend == topo.BackendNftables:
		for _, chain := range e.natChainsOf(n.Bridge) {
			out = append(out, e.host("Docker's NAT chain of the bridge: masquerade what the network sends out", "masquerade",
				"nft", "list", "chain", "ip", topo.DockerNftTable, chain)...)
		}
	case subnet != "" && (fw.DockerBackend == topo.BackendLegacy || fw.DockerBackend == topo.BackendNft):
		out = append(out, e.host("the masquerade rule of the network: -s "+subnet+" ! -o "+n.Bridge+" -j MASQUERADE",
			"-s "+subnet, e.iptables(), "-t", "nat", "-S", "POSTROUTING")...)
	}
	return out
}

// firstLink is the name of a namespace's first link other than lo, the
// one its listing must show ("" when it has none).
func firstLink(ns *topo.Namespace) string {
	for _, i := range ns.Interfaces {
		if i.Kind != topo.KindLoopback {
			return i.Name
		}
	}
	return ""
}

// Namespace is a network namespace no container owns: by its name under
// /run/netns, or, unnamed, found by its inode among the processes' ones.
func (e *Explainer) Namespace(ns *topo.Namespace) []Command {
	if e.noKernel {
		return nil
	}
	if ns.Role != "" {
		return e.dockerNamespace(ns)
	}
	if ns.Name != "" {
		expect := firstLink(ns)
		return []Command{
			cmd("the named namespaces under /run/netns, with the id (nsid) the host knows each by", ns.Name, "ip", "netns", "list"),
			cmd("every link and address in namespace "+ns.Name, expect, "ip", "netns", "exec", ns.Name, "ip", "addr"),
		}
	}
	if ns.Inode == 0 {
		return nil
	}
	return []Command{cmd(fmt.Sprintf("the network namespaces processes hold: NS %d is this one, PID a process in it (nsenter -t PID -n enters it)", ns.Inode),
		strconv.FormatUint(ns.Inode, 10), "lsns", "-t", "net")}
}
