package topo

import (
	"slices"
	"strings"
)

// iptables backends.
const (
	BackendLegacy = "legacy" // iptables-legacy: the x_tables kernel interface
	BackendNft    = "nft"    // iptables-nft: the same rules stored in nf_tables
)

// Firewall is the host's packet filter as iptables-save prints it, for each
// backend and address family that netviz could read, and the native
// nftables tables beside it. An empty Firewall (no rule sets) means it was
// not read: an older snapshot, no iptables, no permission; the warnings say
// which.
type Firewall struct {
	// Default is the backend the plain `iptables` command uses ("legacy",
	// "nft", or "" when unknown).
	Default string `json:"default"`
	// DockerBackend is the backend whose IPv4 rules hold Docker's chains,
	// BackendNftables when a native table docker-bridges exists (Docker's
	// nftables backend), "" when none does.
	DockerBackend string `json:"dockerBackend"`
	// RuleSets are the tables of one backend and family each, sorted by
	// backend, then family.
	RuleSets []RuleSet `json:"ruleSets"`
	// Nftables are the native nftables tables, sorted by family, then
	// name; the tables iptables-nft keeps (ip filter, ip6 nat, ...) are in
	// RuleSets instead. Empty when nft is not installed.
	Nftables []NftTable `json:"nftables"`
}

// RuleSet is what one `iptables-save` (or `ip6tables-save`) printed.
type RuleSet struct {
	Backend string `json:"backend"` // BackendLegacy or BackendNft
	Family  int    `json:"family"`  // 4 or 6
	// Tables in the order iptables-save printed them (filter, nat, ...).
	Tables []Table `json:"tables"`
}

// Table is one iptables table.
type Table struct {
	Name string `json:"name"`
	// Chains in the order they were declared.
	Chains []Chain `json:"chains"`
}

// Chain is one chain and its rules in evaluation order.
type Chain struct {
	Name string `json:"name"`
	// Policy is ACCEPT or DROP for a built-in chain, "" for a user chain.
	Policy string `json:"policy"`
	Rules  []Rule `json:"rules"`
}

// Rule is one rule. Matches netviz does not model are kept in Raw only.
// A match that iptables negates with "!" has "!" in front of its value,
// e.g. In "!docker0".
type Rule struct {
	// Raw is the rule as iptables-save printed it, after "-A CHAIN ".
	Raw      string `json:"raw"`
	In       string `json:"in,omitempty"`       // -i
	Out      string `json:"out,omitempty"`      // -o
	Source   string `json:"source,omitempty"`   // -s
	Dest     string `json:"dest,omitempty"`     // -d
	Protocol string `json:"protocol,omitempty"` // -p
	DPort    string `json:"dport,omitempty"`    // --dport (a port or first:last)
	// CTState is --ctstate (RELATED,ESTABLISHED ...).
	CTState string `json:"ctstate,omitempty"`
	// DstType is addrtype --dst-type (LOCAL ...).
	DstType string `json:"dstType,omitempty"`
	// Target is the -j target: ACCEPT, DROP, RETURN, DNAT, MASQUERADE, a chain...
	Target string `json:"target,omitempty"`
	// ToDestination is a DNAT's --to-destination (IP:port).
	ToDestination string `json:"toDestination,omitempty"`
	// Other is true when the rule has matches netviz does not model, so
	// that reasoning over it can only be approximate.
	Other bool `json:"other,omitempty"`
	// Handle is a native nftables rule's handle (`nft -a list ruleset`),
	// 0 for iptables rules.
	Handle int `json:"handle,omitempty"`
}

// Clone returns a copy of f that shares no list with it, down to each
// chain's rules, so that sorting one never writes into the other (a live
// view hands out snapshots while it builds the next from the same rules).
func (f Firewall) Clone() Firewall {
	out := f
	out.RuleSets = slices.Clone(f.RuleSets)
	for i := range out.RuleSets {
		rs := &out.RuleSets[i]
		rs.Tables = slices.Clone(rs.Tables)
		for j := range rs.Tables {
			t := &rs.Tables[j]
			t.Chains = slices.Clone(t.Chains)
			for k := range t.Chains {
				t.Chains[k].Rules = slices.Clone(t.Chains[k].Rules)
			}
		}
	}
	out.Nftables = slices.Clone(f.Nftables)
	for i := range out.Nftables {
		t := &out.Nftables[i]
		t.Chains = slices.Clone(t.Chains)
		for j := range t.Chains {
			t.Chains[j].Rules = slices.Clone(t.Chains[j].Rules)
		}
	}
	return out
}

// RuleSet returns the rule set of a backend and family.
func (f *Firewall) RuleSet(backend string, family int) (*RuleSet, bool) {
	for i := range f.RuleSets {
		if f.RuleSets[i].Backend == backend && f.RuleSets[i].Family == family {
			return &f.RuleSets[i], true
		}
	}
	return nil, false
}

// Read reports whether any rules were read.
func (f *Firewall) Read() bool { return len(f.RuleSets) > 0 }

// Chain returns a chain of a table.
func (r *RuleSet) Chain(table, chain string) (*Chain, bool) {
	for i := range r.Tables {
		if r.Tables[i].Name != table {
			continue
		}
		for j := range r.Tables[i].Chains {
			if r.Tables[i].Chains[j].Name == chain {
				return &r.Tables[i].Chains[j], true
			}
		}
	}
	return nil, false
}

// HasDocker reports whether the rule set holds Docker's chains.
func (r *RuleSet) HasDocker() bool {
	_, ok := r.Chain("filter", "DOCKER")
	_, ok2 := r.Chain("nat", "DOCKER")
	return ok || ok2
}

func (f *Firewall) sort() {
	slices.SortFunc(f.RuleSets, func(a, b RuleSet) int {
		if d := strings.Compare(a.Backend, b.Backend); d != 0 {
			return d
		}
		return a.Family - b.Family
	})
	f.RuleSets = nonNil(f.RuleSets)
	f.sortNftables()
	for i := range f.RuleSets {
		f.RuleSets[i].Tables = nonNil(f.RuleSets[i].Tables)
		for j := range f.RuleSets[i].Tables {
			t := &f.RuleSets[i].Tables[j]
			t.Chains = nonNil(t.Chains)
			for k := range t.Chains {
				t.Chains[k].Rules = nonNil(t.Chains[k].Rules)
			}
		}
	}
}

// Sysctl names netviz reads. Per-interface forwarding is
// "net.ipv4.conf.<interface>.forwarding".
const (
	SysctlIPForward       = "net.ipv4.ip_forward"
	SysctlIPv6Forward     = "net.ipv6.conf.all.forwarding"
	SysctlBridgeNFCallIP  = "net.bridge.bridge-nf-call-iptables"
	SysctlBridgeNFCallIP6 = "net.bridge.bridge-nf-call-ip6tables"
)

// ForwardingSysctl is the name of an interface's IPv4 forwarding sysctl.
func ForwardingSysctl(iface string) string { return "net.ipv4.conf." + iface + ".forwarding" }
