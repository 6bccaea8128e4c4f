package tree

import (
	"strconv"
	"strings"

	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/topo"
)

func (b *builder) firewallNode() *node {
	fw, sysctls := b.s.Firewall, b.s.Sysctls
	if len(fw.RuleSets) == 0 && len(fw.Nftables) == 0 && fw.DockerBackend == "" {
		return nil
	}
	n := &node{cells: []cell{cellOf(textPlain, "firewall")}}
	switch fw.DockerBackend {
	case "":
		n.cells = append(n.cells, cellOf(textWarning, "no Docker rules found"))
	case topo.BackendNftables:
		n.cells = append(n.cells, cellOf(textPlain, "Docker's rules in nftables (table ip docker-bridges)"))
	default:
		n.cells = append(n.cells, cellOf(textPlain, "Docker's rules in iptables-"+fw.DockerBackend))
	}
	if fw.Default != "" && fw.Default != fw.DockerBackend {
		n.cells = append(n.cells, cellOf(textWarning, "iptables command: "+fw.Default))
	}
	if k := len(fw.Nftables); k > 0 {
		n.cells = append(n.cells, cellOf(textPlain, countOf(k, "native nftables table", "native nftables tables", "")))
	}
	switch sysctls[topo.SysctlIPForward] {
	case "1":
		n.cells = append(n.cells, cellOf(textPlain, "ip_forward on"))
	case "0":
		n.cells = append(n.cells, cellOf(textWarning, "ip_forward off"))
	}
	b.explainFirewall(n)
	return n
}

// leftovers are the containers no link placed in the tree, one line per
// reason: host network, no network, namespace not read, no link, stopped.
func (b *builder) leftovers() []*node {
	const (
		hostNet = iota
		noNet
		unread
		unlinked
		stopped
		reasons
	)
	labels := [reasons]string{"host network: ", "no network: ", "namespace not read: ", "no host link: ", "stopped: "}
	var lines [reasons]*node
	for i := range b.s.Containers {
		c := &b.s.Containers[i]
		if b.shown[c.Name] {
			continue
		}
		owner := c
		if o, ok := b.containers[c.SharesNamespaceWith]; ok {
			owner = o
		}
		var why int
		var note string
		switch {
		case c.State != topo.StateRunning && c.State != topo.StatePaused:
			why, note = stopped, c.State
		case owner.NetworkMode == "host" || c.Namespace != "" && c.Namespace == b.s.Host.Namespace:
			why = hostNet
		case c.Namespace == "":
			why = unread
		case owner.NetworkMode == "none":
			why = noNet
			if owner == c {
				note = b.loopbackNote(c.Namespace)
			}
		default:
			why, note = unlinked, owner.NetworkMode
		}
		if owner != c {
			note = strings.TrimPrefix(note+", ", ", ") + "container:" + owner.Name
		}
		if c.State == topo.StatePaused {
			note = strings.TrimPrefix(note+", ", ", ") + c.State
		}
		kind := textContainer
		if why == stopped {
			kind = textStopped
		}
		if lines[why] == nil {
			lines[why] = &node{cells: []cell{{spans: []span{{labels[why], textPlain}}}}}
		} else {
			lines[why].cells[0].spans = append(lines[why].cells[0].spans, span{", ", textPlain})
		}
		spans := &lines[why].cells[0].spans
		*spans = append(*spans, span{c.Name, kind})
		b.explainOther(lines[why], c.Name)
		if note != "" {
			*spans = append(*spans, span{" (" + note + ")", textPlain})
		}
		if ps := b.marks.List(marks.Union(b.marks.Container(c.Name), b.marks.Rest(c.Name))); len(ps) > 0 {
			*spans = append(*spans, span{" ", textPlain})
			*spans = append(*spans, b.problemCell(ps).spans...)
		}
	}
	var out []*node
	for _, l := range lines {
		if l != nil {
			out = append(out, l)
		}
	}
	return out
}

// loopbackNote says which links a network-less namespace has: "lo only"
// when that is all, as it should be.
func (b *builder) loopbackNote(ns string) string {
	var names []string
	for _, i := range b.s.NamespaceInterfaces(ns) {
		names = append(names, i.Name)
	}
	if len(names) == 1 && names[0] == "lo" {
		return "lo only"
	}
	return strings.Join(names, ", ")
}

func mtu(n int) string {
	if n <= 0 {
		return ""
	}
	return "mtu " + strconv.Itoa(n)
}

func countOf(n int, one, many, none string) string {
	switch n {
	case 0:
		return none
	case 1:
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
