package mermaid

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/topo"
)

var testOptions = diagram.Options{Version: "test", Now: rendertest.Now}

func write(t testing.TB, d *diagram.Diagram) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for name, s := range rendertest.Diagrams(t) {
		t.Run(name, func(t *testing.T) {
			golden.Check(t, filepath.Join("testdata", name+".mmd"), write(t, diagram.Build(s, testOptions)))
		})
	}
	t.Run("full-problems", func(t *testing.T) {
		opt := testOptions
		opt.Problems = rendertest.FullProblems(t)
		golden.Check(t, filepath.Join("testdata", "full-problems.mmd"), write(t, diagram.Build(rendertest.Text(t, "full"), opt)))
	})
}

func TestProblemsStayText(t *testing.T) {
	opt := testOptions
	opt.Problems = []topo.Finding{rendertest.HostileProblem()}
	out := string(write(t, diagram.Build(rendertest.Diagram(t, "hostile"), opt)))
	golden.Check(t, filepath.Join("testdata", "hostile-problems.mmd"), []byte(out))
	if strings.Contains(out, `x"<b>`) || strings.Contains(out, "<img") {
		t.Error("the problem's ID or message is not escaped")
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		`web"1`:          "web#quot;1",
		"<b>&|#%`":       "#60;b#62;#38;#124;#35;#37;#96;",
		"two\nlines\x1b": "two lines ",
		"naïve ⇄ eth0":   "naïve ⇄ eth0",
	} {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}
