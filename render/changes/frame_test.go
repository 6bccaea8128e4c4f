package changes

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/render/tree"
)

func fleetTree(t *testing.T, n int, color bool) []string {
	t.Helper()
	var b bytes.Buffer
	if err := tree.Write(&b, rendertest.Fleet(n), tree.Options{Color: color}); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

func frame(t *testing.T, width, height int, color bool) Frame {
	var recent []string
	for i := 1; i <= 12; i++ {
		recent = append(recent, fmt.Sprintf("09:00:%02d + container app-worker-%d (image acme/worker:3.1, on appnet)", i, i))
	}
	return Frame{Width: width, Height: height, Color: color,
		Header: "netviz watch · fleet-01 · 09:00:12 · update 13 · start app-worker-12 · firewall: polled every 3s",
		Recent: recent, Tree: fleetTree(t, 40, color), Marked: map[int]bool{3: true, 4: true}}
}

// The frame fits the terminal: no line wider, no more lines than it has.
func TestFrameFitsTheTerminal(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {40, 10}, {200, 60}, {10, 3}, {1, 1}} {
		for _, color := range []bool{false, true} {
			lines := frame(t, size[0], size[1], color).Lines()
			if len(lines) > size[1] {
				t.Errorf("%dx%d: %d lines", size[0], size[1], len(lines))
			}
			for _, l := range lines {
				if w := utf8.RuneCountInString(stripSGR(l)); w > size[0] {
					t.Errorf("%dx%d: line %q is %d wide", size[0], size[1], l, w)
				}
				if i := strings.LastIndex(l, "\x1b["); i >= 0 && !strings.HasPrefix(l[i:], "\x1b[0m") {
					t.Errorf("%dx%d: line %q leaves a colour on", size[0], size[1], l)
				}
			}
		}
	}
}

func TestFrameGolden(t *testing.T) {
	for _, tc := range []struct {
		name          string
		width, height int
		color         bool
	}{
		{"frame-80x24", 80, 24, false},
		{"frame-80x24.color", 80, 24, true},
		{"frame-50x12", 50, 12, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden.Check(t, filepath.Join("testdata", tc.name+".golden"), Screen(frame(t, tc.width, tc.height, tc.color).Lines()))
		})
	}
}

func TestScreenRedrawsInPlace(t *testing.T) {
	got := string(Screen([]string{"a", "b"}))
	if want := "\x1b[Ha\x1b[K\r\nb\x1b[K\x1b[J"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if strings.Contains(got, "\x1b[2J") {
		t.Error("a frame must not clear the whole screen: that flickers")
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"hello", 10, "hello"},
		{"hello", 3, "hel"},
		{"├─ eth0", 4, "├─ e"},
		{"\x1b[32mgreen\x1b[0m tail", 3, "\x1b[32mgre\x1b[0m"},
		{"\x1b[32mab\x1b[0m", 2, "\x1b[32mab\x1b[0m"},
		{"", 5, ""},
	} {
		if got := Clip(tc.in, tc.width); got != tc.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

func TestChangedLines(t *testing.T) {
	prev := []string{"host", "├─ a", "│  └─ x", "└─ b"}
	cur := []string{"host", "├─ a", "│  ├─ x", "│  └─ y", "└─ \x1b[32mb\x1b[0m"}
	got := ChangedLines(prev, cur)
	if len(got) != 2 || !got[2] || !got[3] {
		t.Errorf("changed = %v, want lines 2 and 3 (colour does not count)", got)
	}
}

func TestFrameWarningUnderHeader(t *testing.T) {
	f := frame(t, 80, 24, false)
	f.Warning = "netviz: warning: container \x1b[2Jgone went while reading"
	lines := f.Lines()
	if lines[1] != `netviz: warning: container \x1b[2Jgone went while reading` {
		t.Errorf("line 2 = %q, want the warning, printable", lines[1])
	}
	if len(lines) > 24 {
		t.Errorf("%d lines", len(lines))
	}
}

// A change below the fold scrolls the tree to it.
func TestFrameScrollsToTheChange(t *testing.T) {
	f := frame(t, 100, 20, false)
	f.Marked = map[int]bool{40: true}
	lines := f.Lines()
	if len(lines) != 20 {
		t.Fatalf("%d lines, want 20", len(lines))
	}
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, markGlyph+f.Tree[40]) || !strings.Contains(text, " lines above") || !strings.Contains(text, " more lines") {
		t.Errorf("the marked line 40 is not shown, with what is above and below:\n%s", text)
	}
	for _, size := range [][2]int{{100, 1}, {100, 2}, {100, 3}, {100, 4}} {
		f.Height = size[1]
		if n := len(f.Lines()); n > size[1] {
			t.Errorf("height %d: %d lines", size[1], n)
		}
	}
}
