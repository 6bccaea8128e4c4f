package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/graphviztest"
)

// Drawing without dot runs netviz-graphviz: build it and put it on PATH.
func TestMain(m *testing.M) { graphviztest.Main(m) }

// SVG and HTML work on a host with netviz-graphviz and no dot.
func TestCLISVGWithoutDot(t *testing.T) {
	t.Setenv("PATH", graphviztest.Dir(t))
	for _, name := range []string{"host.svg", "host.html"} {
		path := filepath.Join(t.TempDir(), name)
		d, _, errb := fakeDeps(t, nil)
		if code := run(context.Background(), []string{"render", "testdata/host.json", "-o", path}, d); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, errb.String())
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if name == "host.svg" {
			if err := xml.Unmarshal(data, new(struct{})); err != nil {
				t.Errorf("SVG does not parse: %v", err)
			}
		}
		if !bytes.Contains(data, []byte("<svg")) || !bytes.Contains(data, []byte("web1")) {
			t.Errorf("%s lacks the drawing: %.200s", name, data)
		}
	}
}

// With neither dot nor netviz-graphviz: exit 6, one line that says what to
// install, no file left behind.
func TestCLISVGWithoutDotOrHelperFailsCleanly(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, engine := range []string{"auto", "embedded"} {
		path := filepath.Join(t.TempDir(), "host.svg")
		d, _, errb := fakeDeps(t, nil)
		code := run(context.Background(), []string{"render", "testdata/host.json", "--engine", engine, "-o", path}, d)
		msg := errb.String()
		if code != exitOutput || strings.Count(msg, "\n") != 1 ||
			!strings.Contains(msg, "netviz-graphviz") || !strings.Contains(msg, "go install github.com/netviz/netviz/cmd/...@latest") {
			t.Errorf("--engine %s: exit %d, stderr %q", engine, code, msg)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("a failed SVG left %s behind", path)
		}
	}
}

// go-graphviz compiles its WebAssembly in a package init, at every start of
// any program that links it. Only netviz-graphviz may.
func TestNetvizDoesNotLinkGoGraphviz(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/goccy/go-graphviz") || strings.HasPrefix(pkg, "github.com/tetratelabs/wazero") ||
			strings.HasSuffix(pkg, "/wasmcache") {
			t.Errorf("netviz links %s; the embedded Graphviz belongs in netviz-graphviz alone", pkg)
		}
	}
}
