package changes

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/netviz/netviz/render/termtext"
)

// Frame is one screen of `netviz watch` on a terminal: a header, the
// latest changes, and the host's tree with the lines that the latest
// update changed marked.
type Frame struct {
	// Width and Height are the terminal's, in cells; every line is clipped
	// to Width and the frame to Height lines.
	Width, Height int
	Color         bool
	// Header is the first line: host, time, update count, firewall mode.
	Header string
	// Resync, if any, says the host was read again whole and why (see
	// live.Resync), under the header: it explains a jump in the picture.
	Resync string
	// Warning, if any, is the latest thing netviz warned of, under the
	// header.
	Warning string
	// Recent are the latest change lines (see Line), oldest first, each
	// with its time in front; the newest are kept when there is no room.
	Recent []string
	// Tree is the tree (render/tree) as lines, coloured or not.
	Tree []string
	// Marked are the indexes of tree lines the latest update changed.
	Marked map[int]bool
}

// maxRecent bounds the change lines shown: the tree is the point.
const maxRecent = 8

// markGlyph flags a changed tree line; the others get blanks of the same
// width, so the tree does not move when marks come and go.
const (
	markGlyph = "▌ "
	markBlank = "  "
)

// Lines lays the frame out: at most Height lines, each at most Width
// cells wide. Changes get up to a third of the height; the tree what is
// left, its last line saying how many lines did not fit.
func (f Frame) Lines() []string {
	if f.Width <= 0 || f.Height <= 0 {
		return nil
	}
	out := []string{paint(f.Color, sgrSummary, termtext.Printable(f.Header))}
	if f.Resync != "" {
		out = append(out, paint(f.Color, sgrChanged, termtext.Printable(f.Resync)))
	}
	if f.Warning != "" {
		out = append(out, paint(f.Color, sgrChanged, termtext.Printable(f.Warning)))
	}
	recent := f.Recent
	room := min(maxRecent, max(1, (f.Height-1)/3))
	if len(recent) > room {
		recent = recent[len(recent)-room:]
	}
	out = append(out, recent...)
	if len(f.Recent) == 0 {
		out = append(out, paint(f.Color, "2", "no changes yet"))
	}
	out = append(out, "")
	out = append(out, f.treeLines(f.Height-len(out))...)
	if len(out) > f.Height {
		out = out[:f.Height]
	}
	for i := range out {
		out[i] = Clip(out[i], f.Width)
	}
	return out
}

// treeLines is the part of the tree that fits in room lines, its lines
// marked. A tree taller than that is shown from its top, or from a little
// above its first marked line when that would be below the fold, with a
// line saying how much is above and below.
func (f Frame) treeLines(room int) []string {
	if room <= 0 {
		return nil
	}
	start, end := 0, len(f.Tree)
	if len(f.Tree) > room {
		first := -1
		for i := range f.Tree {
			if f.Marked[i] && (first < 0 || i < first) {
				first = i
			}
		}
		end = room - 1 // a line says what is below
		if first >= end && room >= 3 {
			start = min(first-(room-2)/3, len(f.Tree)-(room-2))
			end = start + room - 2 // and one what is above
		}
	}
	var out []string
	if start > 0 {
		out = append(out, paint(f.Color, "2", "… "+strconv.Itoa(start)+" lines above"))
	}
	for i := start; i < end && i < len(f.Tree); i++ {
		mark := markBlank
		if f.Marked[i] {
			mark = paint(f.Color, "1;33", markGlyph)
		}
		out = append(out, mark+f.Tree[i])
	}
	if below := len(f.Tree) - end; below > 0 {
		out = append(out, paint(f.Color, "2", "… "+strconv.Itoa(below)+" more lines: a taller terminal, --network or --container shows them"))
	}
	return out
}

// Screen is what redraws a terminal in place without flicker: cursor
// home, each line followed by erase-to-end-of-line, then erase what is
// below. Nothing is cleared first, so no blank frame is ever seen. No
// newline follows the last line, so a frame as tall as the terminal does
// not scroll it.
func Screen(lines []string) []byte {
	var b bytes.Buffer
	b.WriteString("\x1b[H")
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString(l)
		b.WriteString("\x1b[K")
	}
	b.WriteString("\x1b[J")
	return b.Bytes()
}

// Clip cuts s to width cells, counting each rune as one cell and ANSI
// escape sequences as none, and resets the colour when it cut inside a
// coloured run.
func Clip(s string, width int) string {
	cells := 0
	inEscape := false
	for i, r := range s {
		switch {
		case inEscape:
			if r >= '@' && r <= '~' && r != '[' {
				inEscape = false
			}
			continue
		case r == '\x1b':
			inEscape = true
			continue
		}
		if cells == width {
			cut := s[:i]
			if strings.Contains(cut, "\x1b[") {
				cut += "\x1b[0m"
			}
			return cut
		}
		cells++
	}
	return s
}

// ChangedLines says which lines of cur are not in prev (as many times):
// what an update added or altered in the tree. Lines are compared
// without colour.
func ChangedLines(prev, cur []string) map[int]bool {
	seen := make(map[string]int, len(prev))
	for _, l := range prev {
		seen[stripSGR(l)]++
	}
	out := map[int]bool{}
	for i, l := range cur {
		k := stripSGR(l)
		if seen[k] > 0 {
			seen[k]--
			continue
		}
		out[i] = true
	}
	return out
}

// stripSGR removes ANSI escape sequences.
func stripSGR(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	var b strings.Builder
	inEscape := false
	for _, r := range s {
		switch {
		case inEscape:
			if r >= '@' && r <= '~' && r != '[' {
				inEscape = false
			}
		case r == '\x1b':
			inEscape = true
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
