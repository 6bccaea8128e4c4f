package dot

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/render/graphviz"
)

// Grouped by project, each project's box is a cluster subgraph holding its
// containers' clusters, and the SVG draws it with the project's ID.
func TestProjectBoxes(t *testing.T) {
	opt := testOptions
	opt.ByProject = true
	d := diagram.Build(rendertest.Diagram(t, "compose"), opt)
	out := write(t, d)
	golden.Check(t, filepath.Join(goldenDir, "compose-project.dot"), out)

	for _, p := range d.Projects {
		body := subgraph(t, string(out), p.ID)
		for _, id := range p.Clusters {
			if !strings.Contains(body, "subgraph "+quote(id)+" {") {
				t.Errorf("cluster %s is not inside project %s's box", id, p.Name)
			}
		}
	}
	if body := subgraph(t, string(out), "cluster_project_shop"); strings.Contains(body, "blog_") || strings.Contains(body, "tools") {
		t.Error("shop's box holds containers of other projects")
	}

	testenv.RequireProgram(t, "dot", "graphviz")
	ids := svgElementIDs(t, render(t, d, graphviz.EngineDot))
	for _, p := range d.Projects {
		if !ids[p.ID] {
			t.Errorf("SVG has no element %q", p.ID)
		}
	}
}

// subgraph is the text of the named subgraph, up to its closing brace.
func subgraph(t *testing.T, dot, id string) string {
	t.Helper()
	start := strings.Index(dot, "subgraph "+quote(id)+" {")
	if start < 0 {
		t.Fatalf("no subgraph %s", id)
	}
	depth := 0
	for i := start; i < len(dot); i++ {
		switch dot[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return dot[start : i+1]
			}
		}
	}
	t.Fatalf("subgraph %s is not closed", id)
	return ""
}

// A project's name comes from a container label, which whoever runs the
// container chooses: it stays text.
func TestProjectNameStaysText(t *testing.T) {
	s := rendertest.Diagram(t, "compose")
	const hostile = `<b>x"\N&`
	for i := range s.Containers {
		if s.Containers[i].Project() == "shop" {
			s.Containers[i].Compose.Project = hostile
		}
	}
	opt := testOptions
	opt.ByProject = true
	d := diagram.Build(s, opt)
	out := string(write(t, d))
	if strings.Contains(out, hostile) || !strings.Contains(out, escape("project "+hostile)) {
		t.Error("the project's name is not escaped in its box's label")
	}
	for _, p := range d.Projects {
		if strings.ContainsAny(p.ID, `<>"\&`) {
			t.Errorf("project ID %q is not a plain identifier", p.ID)
		}
	}
}
