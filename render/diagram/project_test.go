package diagram

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/topo"
)

// projectMembers are, by project name, the titles of the clusters in its box.
func projectMembers(d *Diagram) map[string][]string {
	x := indexDiagram(d)
	out := map[string][]string{}
	for _, p := range d.Projects {
		for _, id := range p.Clusters {
			c, ok := x.clusters[id]
			if !ok {
				out[p.Name] = append(out[p.Name], "missing "+id)
				continue
			}
			out[p.Name] = append(out[p.Name], c.Title)
		}
	}
	return out
}

func TestDiagramByProject(t *testing.T) {
	opt := testOptions
	opt.ByProject = true
	d := Build(rendertest.Diagram(t, "compose"), opt)
	got := projectMembers(d)
	want := map[string][]string{"blog": {"blog_api_1", "blog_db_1"}, "shop": {"shop_api_1", "shop_api_2", "shop_db_1"}}
	if len(got) != len(want) || !slices.Equal(got["blog"], want["blog"]) || !slices.Equal(got["shop"], want["shop"]) {
		t.Errorf("project boxes %v, want %v", got, want)
	}
	for _, p := range d.Projects {
		if !strings.HasPrefix(p.ID, "cluster_") {
			t.Errorf("project %s has ID %q: Graphviz boxes only subgraphs named cluster…", p.Name, p.ID)
		}
		if p.Name == "shop" && (p.Lines[0] != "3 containers: 2 × api, 1 × db" || p.Lines[1] != "networks: shop_back, shop_front") {
			t.Errorf("shop's lines %q", p.Lines)
		}
	}

	// The boxes are all that grouping adds: the clusters, nodes and edges
	// are those of the plain diagram.
	plain := Build(rendertest.Diagram(t, "compose"), testOptions)
	if plain.Projects != nil {
		t.Errorf("ungrouped diagram has projects %v", plain.Projects)
	}
	d.Projects = nil
	a, _ := json.Marshal(plain)
	b, _ := json.Marshal(d)
	if string(a) != string(b) {
		t.Error("grouping by project changed more than the project boxes")
	}
}

// A project container with no cluster of its own is named in its box; a
// project with nothing to box is not drawn.
func TestDiagramByProjectNamesWhatIsNotBoxed(t *testing.T) {
	s := rendertest.Fleet(40)
	for i := range s.Containers {
		c := &s.Containers[i]
		switch {
		case strings.HasPrefix(c.Name, "app-worker-"):
			c.Labels = map[string]string{topo.LabelComposeProject: "fleet", topo.LabelComposeService: "worker"}
		case c.Name == "lb":
			c.Labels = map[string]string{topo.LabelComposeProject: "fleet", topo.LabelComposeService: "lb"}
		}
	}
	s.Containers = append(s.Containers,
		topo.Container{Name: "fleet-agent-1", State: topo.StateRunning, NetworkMode: "host", Namespace: s.Host.Namespace,
			Labels: map[string]string{topo.LabelComposeProject: "fleet", topo.LabelComposeService: "agent"}},
		topo.Container{Name: "fleet-worker-run-1", State: topo.StateExited,
			Labels: map[string]string{topo.LabelComposeProject: "fleet", topo.LabelComposeService: "worker", topo.LabelComposeOneoff: "True"}},
		topo.Container{Name: "lonely-job-1", State: topo.StateExited,
			Labels: map[string]string{topo.LabelComposeProject: "lonely", topo.LabelComposeService: "job"}})
	s.Sort()
	opt := testOptions
	opt.ByProject = true
	d := Build(s, opt)
	if got := projectMembers(d); len(got) != 1 || !slices.Equal(got["fleet"], []string{"lb"}) {
		t.Fatalf("project boxes %v, want fleet around lb only (the workers are one summary node)", got)
	}
	p := d.Projects[0]
	if !strings.HasPrefix(p.Lines[0], "43 containers: 1 × agent, 1 × lb, 40 × worker") {
		t.Errorf("fleet's count line %q", p.Lines[0])
	}
	if got := fieldValue(p.Details, "services"); got != "1 × agent, 1 × lb, 40 × worker, 1 × worker (run)" {
		t.Errorf("fleet's services %q", got)
	}
	// The line is clipped to MaxLabel; the details hold all of it.
	outside := fieldValue(p.Details, "not in this box")
	for _, want := range []string{"fleet-agent-1 (host network)", "app-worker-1 (in a summary node)", "app-worker-40 (in a summary node)", "fleet-worker-run-1 (exited)"} {
		if !strings.Contains(outside, want) {
			t.Errorf("fleet's box does not say %q: %q", want, outside)
		}
	}
	if !strings.HasPrefix(p.Lines[len(p.Lines)-1], "not in this box: ") {
		t.Errorf("fleet's lines do not say what is not in the box: %q", p.Lines)
	}
}

func fieldValue(fs []Field, key string) string {
	for _, f := range fs {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}
