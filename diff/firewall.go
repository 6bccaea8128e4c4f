package diff

import (
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

// chainRules is one chain on one side, with the label a person reads:
// "nat/DOCKER", "ip6 filter/FORWARD", "legacy nat/POSTROUTING",
// "nftables inet filter forward".
type chainRules struct {
	label  string
	policy string
	// rules are the rules' IDs in order: the label, then the rule as
	// iptables-save (or nft) prints it.
	rules []string
	raw   []topo.Rule
}

// firewall compares the rules chain by chain. One side with no rules read
// (an older snapshot, no permission) says nothing about rules; nor does one
// with no native nftables tables about those.
func (d *differ) firewall() {
	of, nf := &d.old.Firewall, &d.new.Firewall
	if of.Read() && nf.Read() {
		d.chains(iptablesChains(of), iptablesChains(nf))
	}
	if len(of.Nftables) > 0 && len(nf.Nftables) > 0 {
		d.chains(nftChains(of), nftChains(nf))
	}
}

// iptablesChains lists the chains of every rule set. The label names the
// family when it is IPv6 and the backend when the host has rules in both.
func iptablesChains(f *topo.Firewall) []chainRules {
	backends := map[string]bool{}
	for _, rs := range f.RuleSets {
		backends[rs.Backend] = true
	}
	var out []chainRules
	for _, rs := range f.RuleSets {
		prefix := ""
		if len(backends) > 1 {
			prefix = rs.Backend + " "
		}
		if rs.Family == 6 {
			prefix += "ip6 "
		}
		for _, t := range rs.Tables {
			for _, c := range t.Chains {
				cr := chainRules{label: prefix + t.Name + "/" + c.Name, policy: c.Policy, raw: c.Rules}
				for _, r := range c.Rules {
					cr.rules = append(cr.rules, cr.label+" -A "+c.Name+" "+r.Raw)
				}
				out = append(out, cr)
			}
		}
	}
	return out
}

func nftChains(f *topo.Firewall) []chainRules {
	var out []chainRules
	for _, t := range f.Nftables {
		for _, c := range t.Chains {
			cr := chainRules{label: t.Label(c.Name), policy: c.Policy, raw: c.Rules}
			for _, r := range c.Rules {
				cr.rules = append(cr.rules, cr.label+": "+r.Raw)
			}
			out = append(out, cr)
		}
	}
	return out
}

func (d *differ) chains(old, new []chainRules) {
	key := func(c *chainRules) string { return c.label }
	match(old, new, key,
		func(c *chainRules) {
			if !d.subsumeChain(c.label) {
				d.removed(ObjRule, c.label, "chain, "+plural(len(c.rules), "rule"))
			}
		},
		func(c *chainRules) {
			if !d.subsumeChain(c.label) {
				d.added(ObjRule, c.label, "chain, "+plural(len(c.rules), "rule"))
			}
		},
		func(o, n *chainRules) {
			field(d, ObjRule, n.label, "policy", o.policy, n.policy)
			o, n = o.within(d.scope), n.within(d.scope)
			gone, came := multisetDiff(o.rules, n.rules)
			for _, i := range gone {
				if !d.subsume(o.raw[i]) && !d.moveRule(o.raw[i], o.label, o.rules[i], false) {
					d.removed(ObjRule, o.rules[i], "")
				}
			}
			for _, i := range came {
				if !d.subsume(n.raw[i]) && !d.moveRule(n.raw[i], n.label, n.rules[i], true) {
					d.added(ObjRule, n.rules[i], "")
				}
			}
			if len(gone) == 0 && len(came) == 0 && !slices.Equal(o.rules, n.rules) {
				listField(d, ObjRule, n.label, "order", o.rules, n.rules)
			}
		})
}

// within keeps the rules about the scope (all of them without one).
func (c *chainRules) within(sc *scope) *chainRules {
	if sc == nil {
		return c
	}
	out := &chainRules{label: c.label, policy: c.policy}
	for i, r := range c.raw {
		if sc.rule(r) {
			out.rules = append(out.rules, c.rules[i])
			out.raw = append(out.raw, r)
		}
	}
	return out
}

// multisetDiff returns the indexes of the rules only in old and only in
// new, counting duplicates: a chain may hold the same rule twice.
func multisetDiff(old, new []string) (gone, came []int) {
	count := make(map[string]int, len(old))
	for _, r := range old {
		count[r]++
	}
	for i, r := range new {
		if count[r] > 0 {
			count[r]--
			continue
		}
		came = append(came, i)
	}
	for i := len(old) - 1; i >= 0; i-- {
		if count[old[i]] > 0 {
			count[old[i]]--
			gone = append(gone, i)
		}
	}
	slices.Reverse(gone)
	return gone, came
}

// subsume reports whether a rule came or went with a network or container
// that is listed whole — Docker writes rules for each bridge (isolation,
// masquerading) and for each container's published ports — and counts it
// on that item instead.
func (d *differ) subsume(r topo.Rule) bool {
	for _, a := range ruleAddrs(r) {
		if c, ok := d.wholeIPs[a]; ok {
			d.subsumed[[2]string{ObjContainer, c}]++
			return true
		}
	}
	for _, dev := range []string{r.In, r.Out} {
		if net, ok := d.wholeBridges[strings.TrimPrefix(dev, "!")]; ok && dev != "" {
			d.subsumed[[2]string{ObjNetwork, net}]++
			return true
		}
	}
	return false
}

// ruleAddr is the address in a rule's -d, -s or --to-destination:
// "172.17.0.2/32", "172.17.0.2:80", "[fd00::2]:80" → the address alone.
func ruleAddr(a string) string {
	a = strings.TrimPrefix(a, "!")
	if strings.HasPrefix(a, "[") {
		if end := strings.IndexByte(a, ']'); end > 0 {
			return a[1:end]
		}
	}
	if host, port, ok := strings.Cut(a, ":"); ok && !strings.Contains(port, ":") {
		if _, err := strconv.Atoi(strings.Split(port, "-")[0]); err == nil {
			return host
		}
	}
	return addrOnly(a)
}

// movedRules are the rules about a kept container's old or new addresses
// that went or came.
type movedRules struct{ gone, came []string }

// moveRule reports whether r is about an address a kept container lost or
// gained, and keeps it for that container's "firewall rules" change.
func (d *differ) moveRule(r topo.Rule, chain, rule string, came bool) bool {
	for _, a := range ruleAddrs(r) {
		c, ok := d.movedIPs[a]
		if !ok {
			continue
		}
		m := d.moved[c]
		if m == nil {
			m = &movedRules{}
			d.moved[c] = m
		}
		text := chain + " " + rule
		if strings.HasPrefix(rule, chain) {
			text = rule
		}
		if came {
			m.came = append(m.came, text)
		} else {
			m.gone = append(m.gone, text)
		}
		return true
	}
	return false
}

// movedRuleChanges reports each kept container's rules that went with an
// address it lost and came with one it gained, as one change.
func (d *differ) movedRuleChanges() {
	for name, m := range d.moved {
		slices.Sort(m.gone)
		slices.Sort(m.came)
		listField(d, ObjContainer, name, "firewall rules", m.gone, m.came)
	}
}

// subsumeChain reports whether a chain that came or went is one Docker's
// nftables backend keeps per bridge ("ip docker-bridges
// filter-forward-in__br-1a2b"), of a network listed whole, and counts it
// on that network.
func (d *differ) subsumeChain(label string) bool {
	_, bridge, ok := strings.Cut(label, "__")
	if !ok {
		return false
	}
	if net, whole := d.wholeBridges[bridge]; whole {
		d.subsumed[[2]string{ObjNetwork, net}]++
		return true
	}
	return false
}

// ruleAddrs are the addresses a rule is about: its parsed -d, -s and
// --to-destination, or, for a native nftables rule kept as text, the
// words after saddr, daddr and "dnat to" ("ip daddr 172.18.0.2
// iifname != ...").
func ruleAddrs(r topo.Rule) []string {
	var out []string
	for _, a := range []string{r.Dest, r.Source, r.ToDestination} {
		if a != "" {
			out = append(out, ruleAddr(a))
		}
	}
	if len(out) > 0 {
		return out
	}
	words := strings.Fields(r.Raw)
	for i := 0; i+1 < len(words); i++ {
		switch words[i] {
		case "saddr", "daddr", "to":
			if a := ruleAddr(words[i+1]); net.ParseIP(a) != nil {
				out = append(out, a)
			}
		}
	}
	return out
}
