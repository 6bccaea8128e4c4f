package explain

import (
	"slices"
	"strings"

	"github.com/netviz/netviz/topo"
)

// Finding gives the commands that show the rules, settings and routes a
// finding of netviz doctor is about; the elements it names (bridges,
// containers, links) have their own commands where they are drawn.
func (e *Explainer) Finding(f topo.Finding) []Command {
	if e.noKernel {
		return nil
	}
	var out []Command
	add := func(cs []Command) {
		for _, c := range cs {
			if !slices.ContainsFunc(out, func(o Command) bool { return o.Line == c.Line }) {
				out = append(out, c)
			}
		}
	}
	for _, r := range f.Subject {
		switch r.Kind {
		case topo.RefRule:
			add(e.chain(r.Name))
		case topo.RefSetting:
			if strings.HasPrefix(r.Name, "net.") {
				add(e.host("the setting "+r.Name+" in the host's namespace", r.Name, "sysctl", r.Name))
			}
		case topo.RefRoute:
			dst, _, _ := strings.Cut(r.Name, " ")
			add(e.host("the host's routes: look for "+r.Name, dst, "ip", "route", "show"))
		}
	}
	return out
}

// chain lists a firewall chain named by a finding's label: "nftables inet
// filter forward" for a native table's, else an iptables chain, in the
// table of Docker's rule set that has it.
func (e *Explainer) chain(label string) []Command {
	if rest, ok := strings.CutPrefix(label, "nftables "); ok {
		f := strings.Fields(rest)
		if len(f) != 3 {
			return nil
		}
		return e.host("the chain "+f[2]+" of nftables table "+f[0]+" "+f[1]+", in nft's syntax", "chain "+f[2],
			"nft", "list", "chain", f[0], f[1], f[2])
	}
	name, _, _ := strings.Cut(label, " ")
	fw := &e.s.Firewall
	rs, ok := fw.RuleSet(fw.DockerBackend, 4)
	if !ok {
		return nil
	}
	for _, t := range rs.Tables {
		if _, ok := rs.Chain(t.Name, name); ok {
			return e.host("the chain "+name+" of table "+t.Name+", rule by rule in order (-P is a built-in chain's policy)",
				name, e.iptables(), "-t", t.Name, "-S", name)
		}
	}
	return nil
}
