package html

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/render/diagram"
)

// The page's data for a Swarm node: what the details panel shows of each
// overlay element, with the commands that show it by hand inside Docker's
// own namespaces.
func TestHTMLSwarmData(t *testing.T) {
	d := diagram.Build(rendertest.Diagram(t, "swarm"), diagram.Options{Now: rendertest.Now})
	data := nodeData(d)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(data); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "swarm.data.json"), buf.Bytes())

	want := map[string][]string{
		"if_ns_4026532288_vxlan0": {
			"nsenter --net=/var/run/docker/netns/1-7m1qk3r8x2 ip -d link show dev vxlan0",
			"nsenter --net=/var/run/docker/netns/1-7m1qk3r8x2 bridge fdb show dev vxlan0",
			"nsenter --net=/var/run/docker/netns/1-7m1qk3r8x2 ip neigh show dev vxlan0",
			"docker network inspect -v appnet",
		},
		"cluster_ns_4026532210":   {"nsenter --net=/var/run/docker/netns/ingress_sbox ipvsadm -Ln"},
		"ovl_ns_4026532288_veth1": {"nsenter --net=/var/run/docker/netns/1-7m1qk3r8x2 bridge link show dev veth1"},
	}
	for id, lines := range want {
		info, ok := data[id]
		if !ok {
			t.Errorf("no data for %s", id)
			continue
		}
		var got []string
		for _, c := range info.Commands {
			got = append(got, c.Line)
		}
		for _, l := range lines {
			if !slices.Contains(got, l) {
				t.Errorf("%s lacks %q; has:\n%s", id, l, strings.Join(got, "\n"))
			}
		}
	}
	if k := data["cluster_overlay_appnet"].Kind; k != "cluster overlay" {
		t.Errorf("appnet's cluster is a %q", k)
	}
}
