package diagnose

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/netviz/netviz/firewall"
	"github.com/netviz/netviz/topo"
)

// dockerRules is the IPv4 rule set that holds Docker's chains.
func dockerRules(s *topo.Snapshot) (*topo.RuleSet, bool) {
	if s.Firewall.DockerBackend == "" {
		return nil, false
	}
	return s.Firewall.RuleSet(s.Firewall.DockerBackend, 4)
}

// dockerNat is where Docker keeps its NAT rules: iptables' nat POSTROUTING
// and DOCKER chains, or, with its nftables backend (Docker 29), the
// per-bridge nat-postrouting-out__<bridge> chains and nat-prerouting-and-output
// of table ip docker-bridges.
type dockerNat struct {
	post, dnat []topo.Rule
	// masqFix and dnatFix say how to restore a rule, or remove one.
	masqFix func(n *topo.Network, subnet string) string
	dnatFix func(r topo.Rule) string
}

func dockerNatRules(s *topo.Snapshot) (dockerNat, bool) {
	if s.Firewall.DockerBackend == topo.BackendNftables {
		var d dockerNat
		found := false
		for _, t := range s.Firewall.Nftables {
			if t.Family != "ip" || t.Name != topo.DockerNftTable {
				continue
			}
			found = true
			for _, c := range t.Chains {
				switch {
				case strings.HasPrefix(c.Name, "nat-postrouting"):
					d.post = append(d.post, c.Rules...)
				case c.Name == "nat-prerouting-and-output":
					d.dnat = append(d.dnat, c.Rules...)
				}
			}
		}
		d.masqFix = func(n *topo.Network, subnet string) string {
			return fmt.Sprintf(`nft add rule ip %s nat-postrouting-out__%s oifname != "%s" ip saddr %s counter masquerade  (or restart Docker, which adds it)`, topo.DockerNftTable, n.Bridge, n.Bridge, subnet)
		}
		d.dnatFix = func(r topo.Rule) string {
			return fmt.Sprintf("nft delete rule ip %s nat-prerouting-and-output handle %d", topo.DockerNftTable, r.Handle)
		}
		return d, found
	}
	rs, ok := dockerRules(s)
	if !ok {
		return dockerNat{}, false
	}
	d := dockerNat{
		masqFix: func(n *topo.Network, subnet string) string {
			return fmt.Sprintf("iptables -t nat -A POSTROUTING -s %s ! -o %s -j MASQUERADE  (or restart Docker, which adds it)", subnet, n.Bridge)
		},
		dnatFix: func(r topo.Rule) string { return fmt.Sprintf("iptables-%s -t nat -D DOCKER %s", rs.Backend, r.Raw) },
	}
	if post, ok := rs.Chain("nat", "POSTROUTING"); ok {
		d.post = post.Rules
	}
	if chain, ok := rs.Chain("nat", "DOCKER"); ok {
		d.dnat = chain.Rules
	}
	return d, true
}

func checkMasquerade(s *topo.Snapshot) []Finding {
	nat, ok := dockerNatRules(s)
	if !ok {
		return nil
	}
	var out []Finding
	for _, n := range s.Networks {
		// Masquerading off on purpose (enable_ip_masquerade=false, or a
		// routed or isolated gateway mode): no rule is what Docker meant,
		// and path explains where such packets go.
		if n.Driver != "bridge" || n.Internal || n.NoMasquerade() != "" {
			continue
		}
		for _, sn := range n.Subnets {
			p, err := netip.ParsePrefix(sn.Subnet)
			if err != nil || !p.Addr().Is4() {
				continue
			}
			found := slices.ContainsFunc(nat.post, func(r topo.Rule) bool {
				// SNAT: a network created with -o com.docker.network.host_ipv4=ADDR.
				return (r.Target == "MASQUERADE" || r.Target == "SNAT") && r.Source == p.Masked().String()
			})
			if !found {
				out = append(out, Finding{ID: MissingMasquerade, Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.NetworkRef(n.Name), topo.AddressRef(sn.Subnet)},
					Message: fmt.Sprintf("no MASQUERADE (or SNAT) rule for network %q (%s): its containers' packets leave the host with private source addresses and replies never come back", n.Name, sn.Subnet),
					Fix:     nat.masqFix(&n, sn.Subnet)})
			}
		}
	}
	return out
}

func checkPublishedPorts(s *topo.Snapshot) []Finding {
	nat, ok := dockerNatRules(s)
	if !ok || len(nat.dnat) == 0 {
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
	for _, r := range nat.dnat {
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
					Fix:     nat.dnatFix(r)})
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
			Fix:     nat.dnatFix(r) + ", then restart the container that should publish it"})
	}
	return out
}
