package format

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
)

// On a Swarm node the table tells the br0 of one overlay sandbox from
// another's, and names Docker's own namespaces as sandboxes, not netns.
func TestVethTableSwarm(t *testing.T) {
	s := rendertest.Diagram(t, "swarm")
	var buf bytes.Buffer
	if err := WriteSnapshotVethTable(&buf, s, s.Pairs, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	golden.CheckText(t, buf.String(), false)
	golden.Check(t, filepath.Join("testdata", "swarm.table.golden"), buf.Bytes())
	out := buf.String()
	for _, want := range []string{"1-7m1qk3r8x2:br0", "1-w4e9r2t6y1:br0", "(sandbox ingress_sbox)", "(sandbox lb_7m1qk3r8x)"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "(netns") {
		t.Errorf("a sandbox is shown as an unknown namespace:\n%s", out)
	}
	// Without the snapshot the namespace is named by its ID.
	buf.Reset()
	if err := WriteVethTable(&buf, s.Pairs, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "ns-4026532288:br0") {
		t.Errorf("table without the snapshot lacks the sandbox's ID:\n%s", buf.String())
	}
	// JSON carries both namespaces of a pair.
	buf.Reset()
	if err := WriteJSON(&buf, s.Pairs); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "swarm.veth-json.golden"), buf.Bytes())
	for _, want := range []string{`"hostNamespace": "ns-4026532288"`, `"sandbox": "ingress_sbox"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
}
