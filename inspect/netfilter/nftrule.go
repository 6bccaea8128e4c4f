package netfilter

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

// maxAlternatives bounds how many rules one nft rule becomes when its sets
// and verdict maps are expanded; past it the rule is kept once, as Other.
const maxAlternatives = 256

type ruleConverter struct {
	sets          map[[3]string][]any
	family, table string
}

// convert turns one rule's expressions into rules netviz can evaluate.
func (rc ruleConverter) convert(exprs []map[string]any, comment string) []topo.Rule {
	alts := []topo.Rule{{}}
	var (
		text  []string
		other bool
	)
	for _, e := range exprs {
		if len(e) != 1 {
			other = true
			continue
		}
		for kind, body := range e {
			t, next, ok := rc.statement(kind, body, alts)
			if t != "" {
				text = append(text, t)
			}
			if !ok {
				other = true
				continue
			}
			alts = next
		}
		if len(alts) > maxAlternatives {
			alts, other = []topo.Rule{{}}, true
		}
	}
	raw := strings.Join(text, " ")
	if comment != "" {
		raw += fmt.Sprintf(" comment %q", comment)
	}
	for i := range alts {
		alts[i].Raw = raw
		alts[i].Other = alts[i].Other || other
	}
	return alts
}

// statement applies one expression to every topo.Rule. It returns the
// expression's text and the new topo.Rules; !ok marks the rule Other
// (the topo.Rules are then unchanged).
func (rc ruleConverter) statement(kind string, body any, alts []topo.Rule) (string, []topo.Rule, bool) {
	switch kind {
	case "counter":
		return "", alts, true
	case "log":
		return "log", alts, true
	case "mangle": // meta mark set ...: changes the packet, decides nothing
		sel, _ := rc.selectorOf(field(body, "key"))
		return sel.text + " set " + text(field(body, "value")), alts, true
	case "xt": // a match or target iptables-nft could not translate
		name, _ := field(body, "name").(string)
		return fmt.Sprintf("xt %s %q", text(field(body, "type")), name), alts, false
	case "accept", "drop", "reject", "return", "continue":
		target := strings.ToUpper(kind)
		if kind == "continue" {
			target = ""
		}
		return kind, setTarget(alts, target), true
	case "jump", "goto":
		target, _ := field(body, "target").(string)
		if target == "" {
			return kind, alts, false
		}
		// goto does not come back: firewall.Evaluate cannot follow it.
		return kind + " " + target, setTarget(alts, target), kind == "jump"
	case "masquerade":
		return kind, setTarget(alts, "MASQUERADE"), true
	case "dnat", "snat":
		addr, _ := field(body, "addr").(string)
		to := addr
		if port, ok := number(field(body, "port")); ok {
			to = joinHostPort(addr, port)
		}
		out := setTarget(alts, strings.ToUpper(kind))
		for i := range out {
			out[i].ToDestination = to
		}
		return kind + " to " + to, out, addr != ""
	case "match":
		return rc.match(body, alts)
	case "vmap":
		return rc.vmap(body, alts)
	}
	return kind, alts, false
}

func setTarget(alts []topo.Rule, target string) []topo.Rule {
	out := make([]topo.Rule, len(alts))
	for i, a := range alts {
		if a.Target != "" {
			a.Other = true // two verdicts: netviz keeps the first
		} else {
			a.Target = target
		}
		out[i] = a
	}
	return out
}

func joinHostPort(addr string, port int) string {
	if strings.Contains(addr, ":") {
		return "[" + addr + "]:" + strconv.Itoa(port)
	}
	return addr + ":" + strconv.Itoa(port)
}

// selector is the left side of a match netviz models: which rule field it
// fills and how a value of it reads.
type selector struct {
	text  string
	field string // in, out, source, dest, protocol, dport, ctstate, dsttype
	proto string // tcp/udp for "tcp dport": also sets Protocol
	iface bool   // values are interface names: quoted, * is iptables' +
}

func (rc ruleConverter) selectorOf(left any) (selector, bool) {
	m, ok := left.(map[string]any)
	if !ok || len(m) != 1 {
		return selector{text: text(left)}, false
	}
	for kind, body := range m {
		switch kind {
		case "meta":
			key, _ := field(body, "key").(string)
			switch key {
			case "iifname", "iif":
				return selector{text: key, field: "in", iface: true}, true
			case "oifname", "oif":
				return selector{text: key, field: "out", iface: true}, true
			case "l4proto":
				return selector{text: "meta l4proto", field: "protocol"}, true
			}
			return selector{text: "meta " + key}, false
		case "payload":
			proto, _ := field(body, "protocol").(string)
			f, _ := field(body, "field").(string)
			s := selector{text: proto + " " + f}
			switch {
			case (proto == "ip" || proto == "ip6") && f == "saddr":
				s.field = "source"
			case (proto == "ip" || proto == "ip6") && f == "daddr":
				s.field = "dest"
			case proto == "ip" && f == "protocol", proto == "ip6" && f == "nexthdr":
				s.field = "protocol"
			case (proto == "tcp" || proto == "udp") && f == "dport":
				s.field, s.proto = "dport", proto
			case proto == "th" && f == "dport":
				s.field = "dport"
			default:
				return s, false
			}
			return s, true
		case "ct":
			key, _ := field(body, "key").(string)
			return selector{text: "ct " + key, field: "ctstate"}, key == "state"
		case "fib":
			res, _ := field(body, "result").(string)
			flags, _ := field(body, "flags").([]any)
			var fl []string
			for _, f := range flags {
				s, _ := f.(string)
				fl = append(fl, s)
			}
			s := selector{text: "fib " + strings.Join(fl, " . ") + " " + res, field: "dsttype"}
			return s, res == "type" && len(fl) == 1 && fl[0] == "daddr"
		}
		return selector{text: kind}, false
	}
	return selector{}, false
}

// values are what the right side of a match stands for, one string each,
// in the rule field's terms ("br-+", "10.0.0.0/8", "80:90", "ESTABLISHED").
func (rc ruleConverter) values(sel selector, right any) ([]string, bool) {
	if name, ok := right.(string); ok && strings.HasPrefix(name, "@") {
		elems, found := rc.sets[[3]string{rc.family, rc.table, name[1:]}]
		if !found {
			return nil, false
		}
		right = map[string]any{"set": elems}
	}
	var items []any
	switch r := right.(type) {
	case map[string]any:
		if s, ok := r["set"].([]any); ok {
			items = s
		} else {
			items = []any{r}
		}
	case []any: // ct state established,related
		items = r
	default:
		items = []any{r}
	}
	var out []string
	for _, it := range items {
		v, ok := value(sel, unwrap(it))
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	if sel.field == "ctstate" && len(out) > 0 {
		// One state of several: iptables' --ctstate ESTABLISHED,RELATED.
		return []string{strings.Join(out, ",")}, true
	}
	return out, len(out) > 0
}

// unwrap takes the value out of {"elem": {"val": X, "timeout": ...}}.
func unwrap(v any) any {
	if e := field(v, "elem"); e != nil {
		return field(e, "val")
	}
	return v
}

func value(sel selector, v any) (string, bool) {
	switch sel.field {
	case "in", "out":
		s, ok := v.(string)
		if !ok || s == "" {
			return "", false
		}
		if strings.HasSuffix(s, "*") && !strings.HasSuffix(s, `\*`) {
			s = strings.TrimSuffix(s, "*") + "+"
		}
		return s, true
	case "source", "dest":
		if s, ok := v.(string); ok {
			return s, true
		}
		p := field(v, "prefix")
		addr, _ := field(p, "addr").(string)
		bits, ok := number(field(p, "len"))
		return addr + "/" + strconv.Itoa(bits), ok && addr != ""
	case "protocol":
		if s, ok := v.(string); ok {
			return s, true
		}
		n, ok := number(v)
		name := map[int]string{1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp"}[n]
		return name, ok && name != ""
	case "dport":
		if n, ok := number(v); ok {
			return strconv.Itoa(n), true
		}
		if r, ok := field(v, "range").([]any); ok && len(r) == 2 {
			lo, ok1 := number(r[0])
			hi, ok2 := number(r[1])
			return strconv.Itoa(lo) + ":" + strconv.Itoa(hi), ok1 && ok2
		}
	case "ctstate":
		s, ok := v.(string)
		return strings.ToUpper(s), ok && s != ""
	case "dsttype":
		if s, _ := v.(string); s == "local" {
			return "LOCAL", true
		}
	}
	return "", false
}

func (rc ruleConverter) match(body any, alts []topo.Rule) (string, []topo.Rule, bool) {
	op, _ := field(body, "op").(string)
	left, right := field(body, "left"), field(body, "right")
	sel, ok := rc.selectorOf(left)
	t := sel.text
	switch op {
	case "==", "in":
		t += " " + rc.text(sel, right)
	default:
		t += " " + op + " " + rc.text(sel, right)
	}
	if !ok || (op != "==" && op != "in" && op != "!=") {
		return t, alts, false
	}
	vals, ok := rc.values(sel, right)
	if !ok {
		return t, alts, false
	}
	if op == "!=" {
		// != { a, b } is "neither": not one rule per element.
		if len(vals) != 1 {
			return t, alts, false
		}
		vals[0] = "!" + vals[0]
	}
	out, ok := expand(alts, sel, vals, nil)
	return t, out, ok
}

// vmap expands `oifname vmap { "docker0" : jump x, ... }` (or a named map)
// into one rule per element: a lookup that finds nothing goes on with the
// next rule, like a rule that does not match.
func (rc ruleConverter) vmap(body any, alts []topo.Rule) (string, []topo.Rule, bool) {
	sel, ok := rc.selectorOf(field(body, "key"))
	data := field(body, "data")
	t := sel.text + " vmap " + text(data)
	if !ok {
		return t, alts, false
	}
	var pairs []any
	if name, isName := data.(string); isName && strings.HasPrefix(name, "@") {
		elems, found := rc.sets[[3]string{rc.family, rc.table, name[1:]}]
		if !found {
			return t, alts, false
		}
		pairs = elems
	} else if s, isSet := field(data, "set").([]any); isSet {
		pairs = s
	} else {
		return t, alts, false
	}
	var (
		vals     []string
		verdicts []string
	)
	for _, p := range pairs {
		kv, ok := p.([]any)
		if !ok || len(kv) != 2 {
			return t, alts, false
		}
		v, ok := value(sel, unwrap(kv[0]))
		verdict, vok := verdictOf(kv[1])
		if !ok || !vok {
			return t, alts, false
		}
		vals, verdicts = append(vals, v), append(verdicts, verdict)
	}
	out, ok := expand(alts, sel, vals, verdicts)
	return t, out, ok
}

// verdictOf reads a map's verdict: {"accept": null}, {"jump": {"target": x}}.
func verdictOf(v any) (string, bool) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return "", false
	}
	for k, body := range m {
		switch k {
		case "accept", "drop", "reject", "return":
			return strings.ToUpper(k), true
		case "jump":
			t, _ := field(body, "target").(string)
			return t, t != ""
		}
	}
	return "", false
}

// expand sets a field to each value in turn: one topo.Rule per value
// (with its verdict, for a verdict map). A field already set to another
// value makes the rule Other.
func expand(alts []topo.Rule, sel selector, vals, verdicts []string) ([]topo.Rule, bool) {
	var out []topo.Rule
	for _, a := range alts {
		for i, v := range vals {
			b := a
			if !set(&b, sel, v) {
				return alts, false
			}
			if verdicts != nil {
				if b.Target != "" {
					return alts, false
				}
				b.Target = verdicts[i]
			}
			out = append(out, b)
		}
	}
	return out, true
}

func set(r *topo.Rule, sel selector, v string) bool {
	put := func(f *string, v string) bool {
		if *f != "" && *f != v {
			return false
		}
		*f = v
		return true
	}
	switch sel.field {
	case "in":
		return put(&r.In, v)
	case "out":
		return put(&r.Out, v)
	case "source":
		return put(&r.Source, v)
	case "dest":
		return put(&r.Dest, v)
	case "protocol":
		return put(&r.Protocol, v)
	case "dport":
		return (sel.proto == "" || put(&r.Protocol, sel.proto)) && put(&r.DPort, v)
	case "ctstate":
		return put(&r.CTState, v)
	case "dsttype":
		return put(&r.DstType, v)
	}
	return false
}

// text renders the right side of a match about as nft prints it.
func (rc ruleConverter) text(sel selector, v any) string {
	if s, ok := v.(string); ok && sel.iface && !strings.HasPrefix(s, "@") {
		return strconv.Quote(s)
	}
	if s, ok := field(v, "set").([]any); ok {
		parts := make([]string, len(s))
		for i, e := range s {
			parts[i] = rc.text(sel, unwrap(e))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return text(v)
}
