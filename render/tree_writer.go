package render

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/netviz/netviz/topo"
)

// treeNode is one line of the tree and the lines under it. A line is a row
// of cells, two spaces apart; consecutive siblings with the same group are
// aligned in columns, so the ports of a bridge read like a table.
type treeNode struct {
	cells    []treeCell
	group    string
	children []*treeNode
	// problems are marked at the end of the line, after the cells.
	problems []int
}

// treeCell is one column of a line, made of spans that may differ in kind.
type treeCell struct {
	spans []treeSpan
	tight bool // one space before it instead of two
}

type treeSpan struct {
	text string
	kind textKind
}

func (n *treeNode) add(kids ...*treeNode) { n.children = append(n.children, kids...) }

// treeText is a cell of one span.
func treeText(kind textKind, text string) treeCell {
	return treeCell{spans: []treeSpan{{text, kind}}}
}

func (c treeCell) width() int {
	n := 0
	for _, s := range c.spans {
		n += utf8.RuneCountInString(textPrintable(s.text))
	}
	return n
}

// textPrintable escapes control and other unprintable characters, as %q
// would: interface and netns names may hold escape sequences, and a name
// must not be able to repaint the terminal or break a column.
func textPrintable(s string) string {
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

// treeGlyphs draw the tree's branches, the two ends of a veth pair and the
// mark of a problem by severity.
type treeGlyphs struct {
	tee, last, pipe, space, pair string
	problem                      map[string]string
}

var (
	treeUnicode = treeGlyphs{tee: "├─ ", last: "└─ ", pipe: "│  ", space: "   ", pair: "⇄", problem: problemGlyphs}
	treeASCII   = treeGlyphs{tee: "|- ", last: "`- ", pipe: "|  ", space: "   ", pair: "<->",
		problem: map[string]string{ProblemError: "!!", ProblemWarning: "!"}}
)

// treeWriter lays out a tree of nodes as text.
type treeWriter struct {
	out    *bytes.Buffer
	color  bool
	glyphs treeGlyphs
}

func (tw *treeWriter) tree(root *treeNode) {
	tw.line("", root, treeCellWidths(root))
	tw.children("", root.children)
}

func (tw *treeWriter) children(prefix string, kids []*treeNode) {
	widths := treeColumnWidths(kids)
	for i, k := range kids {
		branch, indent := tw.glyphs.tee, tw.glyphs.pipe
		if i == len(kids)-1 {
			branch, indent = tw.glyphs.last, tw.glyphs.space
		}
		tw.line(prefix+branch, k, widths[i])
		tw.children(prefix+indent, k.children)
	}
}

// line writes one node's cells padded to widths. A column of width 0 (all
// of its cells empty) is left out with its separator.
func (tw *treeWriter) line(prefix string, n *treeNode, widths []int) {
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
			b.WriteString(colorize(tw.color, s.kind, textPrintable(s.text)))
		}
		pad = widths[j] - c.width()
	}
	tw.out.WriteString(strings.TrimRight(b.String(), " "))
	tw.out.WriteByte('\n')
}

// treeColumnWidths gives each sibling the column widths it is padded to:
// the widest cells of its run of same-group siblings, or its own.
func treeColumnWidths(kids []*treeNode) [][]int {
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
			for c, w := range treeCellWidths(k) {
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

func treeCellWidths(n *treeNode) []int {
	w := make([]int, len(n.cells))
	for i, c := range n.cells {
		w[i] = c.width()
	}
	return w
}

// problems writes one line that counts the problems marked in the tree.
func (tw *treeWriter) problems(ps []Problem) {
	if len(ps) == 0 {
		return
	}
	tw.out.WriteString(colorize(tw.color, problemTextKind(problemWorst(ps)), "problems:"))
	tw.out.WriteString(" " + textPrintable(problemSummary(ps)) + "; netviz doctor explains each and its fix\n")
}

// warnings writes the snapshot's warnings after the tree, one a line.
func (tw *treeWriter) warnings(ws []topo.Warning) {
	for _, w := range ws {
		tw.out.WriteString(colorize(tw.color, textWarning, "warning:"))
		tw.out.WriteByte(' ')
		if w.Subject != "" && !strings.Contains(w.Message, w.Subject) {
			tw.out.WriteString(textPrintable(w.Subject) + ": ")
		}
		tw.out.WriteString(textPrintable(strings.Join(strings.Fields(w.Message), " ")))
		tw.out.WriteByte('\n')
	}
}
