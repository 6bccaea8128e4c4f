package html

import (
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/render/graphviz"
)

// A project's box has details in the page, is found by its name, and
// lights up the containers inside it.
func TestHTMLProjectBox(t *testing.T) {
	opt := testOptions
	opt.ByProject = true
	d := diagram.Build(rendertest.Diagram(t, "compose"), opt)
	page := writeHTMLFor(t, d, graphviz.EngineEmbedded)
	data := htmlData(t, page)
	info, ok := data["cluster_project_shop"]
	if !ok {
		t.Fatal("details have no entry for shop's box")
	}
	if !strings.Contains(string(page), `id="cluster_project_shop"`) {
		t.Error("inline SVG has no element for shop's box")
	}
	if !strings.Contains(info.Text, "shop") || !slices.Contains(info.Fields, diagram.Field{Key: "services", Value: "2 × api, 1 × db"}) {
		t.Errorf("shop's box: text %q, fields %v", info.Text, info.Fields)
	}
	for _, p := range d.Projects {
		if p.Name != "shop" {
			continue
		}
		for _, id := range p.Clusters {
			if !slices.Contains(info.Members, id) || !slices.Contains(info.Members, data[id].Members[0]) {
				t.Errorf("cluster %s and its links do not light up with shop's box", id)
			}
		}
	}
}
