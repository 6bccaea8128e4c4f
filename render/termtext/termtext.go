// Package termtext holds what the terminal views (the tree, the veth
// table) show the same way: names made printable, published ports as docker ps writes them, and the
// namespace of a veth's peer when no container owns it.
package termtext

import (
	"cmp"
	"net"
	"strconv"
	"strings"
	"unicode"

	"github.com/netviz/netviz/topo"
)

// Printable escapes control and other unprintable characters, as %q
// would: interface and netns names may hold escape sequences, and a name
// must not be able to repaint the terminal or break a column.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsPrint(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRune(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}

// PeerNamespace names the namespace of an orphan pair's peer: its
// /run/netns name, else its ID, else "?" when the peer was not found.
func PeerNamespace(p topo.Pair) string {
	return cmp.Or(p.NamespaceName, p.Namespace, "?")
}

// PublishedPorts formats published ports as docker ps does:
// "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp".
func PublishedPorts(ports []topo.Port) string {
	out := make([]string, 0, len(ports))
	for _, p := range ports {
		host := net.JoinHostPort(cmp.Or(p.HostIP, "0.0.0.0"), strconv.Itoa(p.HostPort))
		out = append(out, host+"->"+strconv.Itoa(p.ContainerPort)+"/"+cmp.Or(p.Protocol, "tcp"))
	}
	return strings.Join(out, ", ")
}
