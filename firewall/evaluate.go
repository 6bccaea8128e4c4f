// Package firewall evaluates the rule model of package topo: it follows a
// packet through an iptables chain (rules in order, jumps into user chains
// and back, the policy at the end) and orders the native nftables base
// chains on a hook as the kernel runs them. doctor (package diagnose) and
// path (package pathfind) share it, so both reach the same verdict for the
// same packet. It reads rules only; it sends nothing.
package firewall

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

// Packet is what rule evaluation needs to know about a packet: enough to
// follow Docker's chains, not a general firewall simulator.
type Packet struct {
	In, Out  string // interfaces, "" when none (locally generated / delivered)
	Src, Dst netip.Addr
	Protocol string // "tcp", "udp", "icmp"
	DPort    int
	// CTState is the conntrack state, "NEW" for a first packet.
	CTState string
	// DstLocal is true when Dst is one of the host's own addresses
	// (addrtype --dst-type LOCAL).
	DstLocal bool
}

// Decision is the outcome of following a chain.
type Decision struct {
	// Verdict is ACCEPT, DROP or REJECT (filter), DNAT or MASQUERADE (nat),
	// or "" when no rule decided and the chain has no policy.
	Verdict string `json:"verdict"`
	// Chain is where the deciding rule or policy is.
	Chain string `json:"chain"`
	// Rule is the deciding rule; nil when a policy decided.
	Rule *topo.Rule `json:"rule,omitempty"`
	// Uncertain is true when a rule with matches netviz does not model
	// (topo.Rule.Other) was passed over: the decision may be wrong.
	Uncertain bool `json:"uncertain,omitempty"`
	// Passed are the rules passed over, in the order met: those whose
	// modelled matches hold but that have others netviz does not model,
	// and jumps to chains it does not have.
	Passed []Passed `json:"passed,omitempty"`
}

// Passed is a rule evaluation passed over, and the chain it is in.
type Passed struct {
	Chain string     `json:"chain"`
	Rule  *topo.Rule `json:"rule"`
}

// Doubt is the first rule passed over that could have decided otherwise:
// one that accepts, returns or jumps when the verdict is a drop (or no
// verdict, a policy's), one that drops, rejects or jumps when it is an
// accept. Passed-over rules that could only agree (a DROP before a drop)
// or log leave no doubt.
func (d Decision) Doubt() (Passed, bool) {
	for _, p := range d.Passed {
		switch t := p.Rule.Target; {
		case t == "LOG" || t == "NFLOG" || t == "MARK" || t == "CONNMARK" || t == "TRACE" || t == "" || t == "CT" || t == "NOTRACK" || t == "TCPMSS":
			continue
		case t == "DROP" || t == "REJECT":
			if d.Verdict == "ACCEPT" || d.Verdict == "" {
				return p, true
			}
		case t == "ACCEPT":
			if d.Verdict != "ACCEPT" {
				return p, true
			}
		default: // RETURN, a jump, a NAT target: anything may follow
			return p, true
		}
	}
	return Passed{}, false
}

// Unmodelled says what of the rule netviz does not evaluate.
func (p Passed) Unmodelled() string {
	if !p.Rule.Other {
		return "a jump to a chain netviz did not read"
	}
	for _, m := range []struct{ needle, what string }{
		{"match-set", "an ipset"}, {"@", "a set"}, {"mark", "a mark"}, {"physdev", "a bridge port"},
		{"limit", "a rate limit"}, {"owner", "a socket owner"}, {"goto", "a goto"}, {"string", "the payload"},
	} {
		if strings.Contains(p.Rule.Raw, m.needle) {
			return "it matches on " + m.what
		}
	}
	return "it has matches netviz does not model"
}

// Text is an iptables rule as iptables-save prints it. (A native
// nftables rule's Raw is already nft's text.)
func (p Passed) Text() string { return "-A " + p.Chain + " " + p.Rule.Raw }

// Policy reports whether the chain's policy, not a rule, decided.
func (d Decision) Policy() bool { return d.Rule == nil && d.Verdict != "" }

// Evaluate follows a built-in chain of a table of rs for p: rules in order,
// jumps into user chains and back, the policy at the end.
func Evaluate(rs *topo.RuleSet, table, chain string, p Packet) Decision {
	d, done := walk(rs, table, chain, p, 0)
	if done {
		return d
	}
	c, ok := rs.Chain(table, chain)
	if !ok {
		return Decision{Uncertain: d.Uncertain, Passed: d.Passed}
	}
	return Decision{Verdict: c.Policy, Chain: chain, Uncertain: d.Uncertain, Passed: d.Passed}
}

func walk(rs *topo.RuleSet, table, chain string, p Packet, depth int) (Decision, bool) {
	var passed []Passed
	deep := false // a jump went deeper than netviz follows
	c, ok := rs.Chain(table, chain)
	if !ok || depth > 32 {
		return Decision{Uncertain: depth > 32}, false
	}
	for i := range c.Rules {
		rule := &c.Rules[i]
		if !matches(rule, p) {
			continue
		}
		if rule.Other {
			// Matches on what we model, but something else decides: skip it
			// and say the result is uncertain.
			passed = append(passed, Passed{chain, rule})
			continue
		}
		switch rule.Target {
		case "ACCEPT", "DROP", "REJECT", "DNAT", "MASQUERADE", "SNAT":
			return Decision{Verdict: rule.Target, Chain: chain, Rule: rule, Uncertain: deep || len(passed) > 0, Passed: passed}, true
		case "RETURN":
			return Decision{Uncertain: deep || len(passed) > 0, Passed: passed}, false
		case "", "LOG", "MARK", "CONNMARK", "NFLOG", "TRACE", "CT", "NOTRACK", "TCPMSS":
			continue
		default:
			if _, isChain := rs.Chain(table, rule.Target); !isChain {
				passed = append(passed, Passed{chain, rule})
				continue
			}
			d, done := walk(rs, table, rule.Target, p, depth+1)
			passed = append(passed, d.Passed...)
			deep = deep || d.Uncertain && len(d.Passed) == 0
			if done {
				d.Passed, d.Uncertain = passed, deep || len(passed) > 0
				return d, true
			}
		}
	}
	return Decision{Uncertain: deep || len(passed) > 0, Passed: passed}, false
}

// matches reports whether the modelled matches of the rule hold for p.
func matches(rl *topo.Rule, p Packet) bool {
	return matchIface(rl.In, p.In) && matchIface(rl.Out, p.Out) &&
		matchAddr(rl.Source, p.Src) && matchAddr(rl.Dest, p.Dst) &&
		matchProto(rl.Protocol, p.Protocol) && matchPort(rl.DPort, p.DPort) &&
		matchList(rl.CTState, p.CTState) && matchDstType(rl.DstType, p.DstLocal)
}

func negated(s string) (string, bool) {
	if strings.HasPrefix(s, "!") {
		return s[1:], true
	}
	return s, false
}

func matchIface(pat, name string) bool {
	if pat == "" {
		return true
	}
	pat, neg := negated(pat)
	var m bool
	if strings.HasSuffix(pat, "+") {
		m = name != "" && strings.HasPrefix(name, strings.TrimSuffix(pat, "+"))
	} else {
		m = name == pat
	}
	return m != neg
}

func matchAddr(pat string, a netip.Addr) bool {
	if pat == "" {
		return true
	}
	pat, neg := negated(pat)
	pfx, err := netip.ParsePrefix(pat)
	if err != nil {
		addr, err2 := netip.ParseAddr(pat)
		if err2 != nil {
			return false
		}
		pfx = netip.PrefixFrom(addr, addr.BitLen())
	}
	return (a.IsValid() && pfx.Contains(a.Unmap())) != neg
}

func matchProto(pat, proto string) bool {
	if pat == "" || pat == "all" {
		return true
	}
	pat, neg := negated(pat)
	return strings.EqualFold(pat, proto) != neg
}

func matchPort(pat string, port int) bool {
	if pat == "" {
		return true
	}
	pat, neg := negated(pat)
	lo, hi, isRange := strings.Cut(pat, ":")
	l, err := strconv.Atoi(lo)
	if err != nil {
		return false
	}
	h := l
	if isRange {
		if h, err = strconv.Atoi(hi); err != nil {
			return false
		}
	}
	return (port >= l && port <= h) != neg
}

func matchList(pat, v string) bool {
	if pat == "" {
		return true
	}
	pat, neg := negated(pat)
	found := false
	for _, s := range strings.Split(pat, ",") {
		if s == v {
			found = true
		}
	}
	return found != neg
}

func matchDstType(pat string, local bool) bool {
	if pat == "" {
		return true
	}
	pat, neg := negated(pat)
	if pat != "LOCAL" {
		return false
	}
	return local != neg
}

// HostPort splits a DNAT target "172.18.0.2:80" or "[fd00::2]:80"; the port
// is 0 when none is given.
func HostPort(s string) (netip.Addr, int, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), int(ap.Port()), true
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return a, 0, err == nil
}
