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

// outside is an address beyond the host for "can a container get out",
// by IP family: TEST-NET-2 and IPv6's documentation prefix.
var outside = map[int]netip.Addr{4: netip.MustParseAddr("198.51.100.1"), 6: netip.MustParseAddr("2001:db8::1")}

// firstAddr is a container's address of an IP family on network n, or the
// subnet's second address.
func firstAddr(n *topo.Network, s *topo.Snapshot, family int) (netip.Addr, bool) {
	for _, c := range s.Containers {
		for _, e := range c.Endpoints {
			if e.Network != n.Name {
				continue
			}
			for _, cidr := range append([]string{e.IPv4}, e.IPv6...) {
				if p, err := netip.ParsePrefix(cidr); err == nil && p.Addr().Is4() == (family == 4) && !p.Addr().IsLinkLocalUnicast() {
					return p.Addr(), true
				}
			}
		}
	}
	for _, sn := range n.Subnets {
		if p, err := netip.ParsePrefix(sn.Subnet); err == nil && p.Addr().Is4() == (family == 4) {
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
		v4 := forwardOut(s, n, 4)
		out = append(out, v4...)
		// An inet table, or the same rule in ip6tables, that treats IPv6 as
		// IPv4 is one finding, not two.
		for _, f := range forwardOut(s, n, 6) {
			if !slices.ContainsFunc(v4, func(g Finding) bool {
				return g.Severity == f.Severity && slices.Equal(g.SubjectNames(), f.SubjectNames())
			}) {
				out = append(out, f)
			}
		}
	}
	return out
}

// forwardOut follows a container's first packet of an IP family out of
// network n through every rule set and native chain of that family.
func forwardOut(s *topo.Snapshot, n *topo.Network, family int) []Finding {
	var out []Finding
	src, ok := firstAddr(n, s, family)
	if !ok || family == 6 && !n.IPv6 {
		return nil
	}
	// The IPv6 findings say so; the IPv4 ones read as before.
	traffic, cmd := "traffic", "iptables"
	if family == 6 {
		traffic, cmd = "IPv6 traffic", "ip6tables"
	}
	p := firewall.Packet{In: n.Bridge, Out: s.Host.Uplink, Src: src, Dst: outside[family], Protocol: "tcp", DPort: 443, CTState: "NEW"}
	for _, rs := range s.Firewall.RuleSets {
		if rs.Family != family {
			continue
		}
		d := firewall.Evaluate(&rs, "filter", "FORWARD", p)
		doubt, doubtful := d.Doubt()
		if d.Verdict != "DROP" && d.Verdict != "REJECT" {
			if doubtful {
				out = append(out, Finding{ID: ForwardDrop, Severity: topo.SeverityInfo, Subject: []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef(doubt.Chain)},
					Message: fmt.Sprintf("%s from network %q (%s) out through %s passes FORWARD (%s-%s) as far as netviz can tell, but it cannot evaluate the rule `%s` (%s), which may drop it", traffic, n.Name, n.Bridge, s.Host.Uplink, cmd, rs.Backend, doubt.Text(), doubt.Unmodelled()),
					Fix:     fmt.Sprintf("check it: %s-%s -L %s -v -n  (its counters say whether it drops)", cmd, rs.Backend, doubt.Chain)})
			}
			continue
		}
		subject := []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef("FORWARD")}
		why := fmt.Sprintf("the FORWARD chain's policy is %s and no rule accepts it", d.Verdict)
		fix := fmt.Sprintf("restart Docker to re-create its FORWARD rules, or: %s -I FORWARD -i %s -j ACCEPT", cmd, n.Bridge)
		if s.Firewall.DockerBackend == topo.BackendNftables {
			// Docker's nftables backend adds nothing to iptables, and
			// iptables' drop is final for the packets it accepted.
			fix = fmt.Sprintf("%[3]s-%[1]s -P FORWARD ACCEPT, or: %[3]s-%[1]s -I FORWARD -i %[2]s -j ACCEPT && %[3]s-%[1]s -I FORWARD -o %[2]s -j ACCEPT", rs.Backend, n.Bridge, cmd)
		}
		if d.Rule != nil {
			subject = []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef(d.Chain)}
			why = fmt.Sprintf("the rule `-A %s %s` drops it", d.Chain, d.Rule.Raw)
			fix = fmt.Sprintf("%s-%s -D %s %s", cmd, rs.Backend, d.Chain, d.Rule.Raw)
		}
		if rs.Backend != s.Firewall.DockerBackend && s.Firewall.DockerBackend != "" {
			why += fmt.Sprintf(" (in the %s backend; Docker's rules are in %s)", rs.Backend, s.Firewall.DockerBackend)
		}
		sev := topo.SeverityError
		if doubtful {
			sev = topo.SeverityWarning
			why += fmt.Sprintf(", unless the rule `%s` before it, which netviz cannot evaluate (%s), lets it through", doubt.Text(), doubt.Unmodelled())
		}
		out = append(out, Finding{ID: ForwardDrop, Severity: sev, Subject: subject,
			Message: fmt.Sprintf("%s from network %q (%s) out through %s is dropped by the firewall: %s", traffic, n.Name, n.Bridge, s.Host.Uplink, why),
			Fix:     fix})
	}
	return append(out, nftForwardDrops(s, n, p, family)...)
}

// nftForwardDrops are the native nftables base chains on the forward hook
// that drop p: Debian's /etc/nftables.conf (policy drop), firewalld, or a
// rule of one's own. Subject: the network, then "nftables inet filter
// forward" (the chain whose rule or policy drops it).
func nftForwardDrops(s *topo.Snapshot, n *topo.Network, p firewall.Packet, family int) []Finding {
	var out []Finding
	traffic := "traffic"
	if family == 6 {
		traffic = "IPv6 traffic"
	}
	for _, h := range firewall.HookChains(&s.Firewall, "filter", "forward", family) {
		d := firewall.EvaluateNft(h.Table, h.Chain.Name, p)
		t := h.Table
		base := fmt.Sprintf("%s %s %s", t.Family, t.Name, h.Chain.Name)
		doubt, doubtful := d.Doubt()
		if d.Verdict != "DROP" && d.Verdict != "REJECT" {
			if doubtful {
				out = append(out, Finding{ID: ForwardDrop, Severity: topo.SeverityInfo, Subject: []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef(t.Label(doubt.Chain))},
					Message: fmt.Sprintf("%s from network %q (%s) out through %s passes the nftables chain %s as far as netviz can tell, but it cannot evaluate the rule `%s` in %s %s %s (%s), which may drop it", traffic, n.Name, n.Bridge, s.Host.Uplink, base, doubt.Rule.Raw, t.Family, t.Name, doubt.Chain, doubt.Unmodelled()),
					Fix:     fmt.Sprintf("check it: nft list chain %s %s %s  (add a counter to the rule to see whether it drops)", t.Family, t.Name, doubt.Chain)})
			}
			continue
		}
		subject := []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef(h.Label())}
		why := fmt.Sprintf("the nftables chain %s (hook forward) has policy %s and no rule in it accepts the packet", base, strings.ToLower(d.Verdict))
		fix := fmt.Sprintf(`nft insert rule %[1]s iifname "%[2]s" accept && nft insert rule %[1]s oifname "%[2]s" accept  (and the same in /etc/nftables.conf), or: nft chain %[1]s '{ policy accept; }'`, base, n.Bridge)
		if d.Rule != nil {
			subject = []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef(t.Label(d.Chain))}
			why = fmt.Sprintf("the rule `%s` in nftables chain %s %s %s drops it", d.Rule.Raw, t.Family, t.Name, d.Chain)
			fix = fmt.Sprintf(`nft insert rule %s iifname "%s" accept, or remove the rule: nft delete rule %s %s %s handle %d`, base, n.Bridge, t.Family, t.Name, d.Chain, d.Rule.Handle)
		}
		msg := fmt.Sprintf("%s from network %q (%s) out through %s is dropped by nftables: %s. A packet must be accepted by every base chain on the forward hook, and Docker's ACCEPT rules (%s) do not override another table's drop",
			traffic, n.Name, n.Bridge, s.Host.Uplink, why, dockerRulesWhere(s))
		if t.Name == topo.DockerNftTable {
			msg = fmt.Sprintf("%s from network %q (%s) out through %s is dropped by Docker's own nftables rules: %s", traffic, n.Name, n.Bridge, s.Host.Uplink, why)
			fix = "systemctl restart docker  (Docker re-creates its docker-bridges table)"
		}
		sev := topo.SeverityError
		if doubtful {
			// A set of marks, a limit, a goto...: it may accept it.
			sev = topo.SeverityWarning
			msg += fmt.Sprintf("; unless the rule `%s` in %s %s %s before it, which netviz cannot evaluate (%s), lets it through: check it with nft list chain %s %s %s",
				doubt.Rule.Raw, t.Family, t.Name, doubt.Chain, doubt.Unmodelled(), t.Family, t.Name, doubt.Chain)
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
