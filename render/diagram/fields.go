package diagram

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/netviz/netviz/topo"
)

func uplinkLabel(n *topo.Network) string {
	var parts []string
	for _, sn := range n.Subnets {
		parts = append(parts, sn.Subnet)
	}
	parts = append(parts, "routed / NAT")
	return strings.Join(parts, "\n")
}

func ifaceLines(i *topo.Interface) []string {
	lines := clipAll(i.Addresses)
	if i.MAC != "" && i.MAC != "00:00:00:00:00:00" {
		lines = append(lines, i.MAC)
	}
	if i.MTU > 0 {
		lines = append(lines, "mtu "+strconv.Itoa(i.MTU))
	}
	if i.State == "down" || (i.State != "" && !i.Up) {
		lines = append(lines, "down")
	}
	return lines
}

func containerLine(c *topo.Container) string {
	line := c.Image
	if c.State != "" && c.State != topo.StateRunning {
		line += " · " + c.State
	}
	return clip(line)
}

// portLines formats published ports as "host:8080 → container:80/tcp",
// once for Docker's IPv4 and IPv6 twins.
func portLines(c *topo.Container) []string {
	var out []string
	for _, p := range c.Ports {
		if p.HostPort == 0 {
			continue
		}
		host := "host"
		switch p.HostIP {
		case "", "0.0.0.0", "::":
		default:
			host = p.HostIP
			if strings.Contains(host, ":") {
				host = "[" + host + "]"
			}
		}
		line := fmt.Sprintf("%s:%d → container:%d/%s", host, p.HostPort, p.ContainerPort, cmp.Or(p.Protocol, "tcp"))
		if !slices.Contains(out, line) {
			out = append(out, line)
		}
	}
	return out
}

func topImages(images map[string]int) []string {
	names := slices.Sorted(maps.Keys(images))
	slices.SortStableFunc(names, func(a, b string) int { return images[b] - images[a] })
	var parts []string
	for i, name := range names {
		if i == 2 {
			parts = append(parts, fmt.Sprintf("%d more", len(names)-2))
			break
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", name, images[name]))
	}
	return clipAll(parts)
}

func namespaceName(id, name string) string {
	if name != "" {
		return "netns " + name
	}
	return "namespace " + id
}

func containerFields(c *topo.Container) []Field {
	f := fieldsOf(
		"container", c.Name,
		"id", c.ID,
		"image", c.Image,
		"state", c.State,
		"network mode", c.NetworkMode,
		"pid", intField(c.PID),
		"namespace", c.Namespace,
		"shares namespace with", c.SharesNamespaceWith,
	)
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		f = append(f, Field{Key: "label " + k, Value: c.Labels[k]})
	}
	for _, p := range c.Ports {
		host := p.HostIP
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		f = append(f, Field{Key: "port", Value: fmt.Sprintf("%s:%d → %d/%s", host, p.HostPort, p.ContainerPort, p.Protocol)})
	}
	for _, e := range c.Endpoints {
		v := []string{e.IPv4}
		v = append(v, e.IPv6...)
		if e.MAC != "" {
			v = append(v, "mac "+e.MAC)
		}
		if e.Gateway != "" {
			v = append(v, "gateway "+e.Gateway)
		}
		f = append(f, Field{Key: "endpoint " + e.Network, Value: strings.Join(nonEmpty(v...), ", ")})
	}
	return f
}

func namespaceFields(n *netns) []Field {
	if n.ns == nil {
		return fieldsOf("namespace", n.id)
	}
	ns := n.ns
	return fieldsOf(
		"namespace", ns.ID,
		"inode", strconv.FormatUint(ns.Inode, 10),
		"nsid", strconv.Itoa(ns.NsID),
		"netns name", ns.Name,
		"owner", ns.Owner,
		"containers", strings.Join(ns.Containers, ", "),
	)
}

func networkFields(n *topo.Network) []Field {
	f := fieldsOf(
		"network", n.Name,
		"network id", n.ID,
		"driver", n.Driver,
		"scope", n.Scope,
		"internal", strconv.FormatBool(n.Internal),
		"ipv6", strconv.FormatBool(n.IPv6),
		"parent", n.Parent,
	)
	for _, sn := range n.Subnets {
		f = append(f, Field{Key: "subnet", Value: strings.Join(nonEmpty(sn.Subnet, prefixed("gateway ", sn.Gateway)), ", ")})
	}
	for _, k := range slices.Sorted(maps.Keys(n.Labels)) {
		f = append(f, Field{Key: "label " + k, Value: n.Labels[k]})
	}
	return f
}

func ifaceFields(i *topo.Interface) []Field {
	return fieldsOf(
		"interface", i.Name,
		"ifindex", intField(i.Index),
		"kind", i.Kind,
		"mac", i.MAC,
		"mtu", intField(i.MTU),
		"state", i.State,
		"admin up", boolField(i.Up, i.State != ""),
		"addresses", strings.Join(i.Addresses, ", "),
		"master", i.Master,
		"host peer", i.HostPeer,
		"parent", i.Parent,
		"peer namespace", i.PeerNamespace,
		"peer ifindex", intField(i.PeerIndex),
		"network", i.Network,
	)
}

func pairFields(p *topo.Pair) []Field {
	return fieldsOf(
		"pair: container", p.Container,
		"pair: container id", p.ContainerID,
		"pair: container interface", p.ContainerInterface,
		"pair: container ifindex", intField(p.ContainerIfindex),
		"pair: host interface", p.HostInterface,
		"pair: host ifindex", intField(p.HostIfindex),
		"pair: bridge", p.Bridge,
		"pair: network", p.Network,
		"pair: mac", p.MAC,
		"pair: ipv4", p.IPv4,
		"pair: ipv6", strings.Join(p.IPv6, ", "),
		"pair: namespace", p.Namespace,
		"pair: netns name", p.NamespaceName,
		"pair: shared with", strings.Join(p.SharedWith, ", "),
		"pair: verified", strconv.FormatBool(p.Verified),
	)
}

// fieldsOf pairs up keys and values, leaving out empty values.
func fieldsOf(kv ...string) []Field {
	f := []Field{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			f = append(f, Field{Key: kv[i], Value: kv[i+1]})
		}
	}
	return f
}

func intField(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func boolField(v, known bool) string {
	if !known {
		return ""
	}
	return strconv.FormatBool(v)
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

func nonEmpty(ss ...string) []string {
	out := []string{}
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func orEmpty(lines []string) []string {
	if lines == nil {
		return []string{}
	}
	return lines
}

// clip shortens s to MaxLabel characters for a label, and makes
// it one line of valid UTF-8 without control characters.
func clip(s string) string {
	s = Clean(s)
	if utf8.RuneCountInString(s) <= MaxLabel {
		return s
	}
	r := []rune(s)
	return string(r[:MaxLabel-1]) + "…"
}

// Clean makes s valid UTF-8 on one line, without control characters,
// which neither XML nor a Mermaid label can hold.
func Clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
}

func clipAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, clip(s))
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
