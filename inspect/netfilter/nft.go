package netfilter

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

// iptablesNftTables are the tables iptables-nft and ip6tables-nft keep in
// families ip and ip6. nft lists them too, but iptables-nft-save already
// printed them, in the iptables terms the rest of netviz reasons with.
var iptablesNftTables = map[string]bool{"filter": true, "nat": true, "mangle": true, "raw": true, "security": true}

// IptablesNft reports whether a table of `nft list ruleset` is one that
// iptables-nft-save (for family ip) or ip6tables-nft-save (ip6) prints.
func IptablesNft(family, table string) bool {
	return (family == "ip" || family == "ip6") && iptablesNftTables[table]
}

// nftDoc is what `nft -j list ruleset` prints: {"nftables": [{kind: {...}}, ...]}.
type nftDoc struct {
	Nftables *[]nftObject `json:"nftables"`
}

type nftObject struct {
	Table *struct {
		Family string `json:"family"`
		Name   string `json:"name"`
	} `json:"table"`
	Chain *struct {
		Family string `json:"family"`
		Table  string `json:"table"`
		Name   string `json:"name"`
		Type   string `json:"type"`
		Hook   string `json:"hook"`
		Prio   any    `json:"prio"`
		Policy string `json:"policy"`
	} `json:"chain"`
	Rule *struct {
		Family  string           `json:"family"`
		Table   string           `json:"table"`
		Chain   string           `json:"chain"`
		Handle  int              `json:"handle"`
		Comment string           `json:"comment"`
		Expr    []map[string]any `json:"expr"`
	} `json:"rule"`
	Set *nftSet `json:"set"`
	Map *nftSet `json:"map"`
}

// nftSet is a named set or map: its elements are values, or [key, value]
// pairs for a map.
type nftSet struct {
	Family string `json:"family"`
	Table  string `json:"table"`
	Name   string `json:"name"`
	Elem   []any  `json:"elem"`
}

// ParseNft reads the output of `nft -j list ruleset`. It returns every
// table, iptables-nft's included (see IptablesNft). Rules become
// topo.Rules: the matches netviz models (interface names, addresses,
// protocol, destination port, conntrack state, fib daddr type local) and
// the verdict; a rule testing a set or a verdict map of interface names,
// ports or states becomes one rule per element; anything else makes the
// rule Other.
func ParseNft(data []byte) ([]topo.NftTable, error) {
	var doc nftDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("nft JSON: %w", err)
	}
	if doc.Nftables == nil {
		return nil, errors.New(`nft JSON: no "nftables" array`)
	}
	var (
		tables []topo.NftTable
		index  = map[[2]string]int{}    // family, table → tables[i]
		sets   = map[[3]string][]any{}  // family, table, name → elements
		chains = map[[3]string][2]int{} // family, table, chain → tables[i].Chains[j]
	)
	// Sets and maps first: rules refer to them by name.
	for _, o := range *doc.Nftables {
		for _, s := range []*nftSet{o.Set, o.Map} {
			if s != nil {
				sets[[3]string{s.Family, s.Table, s.Name}] = s.Elem
			}
		}
	}
	for i, o := range *doc.Nftables {
		switch {
		case o.Table != nil:
			if o.Table.Family == "" || o.Table.Name == "" {
				return nil, fmt.Errorf("nft JSON: object %d: table without a family or name", i)
			}
			k := [2]string{o.Table.Family, o.Table.Name}
			if _, dup := index[k]; dup {
				return nil, fmt.Errorf("nft JSON: object %d: table %s %s listed twice", i, k[0], k[1])
			}
			index[k] = len(tables)
			tables = append(tables, topo.NftTable{Family: o.Table.Family, Name: o.Table.Name})
		case o.Chain != nil:
			c := o.Chain
			ti, ok := index[[2]string{c.Family, c.Table}]
			if !ok || c.Name == "" {
				return nil, fmt.Errorf("nft JSON: object %d: chain %q of an unlisted table %s %s", i, c.Name, c.Family, c.Table)
			}
			k := [3]string{c.Family, c.Table, c.Name}
			if _, dup := chains[k]; dup {
				return nil, fmt.Errorf("nft JSON: object %d: chain %s %s %s listed twice", i, c.Family, c.Table, c.Name)
			}
			nc := topo.NftChain{Chain: topo.Chain{Name: c.Name}, Type: c.Type, Hook: c.Hook, Priority: priority(c.Prio)}
			if c.Hook != "" {
				nc.Policy = strings.ToUpper(c.Policy)
				if nc.Policy == "" {
					nc.Policy = "ACCEPT" // nft's default policy
				}
			}
			chains[k] = [2]int{ti, len(tables[ti].Chains)}
			tables[ti].Chains = append(tables[ti].Chains, nc)
		case o.Rule != nil:
			r := o.Rule
			at, ok := chains[[3]string{r.Family, r.Table, r.Chain}]
			if !ok {
				return nil, fmt.Errorf("nft JSON: object %d: rule of an unlisted chain %s %s %s", i, r.Family, r.Table, r.Chain)
			}
			rc := ruleConverter{sets: sets, family: r.Family, table: r.Table}
			rules := rc.convert(r.Expr, r.Comment)
			for j := range rules {
				rules[j].Handle = r.Handle
			}
			c := &tables[at[0]].Chains[at[1]]
			c.Rules = append(c.Rules, rules...)
		}
	}
	return tables, nil
}

// priority reads a chain's "prio": a number, or a standard priority's name
// in nft versions that print one.
func priority(v any) int {
	switch p := v.(type) {
	case float64:
		if p >= math.MinInt32 && p <= math.MaxInt32 {
			return int(p)
		}
	case string:
		return map[string]int{"raw": -300, "mangle": -150, "dstnat": -100, "filter": 0, "security": 50, "srcnat": 100}[p]
	}
	return 0
}

// text renders a JSON value about as nft prints it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if n, ok := number(x); ok {
			return strconv.Itoa(n)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = text(e)
		}
		return strings.Join(parts, ",")
	case map[string]any:
		if p := x["prefix"]; p != nil {
			return text(field(p, "addr")) + "/" + text(field(p, "len"))
		}
		if r, ok := x["range"].([]any); ok && len(r) == 2 {
			return text(r[0]) + "-" + text(r[1])
		}
		if s, ok := x["set"].([]any); ok {
			parts := make([]string, len(s))
			for i, e := range s {
				if kv, ok := e.([]any); ok && len(kv) == 2 {
					parts[i] = text(kv[0]) + " : " + verdictText(kv[1])
				} else {
					parts[i] = text(unwrap(e))
				}
			}
			return "{ " + strings.Join(parts, ", ") + " }"
		}
		keys := slices.Sorted(maps.Keys(x))
		if len(keys) > 0 {
			return keys[0]
		}
	}
	return ""
}

func verdictText(v any) string {
	m, _ := v.(map[string]any)
	for k, body := range m {
		if t, ok := field(body, "target").(string); ok {
			return k + " " + t
		}
		return k
	}
	return text(v)
}

// field is obj[key] for a JSON object, nil otherwise.
func field(obj any, key string) any {
	m, _ := obj.(map[string]any)
	return m[key]
}

// number is a JSON number that is a whole int.
func number(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return 0, false
	}
	return int(f), true
}
