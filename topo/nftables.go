package topo

import (
	"cmp"
	"slices"
	"strings"
)

// BackendNftables is Firewall.DockerBackend when Docker keeps its rules in
// native nftables tables of its own (`ip docker-bridges`, Docker 29's
// firewall-backend=nftables) instead of iptables.
const BackendNftables = "nftables"

// DockerNftTable is the table Docker's nftables backend creates, in family
// ip and ip6.
const DockerNftTable = "docker-bridges"

// NftTable is a native nftables table: one that `nft list ruleset` shows
// but iptables-save does not (Debian's /etc/nftables.conf, firewalld,
// Docker's docker-bridges).
type NftTable struct {
	// Family is nft's: ip, ip6, inet, arp, bridge or netdev.
	Family string `json:"family"`
	Name   string `json:"name"`
	// Chains in the order nft listed them.
	Chains []NftChain `json:"chains"`
}

// NftChain is a chain of a native table. Its rules use the fields of an
// iptables rule (Target ACCEPT, DROP, a chain to jump to...), with Raw in
// nft's syntax; Policy is ACCEPT or DROP for a base chain, "" for a
// regular chain, as in iptables.
type NftChain struct {
	Chain
	// Type is filter, nat or route for a base chain, "" for a regular one.
	Type string `json:"type,omitempty"`
	// Hook is where a base chain is attached (prerouting, input, forward,
	// output, postrouting, ingress), "" for a regular chain.
	Hook string `json:"hook,omitempty"`
	// Priority orders the base chains on one hook, lowest first.
	Priority int `json:"priority"`
}

// Base reports whether the chain is attached to a hook.
func (c *NftChain) Base() bool { return c.Hook != "" }

// Label names a chain of the table the way netviz reports it:
// "nftables inet filter forward".
func (t *NftTable) Label(chain string) string {
	return "nftables " + t.Family + " " + t.Name + " " + chain
}

// Nftable returns a native table.
func (f *Firewall) Nftable(family, name string) (*NftTable, bool) {
	for i := range f.Nftables {
		if f.Nftables[i].Family == family && f.Nftables[i].Name == name {
			return &f.Nftables[i], true
		}
	}
	return nil, false
}

func (f *Firewall) sortNftables() {
	slices.SortStableFunc(f.Nftables, func(a, b NftTable) int {
		return cmp.Or(strings.Compare(a.Family, b.Family), strings.Compare(a.Name, b.Name))
	})
	f.Nftables = nonNil(f.Nftables)
	for i := range f.Nftables {
		t := &f.Nftables[i]
		t.Chains = nonNil(t.Chains)
		for j := range t.Chains {
			t.Chains[j].Rules = nonNil(t.Chains[j].Rules)
		}
	}
}
