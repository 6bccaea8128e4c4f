package format

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/netviz/netviz/render/termtext"
	"github.com/netviz/netviz/topo"
)

// TableOptions say how WriteVethTable prints.
type TableOptions struct {
	// NoHeader leaves out the header row.
	NoHeader bool
}

// vethColumns are the columns of WriteVethTable.
var vethColumns = []string{
	"HOST VETH", "IFINDEX", "BRIDGE", "CONTAINER", "IFACE", "PEER IFINDEX", "NETWORK", "IPV4", "IPV6", "MAC", "PORTS",
}

// newTableWriter is the tabwriter of every netviz table, docker's spacing.
func newTableWriter(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
}

// WriteVethTable writes one row per veth pair, in the order given (a
// snapshot's pairs are sorted by container, orphans last). Empty cells
// are "-". A pair with no container shows its peer's namespace in the
// CONTAINER column in parentheses: "(netns blue)" for a named one,
// "(netns ns-4026532932)" otherwise, "(netns ?)" when the peer was not
// found. On a Swarm node, a pair whose host end is a port of an overlay
// sandbox's bridge names that namespace in the BRIDGE column
// ("1-7m1qk3r8x2:br0"), and one whose far end is Docker's own namespace
// shows it as "(sandbox ingress_sbox)": the routing mesh's leg, not an
// orphan. IPv6 link-local addresses are left out; JSON has them.
func WriteVethTable(w io.Writer, pairs []topo.Pair, opt TableOptions) error {
	return writeVethTable(w, pairs, nil, opt)
}

// WriteSnapshotVethTable is WriteVethTable for the pairs of s, which names
// the sandbox namespaces their bridges are in.
func WriteSnapshotVethTable(w io.Writer, s *topo.Snapshot, pairs []topo.Pair, opt TableOptions) error {
	return writeVethTable(w, pairs, s, opt)
}

func writeVethTable(w io.Writer, pairs []topo.Pair, s *topo.Snapshot, opt TableOptions) error {
	var buf bytes.Buffer
	tw := newTableWriter(&buf)
	if !opt.NoHeader {
		fmt.Fprintln(tw, strings.Join(vethColumns, "\t"))
	}
	for _, p := range pairs {
		container := p.Container
		switch {
		case container == "" && p.Sandbox != "":
			container = "(sandbox " + p.Sandbox + ")"
		case container == "":
			container = "(netns " + termtext.PeerNamespace(p) + ")"
		}
		row := []string{
			p.HostInterface,
			ifindex(p.HostIfindex),
			bridgeCell(p, s),
			container,
			p.ContainerInterface,
			ifindex(p.ContainerIfindex),
			p.Network,
			p.IPv4,
			strings.Join(topo.GlobalAddrs(p.IPv6), ","),
			p.MAC,
			termtext.PublishedPorts(p.Ports),
		}
		for i, c := range row {
			if c == "" {
				c = "-"
			}
			row[i] = termtext.Printable(c)
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(trimLines(buf.Bytes()))
	return err
}

// trimLines drops the blanks tabwriter pads an empty last column with.
func trimLines(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimRight(l, " ")
	}
	return bytes.Join(lines, []byte("\n"))
}

func ifindex(i int) string {
	if i <= 0 {
		return ""
	}
	return strconv.Itoa(i)
}

// bridgeCell is the bridge of a pair's host end, prefixed with the
// namespace it is in when that is not the host's: every overlay sandbox
// has a br0 with a veth0.
func bridgeCell(p topo.Pair, s *topo.Snapshot) string {
	if p.HostNamespace == "" || s != nil && p.HostNamespace == s.Host.Namespace {
		return p.Bridge
	}
	ns := p.HostNamespace
	if s != nil {
		if n, ok := s.Namespace(ns); ok && n.Name != "" {
			ns = n.Name
		}
	}
	return ns + ":" + p.Bridge
}
