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
			doubt, doubtful := d.Doubt()
			if d.Verdict != "DROP" && d.Verdict != "REJECT" {
				if doubtful {
					out = append(out, Finding{ID: ForwardDrop, Severity: topo.SeverityInfo, Subject: []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef(doubt.Chain)},
						Message: fmt.Sprintf("traffic from network %q (%s) out through %s passes FORWARD (iptables-%s) as far as netviz can tell, but it cannot evaluate the rule `%s` (%s), which may drop it", n.Name, n.Bridge, s.Host.Uplink, rs.Backend, doubt.Text(), doubt.Unmodelled()),
						Fix:     fmt.Sprintf("check it: iptables-%s -L %s -v -n  (its counters say whether it drops)", rs.Backend, doubt.Chain)})
				}
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
			sev := topo.SeverityError
			if doubtful {
				sev = topo.SeverityWarning
				why += fmt.Sprintf(", unless the rule `%s` before it, which netviz cannot evaluate (%s), lets it through", doubt.Text(), doubt.Unmodelled())
			}
			out = append(out, Finding{ID: ForwardDrop, Severity: sev, Subject: subject,
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
		t := h.Table
		base := fmt.Sprintf("%s %s %s", t.Family, t.Name, h.Chain.Name)
		doubt, doubtful := d.Doubt()
		if d.Verdict != "DROP" && d.Verdict != "REJECT" {
			if doubtful {
				out = append(out, Finding{ID: ForwardDrop, Severity: topo.SeverityInfo, Subject: []topo.Ref{topo.NetworkRef(n.Name), topo.RuleRef(t.Label(doubt.Chain))},
					Message: fmt.Sprintf("traffic from network %q (%s) out through %s passes the nftables chain %s as far as netviz can tell, but it cannot evaluate the rule `%s` in %s %s %s (%s), which may drop it", n.Name, n.Bridge, s.Host.Uplink, base, doubt.Rule.Raw, t.Family, t.Name, doubt.Chain, doubt.Unmodelled()),
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
		msg := fmt.Sprintf("traffic from network %q (%s) out through %s is dropped by nftables: %s. A packet must be accepted by every base chain on the forward hook, and Docker's ACCEPT rules (%s) do not override another table's drop",
			n.Name, n.Bridge, s.Host.Uplink, why, dockerRulesWhere(s))
		if t.Name == topo.DockerNftTable {
			msg = fmt.Sprintf("traffic from network %q (%s) out through %s is dropped by Docker's own nftables rules: %s", n.Name, n.Bridge, s.Host.Uplink, why)
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
