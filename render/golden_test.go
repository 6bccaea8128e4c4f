package render

import (
	"bytes"
	"os"
	"testing"

	"github.com/netviz/netviz/topo"
)

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./render -run '%s' -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		msg := ""
		if len(got) < 8<<10 {
			msg = "\n--- got:\n" + string(got)
		}
		t.Errorf("%s differs from the golden file; run go test ./render -run '%s' -update and review the diff%s", path, t.Name(), msg)
	}
}

// loadSnapshot decodes a recorded snapshot.
func loadSnapshot(t testing.TB, path string) *topo.Snapshot {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := topo.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}
