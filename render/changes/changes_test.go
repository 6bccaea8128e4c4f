package changes

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/internal/golden"
)

// sample has a line of every kind, and a hostile name.
func sample() diff.Result {
	return diff.Result{
		Added: []diff.Item{
			{Object: diff.ObjNetwork, ID: "web_default", Detail: "driver bridge, bridge br-77, 172.30.0.0/16, project web, 2 firewall rules"},
			{Object: diff.ObjContainer, ID: "web2", Detail: "image busybox, on net1"},
			{Object: diff.ObjContainer, ID: "evil\x1b[2J", Detail: "image x\x07"},
			{Object: diff.ObjRule, ID: "filter/DOCKER-USER -A DOCKER-USER -s 10.9.0.0/16 -j DROP"},
			{Object: diff.ObjFinding, ID: "mtu-mismatch docker0 eth0", Detail: "warning: bridge docker0 has MTU 1500 but the uplink eth0 only 1400"},
		},
		Removed: []diff.Item{
			{Object: diff.ObjPort, ID: "web1 0.0.0.0:8080->80/tcp"},
			{Object: diff.ObjFinding, ID: "bridge-down br-77 web_default", Detail: "error: the bridge br-77 is down"},
		},
		Changed: []diff.Change{
			{Object: diff.ObjContainer, ID: "web1", Field: "id", Before: "1a2b3c4d5e6f7a8b9c0d", After: "3c4d5e6f7a8b9c0d1e2f"},
			{Object: diff.ObjContainer, ID: "web3", Field: "namespace", Before: "ns-4026532200", After: "ns-4026532311"},
			{Object: diff.ObjContainer, ID: "web3", Field: "networks", Before: []string{"net1"}, After: []string{"net1", "net2"}},
			{Object: diff.ObjPair, ID: "web1:eth0", Field: "hostInterface", Before: "veth1", After: "veth2"},
			{Object: diff.ObjInterface, ID: "web1:eth0", Field: "mtu", Before: 1500, After: 1400},
			{Object: diff.ObjInterface, ID: "host:eth1", Field: "master", Before: "", After: "br0"},
		},
		Notes: []diff.Note{{Object: diff.ObjService, ID: "web/api", Text: "project web: service api scaled 1 → 3"}},
	}
}

func TestWriteGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		r     diff.Result
		color bool
	}{
		{"sample", sample(), false},
		{"sample.color", sample(), true},
		{"empty", diff.Result{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tc.r, Options{Color: tc.color}); err != nil {
				t.Fatal(err)
			}
			golden.CheckText(t, b.String(), tc.color)
			golden.Check(t, filepath.Join("testdata", tc.name+".golden"), b.Bytes())
		})
	}
}

func TestWriteSummaryCountsObjects(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(b.String(), "\n")
	// web3's two fields are one changed object.
	if want := "5 added, 2 removed, 5 changed"; first != want {
		t.Errorf("summary %q, want %q", first, want)
	}
	if strings.Contains(b.String(), "\x1b[2J") || strings.Contains(b.String(), "\x07") {
		t.Errorf("a hostile name reached the terminal:\n%s", b.String())
	}
}

// Values read back from JSON (float64 numbers, []any lists) read the same
// as those Compare made.
func TestLineFromJSONValues(t *testing.T) {
	e := diff.Entry{Change: diff.ChangeChanged, Object: diff.ObjContainer, ID: "web3", Field: "networks",
		Before: []any{"net1"}, After: []any{"net1", "net2"}}
	if got, want := Line(e, Options{}), "~ container web3 networks net1 → net1, net2"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = diff.Entry{Change: diff.ChangeChanged, Object: diff.ObjInterface, ID: "a:eth0", Field: "mtu", Before: 1500.0, After: 1400.0}
	if got, want := Line(e, Options{}), "~ interface a:eth0 mtu 1500 → 1400"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
