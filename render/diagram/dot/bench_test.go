package dot

import (
	"bytes"
	"context"
	"testing"

	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/render/graphviz"
)

// benchmarkDiagram measures the whole path from snapshot to SVG for a host
// with 500 containers: diagram.Build, Write and the Graphviz engine.
func benchmarkDiagram(b *testing.B, expand bool, engine string) {
	s := rendertest.Fleet(500)
	r, err := graphviz.New(engine)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var dot bytes.Buffer
		if err := Write(&dot, diagram.Build(s, diagram.Options{Expand: expand})); err != nil {
			b.Fatal(err)
		}
		if _, err := r.Render(context.Background(), dot.Bytes(), graphviz.FormatSVG); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDiagram500ExpandedNative(b *testing.B) { benchmarkDiagram(b, true, graphviz.EngineDot) }
func BenchmarkDiagram500ExpandedEmbedded(b *testing.B) {
	benchmarkDiagram(b, true, graphviz.EngineEmbedded)
}
func BenchmarkDiagram500GroupedNative(b *testing.B) { benchmarkDiagram(b, false, graphviz.EngineDot) }
func BenchmarkDiagram500GroupedEmbedded(b *testing.B) {
	benchmarkDiagram(b, false, graphviz.EngineEmbedded)
}

// BenchmarkDiagram500DOT is netviz's own share: the model and the DOT text.
func BenchmarkDiagram500DOT(b *testing.B) {
	s := rendertest.Fleet(500)
	for b.Loop() {
		var dot bytes.Buffer
		if err := Write(&dot, diagram.Build(s, diagram.Options{Expand: true})); err != nil {
			b.Fatal(err)
		}
	}
}
