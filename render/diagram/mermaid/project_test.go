package mermaid

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/render/diagram"
)

// Grouped by project, each project is a subgraph around its containers'
// subgraphs, styled as a project.
func TestProjectSubgraphs(t *testing.T) {
	opt := testOptions
	opt.ByProject = true
	d := diagram.Build(rendertest.Diagram(t, "compose"), opt)
	out := string(write(t, d))
	golden.Check(t, filepath.Join("testdata", "compose-project.mmd"), []byte(out))

	for _, p := range d.Projects {
		start := strings.Index(out, "  subgraph "+p.ID+"[")
		end := strings.Index(out[start:], "\n  end\n")
		if start < 0 || end < 0 {
			t.Fatalf("no subgraph for project %s", p.Name)
		}
		body := out[start : start+end]
		for _, id := range p.Clusters {
			if !strings.Contains(body, "    subgraph "+id+"[") {
				t.Errorf("cluster %s is not inside project %s's subgraph", id, p.Name)
			}
		}
		if !strings.Contains(out, "  style "+p.ID+" fill:") {
			t.Errorf("project %s's subgraph is not styled", p.Name)
		}
	}
}
