// Package netfilter reads the host's packet-filter rules and forwarding
// sysctls: it runs iptables-save and ip6tables-save for each iptables backend
// that is installed (legacy and nft) and parses what they print into the
// topo model. It only reads; it never changes a rule or a setting.
package netfilter

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/netviz/netviz/topo"
)

// ParseError is a line iptables-save would never print.
type ParseError struct {
	Line int
	Text string
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("line %d: %s: %q", e.Line, e.Msg, e.Text)
}

// maxLine bounds a rule line; iptables-save lines are far shorter.
const maxLine = 1 << 20

// Parse reads the output of iptables-save (any backend, either family).
// Unknown matches are kept in Rule.Raw and flagged with Rule.Other.
func Parse(data []byte) ([]topo.Table, error) {
	var (
		tables []topo.Table
		cur    *topo.Table
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "*"):
			name := strings.TrimSpace(line[1:])
			if name == "" {
				return nil, &ParseError{n, line, "table without a name"}
			}
			tables = append(tables, topo.Table{Name: name})
			cur = &tables[len(tables)-1]
		case line == "COMMIT":
			if cur == nil {
				return nil, &ParseError{n, line, "COMMIT outside a table"}
			}
			cur = nil
		case strings.HasPrefix(line, ":"):
			if cur == nil {
				return nil, &ParseError{n, line, "chain outside a table"}
			}
			f := strings.Fields(line[1:])
			if len(f) == 0 {
				return nil, &ParseError{n, line, "chain without a name"}
			}
			c := topo.Chain{Name: f[0]}
			if len(f) > 1 && f[1] != "-" {
				c.Policy = f[1]
			}
			cur.Chains = append(cur.Chains, c)
		case strings.HasPrefix(line, "-A ") || strings.HasPrefix(line, "-I "):
			if cur == nil {
				return nil, &ParseError{n, line, "rule outside a table"}
			}
			args, err := split(line)
			if err != nil {
				return nil, &ParseError{n, line, err.Error()}
			}
			if len(args) < 2 {
				return nil, &ParseError{n, line, "rule without a chain"}
			}
			chain := args[1]
			if chain == "" {
				return nil, &ParseError{n, line, "rule without a chain"}
			}
			c := chainOf(cur, chain)
			if c == nil {
				// iptables-save declares every chain first; tolerate it anyway.
				cur.Chains = append(cur.Chains, topo.Chain{Name: chain})
				c = &cur.Chains[len(cur.Chains)-1]
			}
			r := parseRule(args[2:])
			r.Raw = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line[2:]), chain))
			c.Rules = append(c.Rules, r)
		default:
			return nil, &ParseError{n, line, "not an iptables-save line"}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	return tables, nil
}

func chainOf(t *topo.Table, name string) *topo.Chain {
	for i := range t.Chains {
		if t.Chains[i].Name == name {
			return &t.Chains[i]
		}
	}
	return nil
}

// split cuts a rule line into arguments the way iptables-save quotes them:
// double quotes group, a backslash escapes the next character.
func split(line string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		in    bool
		quote bool
	)
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			in = true
		case ch == '"':
			quote = !quote
			in = true
		case (ch == ' ' || ch == '\t') && !quote:
			if in {
				args = append(args, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if quote {
		return nil, fmt.Errorf("unterminated quote")
	}
	if in {
		args = append(args, cur.String())
	}
	return args, nil
}

// parseRule reads the matches and target netviz reasons with.
func parseRule(args []string) topo.Rule {
	var r topo.Rule
	neg, target := false, false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "!" {
			neg = true
			continue
		}
		if dst := ruleField(&r, a); dst != nil {
			target = target || dst == &r.Target
			if i+1 < len(args) {
				v := args[i+1]
				if neg {
					v = "!" + v
				}
				*dst = v
				i++
			}
		} else {
			i += skipOption(&r, args[i:], target)
		}
		neg = false
	}
	return r
}

// ruleField is the field of r that option opt's value goes to, nil for an
// option netviz does not keep.
func ruleField(r *topo.Rule, opt string) *string {
	switch opt {
	case "-i", "--in-interface":
		return &r.In
	case "-o", "--out-interface":
		return &r.Out
	case "-s", "--source":
		return &r.Source
	case "-d", "--destination":
		return &r.Dest
	case "-p", "--protocol":
		return &r.Protocol
	case "--dport", "--destination-port":
		return &r.DPort
	case "--ctstate", "--state":
		return &r.CTState
	case "--dst-type":
		return &r.DstType
	case "-j", "--jump", "-g", "--goto":
		return &r.Target
	case "--to-destination":
		return &r.ToDestination
	}
	return nil
}

// skipOption passes over args[0], an argument netviz does not keep, and
// says how many values after it to skip too. It marks r Other when the
// option changes which packets match; afterTarget says a target came
// before it, whose options do not.
func skipOption(r *topo.Rule, args []string, afterTarget bool) int {
	switch a := args[0]; {
	case a == "-m" || a == "--match":
		// The module's own options follow; "-m tcp" and friends say nothing alone.
		if len(args) < 2 {
			return 0
		}
		switch args[1] {
		case "tcp", "udp", "sctp", "conntrack", "state", "addrtype", "comment":
		default:
			r.Other = true
		}
		return 1
	case a == "--comment":
		return 1
	case strings.HasPrefix(a, "-"):
		// An option we do not model; skip its value if it has one.
		// After -j it is the target's (--reject-with, --to-ports):
		// it does not change which packets match.
		if !afterTarget {
			r.Other = true
		}
		if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
			return 1
		}
	}
	return 0
}
