package render

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

var diagramTestOptions = DiagramOptions{Version: "test", Now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}

// diagramGolden compares got with testdata/diagram/name, or rewrites it with -update.
func diagramGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "diagram", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./render -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./render -run %s -update and review the diff", path, t.Name())
	}
}

func TestDiagramGolden(t *testing.T) {
	cases := map[string]func(t *testing.T) *Diagram{}
	for _, name := range diagramFixtures {
		cases[name] = func(t *testing.T) *Diagram { return BuildDiagram(loadDiagramFixture(t, name), diagramTestOptions) }
	}
	cases["fleet"] = func(t *testing.T) *Diagram { return BuildDiagram(fleetSnapshot(200), diagramTestOptions) }
	for name, build := range cases {
		t.Run(name, func(t *testing.T) {
			d := build(t)
			var dot, mmd bytes.Buffer
			if err := WriteDOT(&dot, d); err != nil {
				t.Fatal(err)
			}
			if err := WriteMermaid(&mmd, d); err != nil {
				t.Fatal(err)
			}
			diagramGolden(t, name+".dot", dot.Bytes())
			diagramGolden(t, name+".mmd", mmd.Bytes())
		})
	}
}
