// Package graphviztest builds netviz-graphviz, the program that holds the
// embedded Graphviz, for tests that draw without a native dot. netviz finds
// it beside its own executable or on PATH; a test binary has neither, so
// tests put a freshly built one first on PATH.
//
// A package whose tests draw with the embedded engine anywhere uses it from
// TestMain:
//
//	func TestMain(m *testing.M) { graphviztest.Main(m) }
//
// and a test that wants a host without dot sets PATH to Dir() alone.
package graphviztest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Package is the import path of the helper program.
const Package = "github.com/netviz/netviz/cmd/netviz-graphviz"

var dir string

// Main builds netviz-graphviz into a temporary directory, puts that
// directory first on PATH, runs the tests and removes it.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	d, err := os.MkdirTemp("", "netviz-graphviz-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "graphviztest:", err)
		return 1
	}
	defer os.RemoveAll(d)
	if err := Build(d); err != nil {
		fmt.Fprintln(os.Stderr, "graphviztest:", err)
		return 1
	}
	dir = d
	os.Setenv("PATH", d+string(os.PathListSeparator)+os.Getenv("PATH"))
	return m.Run()
}

// Build builds netviz-graphviz into dir with the go command on PATH (go test
// puts its own GOROOT/bin first).
func Build(dir string) error {
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "netviz-graphviz"), Package).CombinedOutput()
	if err != nil {
		return fmt.Errorf("go build %s: %w\n%s", Package, err, out)
	}
	return nil
}

// Dir is the directory holding the built netviz-graphviz and nothing else:
// PATH=Dir() is a host with the helper but no dot. It fails t when the
// package's TestMain did not call Main.
func Dir(t testing.TB) string {
	t.Helper()
	if dir == "" {
		t.Fatal("graphviztest.Dir needs func TestMain(m *testing.M) { graphviztest.Main(m) } in this package")
	}
	return dir
}
