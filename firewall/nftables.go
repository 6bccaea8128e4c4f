package firewall

import (
	"cmp"
	"slices"

	"github.com/netviz/netviz/topo"
)

// EvaluateNft follows a chain of a native nftables table for p, like
// Evaluate: rules in order, jumps into the table's regular chains, the
// policy at the end.
func EvaluateNft(t *topo.NftTable, chain string, p Packet) Decision {
	rs := topo.RuleSet{Tables: []topo.Table{{Name: t.Name, Chains: make([]topo.Chain, len(t.Chains))}}}
	for i := range t.Chains {
		rs.Tables[0].Chains[i] = t.Chains[i].Chain
	}
	return Evaluate(&rs, t.Name, chain, p)
}

// HookChain is a base chain of a native table.
type HookChain struct {
	Table *topo.NftTable
	Chain *topo.NftChain
}

// Label is "nftables <family> <table> <chain>".
func (h HookChain) Label() string { return h.Table.Label(h.Chain.Name) }

// HookChains are the native base chains of fw of a type (filter, nat) on a
// hook (forward, input, ...) that see packets of an IP family, in the order
// the kernel runs them (by priority). A packet must be accepted by each of
// them and by iptables' chain on the same hook: an ACCEPT ends one chain
// only, a DROP ends all.
func HookChains(fw *topo.Firewall, typ, hook string, family int) []HookChain {
	var out []HookChain
	for i := range fw.Nftables {
		t := &fw.Nftables[i]
		if !sees(t, family) {
			continue
		}
		for j := range t.Chains {
			if c := &t.Chains[j]; c.Hook == hook && c.Type == typ {
				out = append(out, HookChain{t, c})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b HookChain) int { return cmp.Compare(a.Chain.Priority, b.Chain.Priority) })
	return out
}

// sees reports whether the table's chains see packets of an IP family (4
// or 6): an inet table sees both.
func sees(t *topo.NftTable, family int) bool {
	switch t.Family {
	case "inet":
		return true
	case "ip":
		return family == 4
	case "ip6":
		return family == 6
	}
	return false
}
