package topo_test

import (
	"testing"

	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/topo"
)

// Filtering a Swarm node keeps the overlays of the networks kept, their
// sandbox namespaces (which hold br0 and the veths' "host" ends) and the
// IPVS services of the namespaces kept.
func TestFilterKeepsOverlays(t *testing.T) {
	s := rendertest.Diagram(t, "swarm")
	got, err := topo.Filter{Network: "appnet"}.Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Overlays) != 1 || got.Overlays[0].Network != "appnet" {
		t.Fatalf("overlays kept: %+v", got.Overlays)
	}
	for _, id := range []string{"ns-4026532288", "ns-4026532290"} { // appnet's sandbox, its lb_
		if _, ok := got.Namespace(id); !ok {
			t.Errorf("namespace %s dropped", id)
		}
	}
	if _, ok := got.Namespace("ns-4026532150"); ok {
		t.Error("ingress's sandbox kept")
	}
	if len(got.IPVS) != 1 || got.IPVS[0].Namespace != "ns-4026532290" {
		t.Errorf("IPVS kept: %+v", got.IPVS)
	}

	got, err = topo.Filter{Container: "web.1.tq4h8m2k9x7c1v5b3n6z0p2r1"}.Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Overlays) != 2 || len(got.Pairs) != 3 {
		t.Errorf("web.1: %d overlays and %d pairs, want 2 and 3", len(got.Overlays), len(got.Pairs))
	}
}
