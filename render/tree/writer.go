package tree

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/netviz/netviz/explain"
	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/render/termtext"
	"github.com/netviz/netviz/topo"
)

// node is one line of the tree and the lines under it. A line is a row
// of cells, two spaces apart; consecutive siblings with the same group are
// aligned in columns, so the ports of a bridge read like a table.
type node struct {
	cells    []cell
	group    string
	children []*node
	// problems are marked at the end of the line, after the cells.
	problems []int
	// explain are the commands written under the line (Options.Explain).
	explain []explain.Command
}

// cell is one column of a line, made of spans that may differ in kind.
type cell struct {
	spans []span
	tight bool // one space before it instead of two
}

type span struct {
	text string
	kind textKind
}

func (n *node) add(kids ...*node) { n.children = append(n.children, kids...) }

// cellOf is a cell of one span.
func cellOf(kind textKind, text string) cell {
	return cell{spans: []span{{text, kind}}}
}

func (c cell) width() int {
	n := 0
	for _, s := range c.spans {
		n += utf8.RuneCountInString(termtext.Printable(s.text))
	}
	return n
}

// glyphSet draw the tree's branches, the two ends of a veth pair and the
// mark of a problem by severity.
type glyphSet struct {
	tee, last, pipe, space, pair string
	problem                      func(topo.Severity) string
}

var (
	unicodeGlyphs = glyphSet{tee: "├─ ", last: "└─ ", pipe: "│  ", space: "   ", pair: "⇄", problem: marks.Glyph}
	asciiGlyphs   = glyphSet{tee: "|- ", last: "`- ", pipe: "|  ", space: "   ", pair: "<->", problem: marks.ASCIIGlyph}
)

// writer lays out a tree of nodes as text.
type writer struct {
	out    *bytes.Buffer
	color  bool
	glyphs glyphSet
}

func (tw *writer) tree(root *node) {
	tw.line("", root, cellWidths(root))
	tw.commands("", root)
	tw.children("", root.children)
}

func (tw *writer) children(prefix string, kids []*node) {
	widths := columnWidths(kids)
	for i, k := range kids {
		branch, indent := tw.glyphs.tee, tw.glyphs.pipe
		if i == len(kids)-1 {
			branch, indent = tw.glyphs.last, tw.glyphs.space
		}
		tw.line(prefix+branch, k, widths[i])
		tw.commands(prefix+indent, k)
		tw.children(prefix+indent, k.children)
	}
}

// line writes one node's cells padded to widths. A column of width 0 (all
// of its cells empty) is left out with its separator.
func (tw *writer) line(prefix string, n *node, widths []int) {
	var b strings.Builder
	b.WriteString(prefix)
	first, pad := true, 0
	for j, c := range n.cells {
		if widths[j] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", pad))
			if c.tight {
				b.WriteString(" ")
			} else {
				b.WriteString("  ")
			}
		}
		first = false
		for _, s := range c.spans {
			b.WriteString(colorize(tw.color, s.kind, termtext.Printable(s.text)))
		}
		pad = widths[j] - c.width()
	}
	tw.out.WriteString(strings.TrimRight(b.String(), " "))
	tw.out.WriteByte('\n')
}

// columnWidths gives each sibling the column widths it is padded to:
// the widest cells of its run of same-group siblings, or its own.
func columnWidths(kids []*node) [][]int {
	out := make([][]int, len(kids))
	for i := 0; i < len(kids); {
		j := i + 1
		if g := kids[i].group; g != "" {
			for j < len(kids) && kids[j].group == g {
				j++
			}
		}
		var widths []int
		for _, k := range kids[i:j] {
			for c, w := range cellWidths(k) {
				if c == len(widths) {
					widths = append(widths, 0)
				}
				widths[c] = max(widths[c], w)
			}
		}
		for k := i; k < j; k++ {
			out[k] = widths
		}
		i = j
	}
	return out
}

func cellWidths(n *node) []int {
	w := make([]int, len(n.cells))
	for i, c := range n.cells {
		w[i] = c.width()
	}
	return w
}

// problems writes one line that counts the problems marked in the tree.
func (tw *writer) problems(ps []topo.Finding) {
	if len(ps) == 0 {
		return
	}
	tw.out.WriteString(colorize(tw.color, problemTextKind(marks.Worst(ps)), "problems:"))
	tw.out.WriteString(" " + termtext.Printable(summary(ps)) + "; netviz doctor explains each and its fix\n")
}

// warnings writes the snapshot's warnings after the tree, one a line.
func (tw *writer) warnings(ws []topo.Warning) {
	for _, w := range ws {
		tw.out.WriteString(colorize(tw.color, textWarning, "warning:"))
		tw.out.WriteByte(' ')
		if w.Subject != "" && !strings.Contains(w.Message, w.Subject) {
			tw.out.WriteString(termtext.Printable(w.Subject) + ": ")
		}
		tw.out.WriteString(termtext.Printable(strings.Join(strings.Fields(w.Message), " ")))
		tw.out.WriteByte('\n')
	}
}

// summary counts ps by severity with their IDs:
// "1 error (bridge-down), 2 warnings (mtu-mismatch)".
func summary(ps []topo.Finding) string {
	var parts []string
	for _, sev := range marks.Severities() {
		n := 0
		var ids []string
		for _, p := range ps {
			if p.Severity == sev {
				n++
				if !slices.Contains(ids, p.ID) {
					ids = append(ids, p.ID)
				}
			}
		}
		if n > 0 {
			parts = append(parts, countOf(n, string(sev), string(sev)+"s", "")+" ("+strings.Join(ids, ", ")+")")
		}
	}
	return strings.Join(parts, ", ")
}
