package tree

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/render/termtext"
	"github.com/netviz/netviz/topo"
)

// ClusterOptions say how WriteCluster draws.
type ClusterOptions struct {
	// Options are those of each node's own tree; Problems are ignored
	// (NodeProblems has them).
	Options
	// NodeProblems are doctor's findings on each node, by node name.
	NodeProblems map[string][]topo.Finding
	// Problems are the cluster's own findings, counted after the overlays.
	Problems []topo.Finding
}

// WriteCluster writes a cluster: each node with its own tree indented
// under it (a node that did not answer says why), then each overlay
// network with the nodes that hold it and the tunnels between them, then
// the cluster's problems and warnings.
func WriteCluster(w io.Writer, c *topo.Cluster, opt ClusterOptions) error {
	if c == nil {
		return errors.New("render: no cluster to draw")
	}
	var buf bytes.Buffer
	tw := writer{out: &buf, color: opt.Color, glyphs: unicodeGlyphs}
	if opt.ASCII {
		tw.glyphs = asciiGlyphs
	}
	fmt.Fprintf(&buf, "%s %s (%d answered), %s, %s\n", colorize(opt.Color, textHost, "cluster:"),
		countOf(len(c.Nodes), "node", "nodes", "no nodes"), len(c.Nodes)-len(c.Unanswered()),
		countOf(len(c.Overlays), "overlay network", "overlay networks", "no overlay networks"),
		countOf(len(c.Tunnels), "tunnel", "tunnels", "no tunnels"))
	for i := range c.Nodes {
		if err := tw.clusterNode(&c.Nodes[i], opt); err != nil {
			return err
		}
	}
	for i := range c.Overlays {
		tw.overlay(c, &c.Overlays[i], opt)
	}
	if len(opt.Problems) > 0 {
		buf.WriteString("\n" + colorize(opt.Color, problemTextKind(marks.Worst(opt.Problems)), "across nodes:"))
		buf.WriteString(" " + termtext.Printable(summary(opt.Problems)) + "; netviz cluster doctor explains each and its fix\n")
	}
	tw.warnings(c.Warnings)
	_, err := w.Write(buf.Bytes())
	return err
}

// clusterNode writes the node's heading and its tree, indented.
func (tw *writer) clusterNode(n *topo.ClusterNode, opt ClusterOptions) error {
	facts := []string{}
	for _, f := range []string{n.Role, n.Addr, n.State} {
		if f != "" {
			facts = append(facts, termtext.Printable(f))
		}
	}
	tw.out.WriteString("\n" + colorize(tw.color, textHost, "node "+termtext.Printable(n.Name)))
	if len(facts) > 0 {
		tw.out.WriteString("  " + strings.Join(facts, "  "))
	}
	if !n.Answered() {
		tw.out.WriteString("  " + colorize(tw.color, textWarning, "unknown: "+termtext.Printable(n.Error)) + "\n")
		return nil
	}
	tw.out.WriteString("\n")
	o := opt.Options
	o.Problems = opt.NodeProblems[n.Name]
	var sub bytes.Buffer
	if err := Write(&sub, n.Snapshot, o); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(strings.TrimRight(sub.String(), "\n"), "\n") {
		tw.out.WriteString("  " + line)
	}
	tw.out.WriteString("\n")
	return nil
}

// overlay writes one overlay network: each node's part, then the tunnels.
func (tw *writer) overlay(c *topo.Cluster, ov *topo.ClusterOverlay, opt ClusterOptions) {
	name := "overlay " + termtext.Printable(ov.Network)
	if ov.Ingress {
		name += " (ingress)"
	}
	fmt.Fprintf(tw.out, "\n%s  VNI %d", colorize(tw.color, textBridge, name), ov.VNI)
	if ov.Encrypted {
		tw.out.WriteString("  encrypted")
	}
	tw.out.WriteString("\n")
	var kids []*node
	for _, m := range ov.Members {
		text := fmt.Sprintf("%s  %s in %s  VTEP %s  MTU %d  %s", m.Node, m.Device, m.Namespace, m.VTEP, m.MTU, countOf(len(m.Tasks), "task", "tasks", "no tasks"))
		if len(m.Tasks) > 0 {
			text += ": " + strings.Join(m.Tasks, ", ")
		}
		kids = append(kids, &node{cells: []cell{cellOf(textPlain, termtext.Printable(text))}})
	}
	for _, t := range c.Tunnels {
		if t.NetworkID != ov.NetworkID || t.Network != ov.Network {
			continue
		}
		kids = append(kids, &node{cells: []cell{tunnelCell(t, opt.ASCII)}})
	}
	tw.children("", kids)
}

func tunnelCell(t topo.Tunnel, ascii bool) cell {
	both, one := " ⇄ ", " → "
	if ascii {
		both, one = " <-> ", " -> "
	}
	b := t.B
	if b == "" {
		b = "(no node netviz knows)"
	}
	switch {
	case t.FromA && t.FromB:
		return cellOf(textPlain, termtext.Printable(fmt.Sprintf("tunnel %s %s%s%s %s", t.A, t.AddrA, both, b, t.AddrB)))
	case t.FromA:
		return cellOf(textWarning, termtext.Printable(fmt.Sprintf("tunnel %s %s%s%s %s  (seen from %s only)", t.A, t.AddrA, one, b, t.AddrB, t.A)))
	}
	return cellOf(textWarning, termtext.Printable(fmt.Sprintf("tunnel %s %s%s%s %s  (seen from %s only)", b, t.AddrB, one, t.A, t.AddrA, b)))
}
