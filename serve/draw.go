package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"

	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/render/diagram/dot"
	"github.com/netviz/netviz/render/diagram/html"
	"github.com/netviz/netviz/render/graphviz"
	"github.com/netviz/netviz/topo"
)

// drawing is /api/diagram's answer.
type drawing struct {
	Seq      uint64 `json:"seq"`
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	// SVG is Graphviz's drawing, checked by html.Parts: no script, no
	// handlers, no foreign objects. The page parses it as XML.
	SVG string `json:"svg"`
	// Data is the details of each element, by element id, as the HTML
	// export's page has them.
	Data json.RawMessage `json:"data"`
}

// drawCache keeps the drawing of the latest state asked for: Graphviz runs
// once per update, and only when a page asks, so an idle server draws
// nothing.
type drawCache struct {
	mu   sync.Mutex
	seq  uint64
	data []byte
}

func (c *drawCache) get(ctx context.Context, st *state, o Options) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data != nil && c.seq == st.seq {
		return c.data, nil
	}
	data, err := draw(ctx, st, o)
	if err != nil {
		return nil, err
	}
	c.seq, c.data = st.seq, data
	return data, nil
}

// draw is what `netviz docker -o x.html` does, stopping short of the page:
// the diagram with doctor's findings marked, DOT, Graphviz's SVG, and the
// HTML export's element details.
func draw(ctx context.Context, st *state, o Options) ([]byte, error) {
	problems, _ := st.Findings()
	d := diagram.Build(st.snap, diagramOptions(st, o, problems))
	var graph bytes.Buffer
	if err := dot.Write(&graph, d); err != nil {
		return nil, err
	}
	img, err := graphviz.Render(ctx, graph.Bytes(), graphviz.FormatSVG, o.Engine)
	if err != nil {
		return nil, err
	}
	svg, data, err := html.Parts(d, img)
	if err != nil {
		return nil, err
	}
	return json.Marshal(drawing{Seq: st.seq, Title: d.Title, Subtitle: d.Subtitle, SVG: string(svg), Data: data})
}

// diagramOptions are how the served UI draws a state.
func diagramOptions(st *state, o Options, problems []topo.Finding) diagram.Options {
	return diagram.Options{Version: o.Version, Now: st.time, Problems: problems, ByProject: o.ByProject}
}
