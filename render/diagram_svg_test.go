package render

import (
	"bytes"
	"context"
	"encoding/xml"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/render/graphviz"
	"github.com/netviz/netviz/topo"
)

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

func diagramTestSnapshots(t *testing.T) map[string]*topo.Snapshot {
	snaps := map[string]*topo.Snapshot{"fleet": fleetSnapshot(200)}
	for _, name := range diagramFixtures {
		snaps[name] = loadDiagramFixture(t, name)
	}
	return snaps
}

// Both engines draw every node, cluster and edge of every fixture, with the
// diagram's ids on the SVG elements the HTML page looks up.
func TestDiagramSVG(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	for name, s := range diagramTestSnapshots(t) {
		d := BuildDiagram(s, diagramTestOptions)
		for _, engine := range []string{graphviz.EngineDot, graphviz.EngineEmbedded} {
			t.Run(name+"/"+engine, func(t *testing.T) {
				ids := svgElementIDs(t, diagramSVG(t, d, engine))
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
func TestDiagramPNG(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	keep := os.Getenv("NETVIZ_ARTIFACTS")
	for name, s := range diagramTestSnapshots(t) {
		t.Run(name, func(t *testing.T) {
			var dot bytes.Buffer
			if err := WriteDOT(&dot, BuildDiagram(s, diagramTestOptions)); err != nil {
				t.Fatal(err)
			}
			out, err := graphviz.Render(context.Background(), dot.Bytes(), graphviz.FormatPNG, graphviz.EngineAuto)
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
