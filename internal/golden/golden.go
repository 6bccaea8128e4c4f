// Package golden compares test output with files under testdata, and
// rewrites them when the tests run with -update. It declares the -update
// flag once, for every test binary that imports it.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// Update reports whether the tests run with -update.
func Update() bool { return *update }

// Check compares got with the file at path, or rewrites the file with
// -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run '%s' -update in this package to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		msg := ""
		if len(got) < 8<<10 {
			msg = "\n--- got:\n" + string(got)
		}
		t.Errorf("%s differs from the golden file; run go test -run '%s' -update in this package and review the diff%s", path, t.Name(), msg)
	}
}

// CheckText holds for every text a terminal view writes: it ends in a
// newline, no line has trailing blanks, and it has escape codes only when
// colour was asked for.
func CheckText(t testing.TB, out string, color bool) {
	t.Helper()
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("output does not end in a newline")
	}
	for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if strings.TrimRight(l, " \t") != l {
			t.Errorf("line %d has trailing blanks: %q", i+1, l)
		}
	}
	if got := strings.Contains(out, "\x1b["); got != color {
		t.Errorf("escape codes present = %v, want %v", got, color)
	}
}
