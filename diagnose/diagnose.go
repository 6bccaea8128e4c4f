// Package diagnose finds what is misconfigured in a host's container
// networking. Each check is a pure function of a topo.Snapshot; it sends no
// packet and changes nothing. Finding IDs are stable: scripts and the docs
// (docs/troubleshooting.md) refer to them.
package diagnose

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netviz/netviz/firewall"
	"github.com/netviz/netviz/topo"
)

// Finding IDs.
const (
	IPForwardDisabled        = "ip-forward-disabled"
	BridgeDown               = "bridge-down"
	VethNoMaster             = "veth-no-master"
	VethDown                 = "veth-down"
	OrphanVeth               = "orphan-veth"
	EndpointWithoutInterface = "endpoint-without-interface"
	MTUMismatch              = "mtu-mismatch"
	SubnetOverlap            = "subnet-overlap"
	MissingMasquerade        = "missing-masquerade"
	ForwardDrop              = "forward-drop"
	PublishedPortMismatch    = "published-port-mismatch"
	IptablesBackendSplit     = "iptables-backend-split"
	NoDefaultRoute           = "no-default-route"
)

// Finding is the model's finding: diagnose makes them, render draws them.
type Finding = topo.Finding

// Check is one check.
type Check func(s *topo.Snapshot) []Finding

// checks are all checks, in the order they run.
func checks() []Check {
	return []Check{
		checkIPForward, checkBridges, checkVeths, checkEndpoints, checkMTU, checkSubnets,
		checkMasquerade, checkForward, checkPublishedPorts, checkBackendSplit, checkDefaultRoute,
	}
}

// Run runs every check and returns the findings sorted by severity, ID, subject.
func Run(s *topo.Snapshot) []Finding {
	out := []Finding{}
	for _, c := range checks() {
		out = append(out, c(s)...)
	}
	slices.SortFunc(out, topo.CompareFindings)
	return out
}

// HasErrors reports whether any finding is at error level.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == topo.SeverityError })
}

// Within keeps the findings that concern what sub holds — sub being a
// filtered view (topo.Filter) of the snapshot the findings were made from —
// and those about the whole host (the host itself, its settings such as
// ip_forward and the firewall backends, the uplink), which concern every
// part of it. Checks must see the whole host: a DNAT rule to another
// network's container is not stale just because that container was
// filtered out.
func Within(fs []Finding, sub *topo.Snapshot) []Finding {
	v := newView(sub)
	var out []Finding
	for _, f := range fs {
		if (len(f.Subject) > 0 && v.hostWide(f.Subject[0])) || slices.ContainsFunc(f.Subject, v.has) {
			out = append(out, f)
		}
	}
	return out
}

// view is what a filtered snapshot draws, to tell which refs it holds.
type view struct {
	hostNS, uplink string
	containers     map[string]bool
	networks       map[string]bool
	// links are the host namespace's links in the view, bridges included.
	links   map[string]bool
	subnets []netip.Prefix
}

func newView(sub *topo.Snapshot) *view {
	v := &view{hostNS: sub.Host.Namespace, uplink: sub.Host.Uplink,
		containers: map[string]bool{}, networks: map[string]bool{}, links: map[string]bool{}}
	for _, c := range sub.Containers {
		v.containers[c.Name] = true
	}
	for _, n := range sub.Networks {
		v.networks[n.Name] = true
		if n.Bridge != "" {
			v.links[n.Bridge] = true
		}
		for _, sn := range n.Subnets {
			if p, err := netip.ParsePrefix(sn.Subnet); err == nil {
				v.subnets = append(v.subnets, p.Masked())
			}
		}
	}
	for _, p := range sub.Pairs {
		v.links[p.HostInterface] = true
	}
	for _, i := range sub.Interfaces {
		// Every view keeps the uplink; a finding that merely mentions it
		// (an MTU below another bridge's) is not about this view.
		if i.Name != sub.Host.Uplink {
			v.links[i.Name] = true
		}
	}
	return v
}

// hostWide reports whether a finding whose first subject is r concerns the
// whole host.
func (v *view) hostWide(r topo.Ref) bool {
	switch r.Kind {
	case topo.RefHost, topo.RefSetting:
		return true
	case topo.RefInterface:
		return r.InHost(v.hostNS) && r.Name == v.uplink && r.Name != ""
	}
	return false
}

// has reports whether the view draws what r points at.
func (v *view) has(r topo.Ref) bool {
	switch r.Kind {
	case topo.RefContainer:
		return v.containers[r.Name]
	case topo.RefNetwork:
		return v.networks[r.Name]
	case topo.RefBridge:
		return v.links[r.Name]
	case topo.RefInterface:
		if r.Container != "" {
			return v.containers[r.Container]
		}
		return r.InHost(v.hostNS) && v.links[r.Name]
	case topo.RefAddress:
		a, err := netip.ParseAddr(r.Name)
		return err == nil && slices.ContainsFunc(v.subnets, func(p netip.Prefix) bool { return p.Contains(a) })
	}
	return false
}

// ifaceRef points at a host link by name: a bridge when it is one.
func ifaceRef(s *topo.Snapshot, name string) topo.Ref {
	if slices.ContainsFunc(s.Bridges, func(b topo.Bridge) bool { return b.Name == name }) {
		return topo.BridgeRef(name)
	}
	if _, docker := dockerBridges(s)[name]; docker {
		return topo.BridgeRef(name)
	}
	return s.HostInterfaceRef(name)
}

// dockerBridges maps bridge name → network, for bridge-driver networks.
func dockerBridges(s *topo.Snapshot) map[string]*topo.Network {
	m := map[string]*topo.Network{}
	for i := range s.Networks {
		if n := &s.Networks[i]; n.Driver == "bridge" && n.Bridge != "" {
			m[n.Bridge] = n
		}
	}
	return m
}

func running(c *topo.Container) bool {
	return c.State == topo.StateRunning || c.State == topo.StatePaused
}

// inUse reports whether a running container has an endpoint on the network.
func inUse(s *topo.Snapshot, network string) bool {
	for i := range s.Containers {
		c := &s.Containers[i]
		if !running(c) {
			continue
		}
		for _, e := range c.Endpoints {
			if e.Network == network {
				return true
			}
		}
	}
	return false
}

func checkIPForward(s *topo.Snapshot) []Finding {
	var out []Finding
	if v, ok := s.Sysctls[topo.SysctlIPForward]; ok && v == "0" {
		out = append(out, Finding{ID: IPForwardDisabled, Severity: topo.SeverityError, Subject: []topo.Ref{topo.SettingRef(topo.SysctlIPForward)},
			Message: "the kernel does not forward IPv4 packets between interfaces, so containers on bridge networks cannot reach anything beyond their bridge and published ports do not answer from outside",
			Fix:     "sysctl -w net.ipv4.ip_forward=1  (and set it in /etc/sysctl.d/ to survive a reboot)"})
		return out
	}
	ifaces := []string{s.Host.Uplink}
	for br := range dockerBridges(s) {
		ifaces = append(ifaces, br)
	}
	slices.Sort(ifaces[1:])
	for _, i := range ifaces {
		if i == "" {
			continue
		}
		key := topo.ForwardingSysctl(i)
		if v, ok := s.Sysctls[key]; ok && v == "0" {
			out = append(out, Finding{ID: IPForwardDisabled, Severity: topo.SeverityError, Subject: []topo.Ref{ifaceRef(s, i), topo.SettingRef(key)},
				Message: fmt.Sprintf("forwarding is off on %s, so packets routed in or out of it are dropped even though net.ipv4.ip_forward is on", i),
				Fix:     fmt.Sprintf("sysctl -w %s=1", key)})
		}
	}
	return out
}

func checkBridges(s *topo.Snapshot) []Finding {
	var out []Finding
	for _, n := range s.Networks {
		if n.Driver != "bridge" || n.Bridge == "" {
			continue
		}
		i, ok := s.HostInterface(n.Bridge)
		switch {
		case !ok && len(s.Interfaces) > 0 && inUse(s, n.Name):
			out = append(out, Finding{ID: BridgeDown, Severity: topo.SeverityError, Subject: []topo.Ref{topo.BridgeRef(n.Bridge), topo.NetworkRef(n.Name)},
				Message: fmt.Sprintf("network %q should have the Linux bridge %s, but the host has no such interface", n.Name, n.Bridge),
				Fix:     "systemctl restart docker  (Docker recreates its bridges)"})
		case ok && !i.Up:
			sev := topo.SeverityWarning
			if inUse(s, n.Name) {
				sev = topo.SeverityError
			}
			out = append(out, Finding{ID: BridgeDown, Severity: sev, Subject: []topo.Ref{topo.BridgeRef(n.Bridge), topo.NetworkRef(n.Name)},
				Message: fmt.Sprintf("the bridge %s of network %q is administratively down: nothing crosses it, so its containers cannot talk to each other or leave the host", n.Bridge, n.Name),
				Fix:     fmt.Sprintf("ip link set %s up", n.Bridge)})
		}
	}
	return out
}

func checkVeths(s *topo.Snapshot) []Finding {
	var out []Finding
	bridges := dockerBridges(s)
	for _, p := range s.Pairs {
		if p.Container == "" {
			if _, docker := bridges[p.Bridge]; docker {
				out = append(out, Finding{ID: OrphanVeth, Severity: topo.SeverityWarning, Subject: []topo.Ref{s.HostInterfaceRef(p.HostInterface), topo.BridgeRef(p.Bridge)},
					Message: fmt.Sprintf("%s is plugged into Docker's bridge %s, but its other end is in no container: a leftover of a crashed container or a hand-made link", p.HostInterface, p.Bridge),
					Fix:     fmt.Sprintf("ip link delete %s", p.HostInterface)})
			}
			continue
		}
		n, ok := s.Network(p.Network)
		if ok && n.Driver == "bridge" && n.Bridge != "" && p.Bridge != n.Bridge {
			where := "is attached to no bridge"
			if p.Bridge != "" {
				where = "is attached to " + p.Bridge
			}
			out = append(out, Finding{ID: VethNoMaster, Severity: topo.SeverityError, Subject: []topo.Ref{topo.ContainerRef(p.Container), s.HostInterfaceRef(p.HostInterface), topo.BridgeRef(n.Bridge)},
				Message: fmt.Sprintf("%s:%s's host end %s %s instead of %s, so %s is cut off from network %q", p.Container, p.ContainerInterface, p.HostInterface, where, n.Bridge, p.Container, n.Name),
				Fix:     fmt.Sprintf("ip link set %s master %s", p.HostInterface, n.Bridge)})
		}
		if h, ok := s.HostInterface(p.HostInterface); ok && !h.Up {
			out = append(out, Finding{ID: VethDown, Severity: topo.SeverityError, Subject: []topo.Ref{topo.ContainerRef(p.Container), s.HostInterfaceRef(p.HostInterface)},
				Message: fmt.Sprintf("the host end %s of %s:%s is down, so no packet passes between the container and its bridge", p.HostInterface, p.Container, p.ContainerInterface),
				Fix:     fmt.Sprintf("ip link set %s up", p.HostInterface)})
		}
		if c, ok := s.Container(p.Container); ok {
			for _, i := range c.Interfaces {
				if i.Name == p.ContainerInterface && i.Index == p.ContainerIfindex && !i.Up {
					out = append(out, Finding{ID: VethDown, Severity: topo.SeverityError, Subject: []topo.Ref{s.ContainerInterfaceRef(p.Container, p.ContainerInterface)},
						Message: fmt.Sprintf("%s is down inside %s, so the container cannot use network %q", p.ContainerInterface, p.Container, p.Network),
						Fix:     fmt.Sprintf("nsenter -t $(docker inspect -f '{{.State.Pid}}' %s) -n ip link set %s up", p.Container, p.ContainerInterface)})
				}
			}
		}
	}
	return out
}

func checkEndpoints(s *topo.Snapshot) []Finding {
	var out []Finding
	for i := range s.Containers {
		c := &s.Containers[i]
		// Only where the kernel's view was read: a running owner of its namespace.
		if !running(c) || c.Namespace == "" || c.SharesNamespaceWith != "" || len(c.Interfaces) == 0 || c.NetworkMode == "host" {
			continue
		}
		for _, e := range c.Endpoints {
			n, ok := s.Network(e.Network)
			if !ok || (n.Driver != "bridge" && n.Driver != "macvlan" && n.Driver != "ipvlan") {
				continue
			}
			if !slices.ContainsFunc(c.Interfaces, func(i topo.Interface) bool { return endpointIs(e, i) }) {
				out = append(out, Finding{ID: EndpointWithoutInterface, Severity: topo.SeverityError, Subject: []topo.Ref{topo.ContainerRef(c.Name), topo.NetworkRef(e.Network)},
					Message: fmt.Sprintf("Docker says %s is on network %q (%s), but the container has no interface with that address: the kernel side of the endpoint is gone", c.Name, e.Network, cmp.Or(e.IPv4, e.MAC)),
					Fix:     fmt.Sprintf("docker network disconnect -f %s %s && docker network connect %s %s  (or docker restart %s)", e.Network, c.Name, e.Network, c.Name, c.Name)})
			}
		}
	}
	return out
}

func endpointIs(e topo.Endpoint, i topo.Interface) bool {
	if e.MAC != "" && strings.EqualFold(e.MAC, i.MAC) {
		return true
	}
	return e.IPv4 != "" && slices.Contains(i.Addresses, e.IPv4)
}

func checkMTU(s *topo.Snapshot) []Finding {
	up, ok := s.UplinkInterface()
	if !ok || up.MTU == 0 {
		return nil
	}
	var out []Finding
	for _, b := range s.Bridges {
		if n := dockerBridges(s)[b.Name]; n != nil && b.MTU > up.MTU && len(b.Ports) > 0 {
			out = append(out, Finding{ID: MTUMismatch, Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.BridgeRef(b.Name), s.HostInterfaceRef(up.Name)},
				Message: fmt.Sprintf("bridge %s has MTU %d but the uplink %s only %d: large packets leaving the host are dropped or fragmented (TLS and big downloads hang)", b.Name, b.MTU, up.Name, up.MTU),
				Fix:     mtuFix(b.Name, n.Name, up.MTU)})
		}
	}
	for _, p := range s.Pairs {
		c, ok := s.Container(p.Container)
		if !ok {
			continue
		}
		// Said once per bridge above, unless the container's own MTU is larger still.
		brMTU := 0
		for _, b := range s.Bridges {
			if b.Name == p.Bridge {
				brMTU = b.MTU
			}
		}
		for _, i := range c.Interfaces {
			if i.Name == p.ContainerInterface && i.MTU > up.MTU && (brMTU <= up.MTU || i.MTU > brMTU) {
				fix := mtuFix(p.Bridge, p.Network, up.MTU)
				if brMTU != 0 {
					// Docker gives the container its network's MTU, so
					// one above the bridge's was raised inside it: a
					// network option would not lower it.
					fix = fmt.Sprintf("nsenter -t $(docker inspect -f '{{.State.Pid}}' %s) -n ip link set %s mtu %d  (and find what in the container raised it)", c.Name, i.Name, up.MTU)
				}
				out = append(out, Finding{ID: MTUMismatch, Severity: topo.SeverityWarning, Subject: []topo.Ref{s.ContainerInterfaceRef(c.Name, p.ContainerInterface), s.HostInterfaceRef(up.Name)},
					Message: fmt.Sprintf("%s:%s has MTU %d but the uplink %s only %d: large packets to the outside are dropped or fragmented", c.Name, i.Name, i.MTU, up.Name, up.MTU),
					Fix:     fix})
			}
		}
	}
	return out
}

func mtuFix(bridge, network string, mtu int) string {
	if bridge == "docker0" {
		return fmt.Sprintf("set \"mtu\": %d in /etc/docker/daemon.json and restart Docker", mtu)
	}
	return fmt.Sprintf("recreate network %q with -o com.docker.network.driver.mtu=%d", network, mtu)
}

func checkSubnets(s *topo.Snapshot) []Finding {
	type sub struct {
		net    *topo.Network
		prefix netip.Prefix
	}
	var subs []sub
	for i := range s.Networks {
		n := &s.Networks[i]
		if n.Driver != "bridge" {
			continue
		}
		for _, sn := range n.Subnets {
			if p, err := netip.ParsePrefix(sn.Subnet); err == nil {
				subs = append(subs, sub{n, p.Masked()})
			}
		}
	}
	var out []Finding
	for i := range subs {
		for j := i + 1; j < len(subs); j++ {
			if subs[i].net != subs[j].net && subs[i].prefix.Overlaps(subs[j].prefix) {
				out = append(out, Finding{ID: SubnetOverlap, Severity: topo.SeverityError, Subject: []topo.Ref{topo.NetworkRef(subs[i].net.Name), topo.NetworkRef(subs[j].net.Name)},
					Message: fmt.Sprintf("networks %q (%s) and %q (%s) overlap: the host cannot tell which bridge an address belongs to", subs[i].net.Name, subs[i].prefix, subs[j].net.Name, subs[j].prefix),
					Fix:     fmt.Sprintf("docker network rm %s and create it again with a free --subnet", subs[j].net.Name)})
			}
		}
		for _, r := range s.Routes {
			p, err := netip.ParsePrefix(r.Dst)
			if err != nil || r.Interface == subs[i].net.Bridge || !p.Masked().Overlaps(subs[i].prefix) {
				continue
			}
			if _, docker := dockerBridges(s)[r.Interface]; docker {
				continue // the other network's own route: reported above
			}
			out = append(out, Finding{ID: SubnetOverlap, Severity: topo.SeverityError, Subject: []topo.Ref{topo.NetworkRef(subs[i].net.Name), topo.RouteRef(routeName(r))},
				Message: fmt.Sprintf("network %q (%s) overlaps the host route %s: traffic for one of them goes to the wrong place (a VPN or LAN on the same range?)", subs[i].net.Name, subs[i].prefix, routeName(r)),
				Fix:     fmt.Sprintf("recreate %q with a --subnet outside %s, or set default-address-pools in /etc/docker/daemon.json", subs[i].net.Name, r.Dst)})
		}
	}
	return out
}

func routeName(r topo.Route) string {
	if r.Interface == "" {
		return r.Dst
	}
	return r.Dst + " dev " + r.Interface
}

// dockerRules is the IPv4 rule set that holds Docker's chains.
func dockerRules(s *topo.Snapshot) (*topo.RuleSet, bool) {
	if s.Firewall.DockerBackend == "" {
		return nil, false
	}
	return s.Firewall.RuleSet(s.Firewall.DockerBackend, 4)
}

func checkMasquerade(s *topo.Snapshot) []Finding {
	rs, ok := dockerRules(s)
	if !ok {
		return nil
	}
	post, _ := rs.Chain("nat", "POSTROUTING")
	var out []Finding
	for _, n := range s.Networks {
		if n.Driver != "bridge" || n.Internal {
			continue
		}
		for _, sn := range n.Subnets {
			p, err := netip.ParsePrefix(sn.Subnet)
			if err != nil || !p.Addr().Is4() {
				continue
			}
			found := post != nil && slices.ContainsFunc(post.Rules, func(r topo.Rule) bool {
				// SNAT: a network created with -o com.docker.network.host_ipv4=ADDR.
				return (r.Target == "MASQUERADE" || r.Target == "SNAT") && r.Source == p.Masked().String()
			})
			if !found {
				out = append(out, Finding{ID: MissingMasquerade, Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.NetworkRef(n.Name), topo.AddressRef(sn.Subnet)},
					Message: fmt.Sprintf("no MASQUERADE (or SNAT) rule for network %q (%s): its containers' packets leave the host with private source addresses and replies never come back", n.Name, sn.Subnet),
					Fix:     fmt.Sprintf("iptables -t nat -A POSTROUTING -s %s ! -o %s -j MASQUERADE  (or restart Docker, which adds it)", sn.Subnet, n.Bridge)})
			}
		}
	}
	return out
}

// outside is an address beyond the host for "can a container get out" (TEST-NET-2).
var outside = netip.MustParseAddr("198.51.100.1")

func firstIPv4(n *topo.Network, s *topo.Snapshot) (netip.Addr, bool) {
	for _, c := range s.Containers {
		for _, e := range c.Endpoints {
			if e.Network == n.Name && e.IPv4 != "" {
				if p, err := netip.ParsePrefix(e.IPv4); err == nil {
					return p.Addr(), true
				}
			}
		}
	}
	for _, sn := range n.Subnets {
		if p, err := netip.ParsePrefix(sn.Subnet); err == nil && p.Addr().Is4() {
			return p.Addr().Next().Next(), true
		}
	}
	return netip.Addr{}, false
}

// checkForward follows a container's first packet out to the world through
// every base chain on the forward hook: iptables' FORWARD of each backend
// and the native nftables chains. A packet must be accepted by each of
// them; an ACCEPT ends only its own chain.
func checkForward(s *topo.Snapshot) []Finding {
	if (!s.Firewall.Read() && len(s.Firewall.Nftables) == 0) || s.Host.Uplink == "" {
		return nil
	}
	var out []Finding
	for i := range s.Networks {
		n := &s.Networks[i]
		if n.Driver != "bridge" || n.Internal || n.Bridge == "" || !inUse(s, n.Name) {
			continue
		}
		src, ok := firstIPv4(n, s)
		if !ok {
			continue
		}
		p := firewall.Packet{In: n.Bridge, Out: s.Host.Uplink, Src: src, Dst: outside, Protocol: "tcp", DPort: 443, CTState: "NEW"}
		for _, rs := range s.Firewall.RuleSets {
			if rs.Family != 4 {
				continue
			}
			d := firewall.Evaluate(&rs, "filter", "FORWARD", p)
			if d.Verdict != "DROP" && d.Verdict != "REJECT" {
				continue
			}
			subject := []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef("FORWARD")}
			why := fmt.Sprintf("the FORWARD chain's policy is %s and no rule accepts it", d.Verdict)
			fix := fmt.Sprintf("restart Docker to re-create its FORWARD rules, or: iptables -I FORWARD -i %s -j ACCEPT", n.Bridge)
			if s.Firewall.DockerBackend == topo.BackendNftables {
				// Docker's nftables backend adds nothing to iptables, and
				// iptables' drop is final for the packets it accepted.
				fix = fmt.Sprintf("iptables-%[1]s -P FORWARD ACCEPT, or: iptables-%[1]s -I FORWARD -i %[2]s -j ACCEPT && iptables-%[1]s -I FORWARD -o %[2]s -j ACCEPT", rs.Backend, n.Bridge)
			}
			if d.Rule != nil {
				subject = []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef(d.Chain)}
				why = fmt.Sprintf("the rule `-A %s %s` drops it", d.Chain, d.Rule.Raw)
				fix = fmt.Sprintf("iptables-%s -D %s %s", rs.Backend, d.Chain, d.Rule.Raw)
			}
			if rs.Backend != s.Firewall.DockerBackend && s.Firewall.DockerBackend != "" {
				why += fmt.Sprintf(" (in the %s backend; Docker's rules are in %s)", rs.Backend, s.Firewall.DockerBackend)
			}
			out = append(out, Finding{ID: ForwardDrop, Severity: topo.SeverityError, Subject: subject,
				Message: fmt.Sprintf("traffic from network %q (%s) out through %s is dropped by the firewall: %s", n.Name, n.Bridge, s.Host.Uplink, why),
				Fix:     fix})
		}
		out = append(out, nftForwardDrops(s, n, p)...)
	}
	return out
}

// nftForwardDrops are the native nftables base chains on the forward hook
// that drop p: Debian's /etc/nftables.conf (policy drop), firewalld, or a
// rule of one's own. Subject: the network, then "nftables inet filter
// forward" (the chain whose rule or policy drops it).
func nftForwardDrops(s *topo.Snapshot, n *topo.Network, p firewall.Packet) []Finding {
	var out []Finding
	for _, h := range firewall.HookChains(&s.Firewall, "filter", "forward", 4) {
		d := firewall.EvaluateNft(h.Table, h.Chain.Name, p)
		if d.Verdict != "DROP" && d.Verdict != "REJECT" {
			continue
		}
		t := h.Table
		base := fmt.Sprintf("%s %s %s", t.Family, t.Name, h.Chain.Name)
		subject := []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef(h.Label())}
		why := fmt.Sprintf("the nftables chain %s (hook forward) has policy %s and no rule in it accepts the packet", base, strings.ToLower(d.Verdict))
		fix := fmt.Sprintf(`nft insert rule %[1]s iifname "%[2]s" accept && nft insert rule %[1]s oifname "%[2]s" accept  (and the same in /etc/nftables.conf), or: nft chain %[1]s '{ policy accept; }'`, base, n.Bridge)
		if d.Rule != nil {
			subject = []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef(t.Label(d.Chain))}
			why = fmt.Sprintf("the rule `%s` in nftables chain %s %s %s drops it", d.Rule.Raw, t.Family, t.Name, d.Chain)
			fix = fmt.Sprintf(`nft insert rule %s iifname "%s" accept, or remove the rule: nft delete rule %s %s %s handle %d`, base, n.Bridge, t.Family, t.Name, d.Chain, d.Rule.Handle)
		}
		msg := fmt.Sprintf("traffic from network %q (%s) out through %s is dropped by nftables: %s. A packet must be accepted by every base chain on the forward hook, and Docker's ACCEPT rules (%s) do not override another table's drop",
			n.Name, n.Bridge, s.Host.Uplink, why, dockerRulesWhere(s))
		if t.Name == topo.DockerNftTable {
			msg = fmt.Sprintf("traffic from network %q (%s) out through %s is dropped by Docker's own nftables rules: %s", n.Name, n.Bridge, s.Host.Uplink, why)
			fix = "systemctl restart docker  (Docker re-creates its docker-bridges table)"
		}
		sev := topo.SeverityError
		if d.Uncertain {
			// A set of marks, a limit, a goto...: one of them may accept it.
			sev = topo.SeverityWarning
			msg += "; netviz passed over rules it cannot evaluate on the way, which may accept it: check them with nft list chain " + base
		}
		out = append(out, Finding{ID: ForwardDrop, Severity: sev, Subject: subject, Message: msg, Fix: fix})
	}
	return out
}

func dockerRulesWhere(s *topo.Snapshot) string {
	switch b := s.Firewall.DockerBackend; b {
	case topo.BackendNftables:
		return "in its table ip " + topo.DockerNftTable
	case "":
		return "in iptables"
	default:
		return "in iptables-" + b
	}
}

func checkPublishedPorts(s *topo.Snapshot) []Finding {
	rs, ok := dockerRules(s)
	if !ok {
		return nil
	}
	chain, ok := rs.Chain("nat", "DOCKER")
	if !ok {
		return nil
	}
	owner := map[netip.Addr]*topo.Container{}
	for i := range s.Containers {
		c := &s.Containers[i]
		if !running(c) {
			continue
		}
		for _, e := range c.Endpoints {
			if p, err := netip.ParsePrefix(e.IPv4); err == nil {
				owner[p.Addr()] = c
			}
		}
	}
	var out []Finding
	for _, r := range chain.Rules {
		if r.Target != "DNAT" {
			continue
		}
		addr, port, ok := firewall.HostPort(r.ToDestination)
		if !ok {
			continue
		}
		hostPort := strings.TrimPrefix(r.DPort, "!")
		if c, ok := owner[addr]; ok {
			if len(c.Ports) > 0 && !slices.ContainsFunc(c.Ports, func(p topo.Port) bool {
				return p.ContainerPort == port && fmt.Sprint(p.HostPort) == hostPort && p.Protocol == r.Protocol
			}) {
				out = append(out, Finding{ID: PublishedPortMismatch, Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.ContainerRef(c.Name), topo.PortRef(hostPort + "/" + r.Protocol)},
					Message: fmt.Sprintf("a DNAT rule sends port %s/%s to %s, which is %s's address, but Docker does not publish that port for it", hostPort, r.Protocol, r.ToDestination, c.Name),
					Fix:     fmt.Sprintf("iptables-%s -t nat -D DOCKER %s", rs.Backend, r.Raw)})
			}
			continue
		}
		// Whose port was it? The container that publishes this host port now.
		subject := []topo.Ref{topo.PortRef(hostPort + "/" + r.Protocol), topo.AddressRef(addr.String())}
		for i := range s.Containers {
			c := &s.Containers[i]
			if running(c) && slices.ContainsFunc(c.Ports, func(p topo.Port) bool { return fmt.Sprint(p.HostPort) == hostPort && p.Protocol == r.Protocol }) {
				subject = append([]topo.Ref{topo.ContainerRef(c.Name)}, subject...)
			}
		}
		out = append(out, Finding{ID: PublishedPortMismatch, Severity: topo.SeverityError, Subject: subject,
			Message: fmt.Sprintf("published port %s/%s is forwarded (DNAT) to %s, but no running container has that address: connections to the port go nowhere", hostPort, r.Protocol, r.ToDestination),
			Fix:     fmt.Sprintf("iptables-%s -t nat -D DOCKER %s, then restart the container that should publish it", rs.Backend, r.Raw)})
	}
	return out
}

func checkBackendSplit(s *topo.Snapshot) []Finding {
	fw := &s.Firewall
	if fw.DockerBackend == "" {
		return nil
	}
	if fw.DockerBackend == topo.BackendNftables {
		// An iptables FORWARD that drops what Docker's table accepts is
		// forward-drop's; only say where to look.
		if fw.Default == "" {
			return nil
		}
		return []Finding{{ID: IptablesBackendSplit, Severity: topo.SeverityInfo, Subject: []topo.Ref{topo.SettingRef("iptables-" + fw.Default), topo.SettingRef(topo.BackendNftables)},
			Message: "Docker keeps its rules in native nftables tables (firewall-backend nftables): `iptables -L` does not show them",
			Fix:     "nft list table ip " + topo.DockerNftTable + "  (to see Docker's rules)"}}
	}
	var out []Finding
	for _, rs := range fw.RuleSets {
		if rs.Family != 4 || rs.Backend == fw.DockerBackend || rs.HasDocker() {
			continue
		}
		fwd, ok := rs.Chain("filter", "FORWARD")
		if !ok || (fwd.Policy != "DROP" && !slices.ContainsFunc(fwd.Rules, func(r topo.Rule) bool { return r.Target == "DROP" || r.Target == "REJECT" })) {
			continue
		}
		out = append(out, Finding{ID: IptablesBackendSplit, Severity: topo.SeverityError, Subject: []topo.Ref{topo.SettingRef("iptables-" + rs.Backend), topo.SettingRef("iptables-" + fw.DockerBackend)},
			Message: fmt.Sprintf("Docker's rules are in the %s backend, but the %s backend also filters FORWARD (policy %s) without them: a packet must pass both, so what Docker allows is still dropped", fw.DockerBackend, rs.Backend, cmp.Or(fwd.Policy, "ACCEPT, with DROP rules")),
			Fix:     fmt.Sprintf("use one backend: update-alternatives --set iptables /usr/sbin/iptables-%s and restart the firewall service and Docker, or flush the other: iptables-%s -P FORWARD ACCEPT", fw.DockerBackend, rs.Backend)})
	}
	if fw.Default != "" && fw.Default != fw.DockerBackend && len(out) == 0 {
		out = append(out, Finding{ID: IptablesBackendSplit, Severity: topo.SeverityInfo, Subject: []topo.Ref{topo.SettingRef("iptables-" + fw.Default), topo.SettingRef("iptables-" + fw.DockerBackend)},
			Message: fmt.Sprintf("`iptables` shows the %s backend, but Docker's rules are in %s: `iptables -L` will not show them", fw.Default, fw.DockerBackend),
			Fix:     fmt.Sprintf("iptables-%s-save  (to see Docker's rules)", fw.DockerBackend)})
	}
	return out
}

func checkDefaultRoute(s *topo.Snapshot) []Finding {
	if len(s.Routes) == 0 {
		return nil // routes were not read
	}
	for _, r := range s.Routes {
		if r.Dst == "default" && r.Family == 4 {
			return nil
		}
	}
	return []Finding{{ID: NoDefaultRoute, Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.HostRef()},
		Message: "the host has no IPv4 default route: containers (and the host) can reach only directly connected networks",
		Fix:     "ip route add default via <gateway> dev <uplink>"}}
}
