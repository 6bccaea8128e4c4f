package pathfind

import (
	"fmt"
	"strings"

	"github.com/netviz/netviz/firewall"
	"github.com/netviz/netviz/topo"
)

// filter evaluates a filter chain in every rule set of the packet's IP
// family, then the native nftables base chains on the same hook that see
// that family (ip or ip6, and inet): a packet must pass each of them.
func (w *walker) filter(chain string, p firewall.Packet, _ string) bool {
	p.Protocol, p.CTState = w.proto, "NEW"
	if p.DPort == 0 {
		p.DPort = 80
	}
	if !w.s.Firewall.Read() {
		w.hop(chain, "rules not read")
		w.unsure = append(w.unsure, "netviz could not read the firewall rules (run it with sudo)")
		return w.nftFilter(strings.ToLower(chain), p)
	}
	for _, rs := range w.s.Firewall.RuleSets {
		if rs.Family != w.family {
			continue
		}
		if _, ok := rs.Chain("filter", chain); !ok {
			continue
		}
		d := firewall.Evaluate(&rs, "filter", chain, p)
		at := chain
		if len(w.s.Firewall.RuleSets) > 2 && rs.Backend != w.s.Firewall.DockerBackend {
			at = chain + " (" + rs.Backend + ")"
		}
		doubt, doubtful := d.Doubt()
		if doubtful && d.Verdict != "DROP" && d.Verdict != "REJECT" {
			w.unsure = append(w.unsure, fmt.Sprintf("netviz cannot evaluate the rule `%s` (%s), which may drop it", doubt.Text(), rs.Backend))
		}
		switch d.Verdict {
		case "DROP", "REJECT":
			if doubtful {
				w.hop(at+": "+verdictText(d)+"?", "passed over `"+doubt.Text()+"`")
				w.unknown(fmt.Sprintf("%s drops it unless the rule `%s`, which netviz cannot evaluate (%s), lets it through first", at, doubt.Text(), doubt.Unmodelled()))
				return false
			}
			if d.Rule != nil {
				where := at + " → " + d.Chain
				if d.Chain == chain {
					where = at
				}
				rule := "-A " + d.Chain + " " + d.Rule.Raw
				w.hop(where+": "+d.Verdict, rule)
				if why, ok := w.dockerReason(p, d.Chain != "DOCKER-USER" && strings.HasPrefix(d.Chain, "DOCKER"), rule); ok {
					w.block(why)
				} else {
					w.block(fmt.Sprintf("dropped by %s%s", d.Chain, explain(d)))
				}
			} else {
				w.hop(at+": policy "+d.Verdict, "no rule accepts it")
				w.block(fmt.Sprintf("the %s policy is %s and no rule accepts this packet", chain, d.Verdict))
			}
			return false
		case "ACCEPT":
			why := "policy ACCEPT"
			if d.Rule != nil {
				why = "-A " + d.Chain + " " + d.Rule.Raw
			}
			w.hop(at+": ACCEPT", why)
		}
	}
	return w.nftFilter(strings.ToLower(chain), p)
}

// nftFilter follows the packet through the native nftables base chains on
// a hook (forward, input): Debian's inet filter, firewalld, Docker 29's
// docker-bridges. An accept ends only its own chain; a drop is final.
func (w *walker) nftFilter(hook string, p firewall.Packet) bool {
	for _, h := range firewall.HookChains(&w.s.Firewall, "filter", hook, w.family) {
		d := firewall.EvaluateNft(h.Table, h.Chain.Name, p)
		at := h.Label()
		doubt, doubtful := d.Doubt()
		if doubtful && d.Verdict != "DROP" && d.Verdict != "REJECT" {
			w.unsure = append(w.unsure, fmt.Sprintf("netviz cannot evaluate the rule `%s` in %s, which may drop it", doubt.Rule.Raw, nftName(h.Table, doubt.Chain)))
		}
		if doubtful && (d.Verdict == "DROP" || d.Verdict == "REJECT") {
			w.hop(at+": "+verdictText(d)+"?", "passed over `"+doubt.Rule.Raw+"`")
			w.unknown(fmt.Sprintf("the nftables chain %s drops it unless the rule `%s` in %s, which netviz cannot evaluate (%s), lets it through first",
				nftName(h.Table, h.Chain.Name), doubt.Rule.Raw, nftName(h.Table, doubt.Chain), doubt.Unmodelled()))
			return false
		}
		where := at
		if d.Rule != nil && d.Chain != h.Chain.Name {
			where = at + " → " + d.Chain
		}
		switch d.Verdict {
		case "DROP", "REJECT":
			if d.Rule != nil {
				w.hop(where+": "+d.Verdict, d.Rule.Raw)
				rule := "nftables " + nftName(h.Table, d.Chain) + ": " + d.Rule.Raw
				if why, ok := w.dockerReason(p, h.Table.Name == topo.DockerNftTable, rule); ok {
					w.block(why)
				} else {
					w.block("dropped by the nftables chain " + nftName(h.Table, d.Chain))
				}
			} else {
				w.hop(at+": policy "+d.Verdict, "no rule accepts it")
				w.block(fmt.Sprintf("the nftables chain %s has policy %s and no rule accepts this packet: Docker's ACCEPT rules do not override another table's drop",
					nftName(h.Table, h.Chain.Name), strings.ToLower(d.Verdict)))
			}
			return false
		case "ACCEPT":
			why := "policy accept"
			if d.Rule != nil {
				why = d.Rule.Raw
			}
			w.hop(where+": ACCEPT", why)
		}
	}
	return true
}

// dockerReason explains a drop by one of Docker's own rules (docker says
// whether the deciding chain is Docker's) within a network with
// enable_icc=false, or of a packet that crosses the edge of an --internal
// network: Docker's reason is that the network is internal,
// whichever chain it keeps the rule in (DOCKER-ISOLATION-STAGE-1/2 on 20.10
// and 28, DOCKER-INTERNAL on 29 with iptables, the bridge's chains in
// docker-bridges on 29 with nftables), not that networks are isolated.
func (w *walker) dockerReason(p firewall.Packet, docker bool, rule string) (string, bool) {
	if !docker {
		return "", false
	}
	if p.In == p.Out {
		// Within one network: what Docker adds for enable_icc=false.
		if n, ok := w.bridgeNetwork(p.In); ok && n.Options[topo.OptICC] == "false" {
			return fmt.Sprintf("inter-container communication is off on network %q (%s=false): Docker drops what its containers send each other (rule %s)", n.Name, topo.OptICC, rule), true
		}
		return "", false
	}
	if n, ok := w.bridgeNetwork(p.In); ok && n.Internal {
		return fmt.Sprintf("network %q is internal: Docker drops what leaves it (rule %s)", n.Name, rule), true
	}
	if n, ok := w.bridgeNetwork(p.Out); ok && n.Internal {
		return fmt.Sprintf("network %q is internal: Docker drops what enters it from elsewhere (rule %s)", n.Name, rule), true
	}
	return "", false
}

// verdictText is "DROP", or "policy DROP" when the policy decided.
func verdictText(d firewall.Decision) string {
	if d.Policy() {
		return "policy " + d.Verdict
	}
	return d.Verdict
}

func nftName(t *topo.NftTable, chain string) string { return t.Family + " " + t.Name + " " + chain }

func explain(d firewall.Decision) string {
	switch {
	case strings.HasPrefix(d.Chain, "DOCKER-ISOLATION"):
		return " (different bridge networks are isolated)"
	case d.Chain == "DOCKER-USER":
		return " (a rule someone added to DOCKER-USER)"
	case (d.Chain == "FORWARD" || d.Chain == "DOCKER-FORWARD") && d.Rule != nil &&
		d.Rule.In != "" && d.Rule.In == d.Rule.Out && !strings.HasPrefix(d.Rule.In, "!"):
		// What Docker adds for a network created with enable_icc=false.
		return fmt.Sprintf(" (inter-container communication is off on %s: com.docker.network.bridge.enable_icc=false)", d.Rule.In)
	}
	return ""
}

// docker evaluates one of Docker's own chains (nat PREROUTING, raw
// PREROUTING, ...): in its iptables backend, or in its nftables table,
// whose base chains Docker names after iptables' (nat-PREROUTING).
func (w *walker) docker(table, chain string, p firewall.Packet) firewall.Decision {
	fw := &w.s.Firewall
	if fw.DockerBackend == topo.BackendNftables {
		t, ok := fw.Nftable(w.nftFamily(), topo.DockerNftTable)
		if !ok {
			return firewall.Decision{}
		}
		return firewall.EvaluateNft(t, table+"-"+chain, p)
	}
	rs, ok := fw.RuleSet(fw.DockerBackend, w.family)
	if !ok {
		return firewall.Decision{}
	}
	return firewall.Evaluate(rs, table, chain, p)
}

// nftFamily is the nftables family of the packet's IP family.
func (w *walker) nftFamily() string {
	if w.family == 6 {
		return "ip6"
	}
	return "ip"
}

// dockerNATs6 reports whether Docker NATs IPv6 on this host: its ip6
// rules (ip6tables, Docker 27 and later by default, or its ip6
// docker-bridges table) have a MASQUERADE or SNAT.
func (w *walker) dockerNATs6() bool {
	fw := &w.s.Firewall
	var rules []topo.Rule
	if fw.DockerBackend == topo.BackendNftables {
		if t, ok := fw.Nftable("ip6", topo.DockerNftTable); ok {
			for _, c := range t.Chains {
				rules = append(rules, c.Rules...)
			}
		}
	} else if rs, ok := fw.RuleSet(fw.DockerBackend, 6); ok {
		if c, ok := rs.Chain("nat", "POSTROUTING"); ok {
			rules = c.Rules
		}
	}
	for _, r := range rules {
		if r.Target == "MASQUERADE" || r.Target == "SNAT" {
			return true
		}
	}
	return false
}

// ruleText is a rule of Docker's that decided, as its backend prints it.
func (w *walker) ruleText(d firewall.Decision) string {
	if w.s.Firewall.DockerBackend == topo.BackendNftables {
		return "nftables " + w.nftFamily() + " " + topo.DockerNftTable + " " + d.Chain + ": " + d.Rule.Raw
	}
	return "-A " + d.Chain + " " + d.Rule.Raw
}
