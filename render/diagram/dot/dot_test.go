package dot

import (
	"bytes"
	"context"
	"encoding/xml"
	"html"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/render/graphviz"
	"github.com/netviz/netviz/topo"
)

var testOptions = diagram.Options{Version: "test", Now: rendertest.Now}

// goldenDir holds the DOT golden files; render/graphviz's tests draw them too.
var goldenDir = "testdata"

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
			golden.Check(t, filepath.Join(goldenDir, name+".dot"), write(t, diagram.Build(s, testOptions)))
		})
	}
	t.Run("full-problems", func(t *testing.T) {
		opt := testOptions
		opt.Problems = rendertest.FullProblems(t)
		golden.Check(t, filepath.Join(goldenDir, "full-problems.dot"), write(t, diagram.Build(rendertest.Text(t, "full"), opt)))
	})
}

// A problem's ID and message stay text: in the DOT, and in the SVG drawn
// from it.
func TestProblemsStayText(t *testing.T) {
	opt := testOptions
	opt.Problems = []topo.Finding{rendertest.HostileProblem()}
	d := diagram.Build(rendertest.Diagram(t, "hostile"), opt)
	out := write(t, d)
	golden.Check(t, filepath.Join(goldenDir, "hostile-problems.dot"), out)
	if strings.Contains(string(out), `x"<b>`) {
		t.Error("the problem's ID is not escaped")
	}
	svg := render(t, d, graphviz.EngineEmbedded)
	if err := xml.Unmarshal(svg, new(struct{})); err != nil {
		t.Fatalf("SVG does not parse: %v", err)
	}
	if !strings.Contains(html.UnescapeString(string(svg)), `✖ x"<b>&\N`) {
		t.Error(`SVG does not draw the ID x"<b>&\N as it is`)
	}
}

func render(t testing.TB, d *diagram.Diagram, engine string) []byte {
	t.Helper()
	svg, err := graphviz.Render(context.Background(), write(t, d), graphviz.FormatSVG, engine)
	if err != nil {
		t.Fatal(err)
	}
	return svg
}

// svgElementIDs parses svg as XML and returns its elements' ids.
func svgElementIDs(t *testing.T, svg []byte) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ids
		}
		if err != nil {
			t.Fatalf("SVG is not XML: %v", err)
		}
		if el, ok := tok.(xml.StartElement); ok {
			for _, a := range el.Attr {
				if a.Name.Local == "id" {
					ids[a.Value] = true
				}
			}
		}
	}
}

// Both engines draw every node, cluster and edge of every fixture, with the
// diagram's ids on the SVG elements the HTML page looks up.
func TestSVG(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	for name, s := range rendertest.Diagrams(t) {
		d := diagram.Build(s, testOptions)
		for _, engine := range []string{graphviz.EngineDot, graphviz.EngineEmbedded} {
			t.Run(name+"/"+engine, func(t *testing.T) {
				ids := svgElementIDs(t, render(t, d, engine))
				want := []string{"netviz", "legend"}
				for _, c := range d.Clusters {
					want = append(want, c.ID)
					for _, n := range c.Nodes {
						want = append(want, n.ID)
					}
				}
				for _, n := range d.Nodes {
					want = append(want, n.ID)
				}
				for _, e := range d.Edges {
					want = append(want, e.ID)
				}
				for _, id := range want {
					if !ids[id] {
						t.Errorf("SVG has no element %q", id)
					}
				}
			})
		}
	}
}

// PNG comes from the native dot and decodes to a picture of sensible size.
// With NETVIZ_ARTIFACTS=dir the PNGs are kept there to be looked at.
func TestPNG(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	keep := os.Getenv("NETVIZ_ARTIFACTS")
	for name, s := range rendertest.Diagrams(t) {
		t.Run(name, func(t *testing.T) {
			out, err := graphviz.Render(context.Background(), write(t, diagram.Build(s, testOptions)), graphviz.FormatPNG, graphviz.EngineAuto)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(out))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 300 || b.Dx() > 8000 || b.Dy() > 8000 {
				t.Errorf("PNG is %dx%d", b.Dx(), b.Dy())
			}
			if keep != "" {
				if err := os.WriteFile(filepath.Join(keep, name+".png"), out, 0o644); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
