package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/graphviztest"
)

var helper string // the built program, for tests that need a process of its own

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "netviz-graphviz-test-")
	if err == nil {
		err = graphviztest.Build(d)
	}
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	helper = filepath.Join(d, "netviz-graphviz")
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

func TestRun(t *testing.T) {
	pod, err := os.ReadFile(filepath.Join("..", "..", "render", "diagram", "dot", "testdata", "pod.dot"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout string // a substring
		stderr string // a substring
	}{
		{"svg", []string{"-Tsvg"}, string(pod), 0, `id="cluster_host"`, ""},
		{"svg, dot's other spelling", []string{"-T", "svg"}, "digraph { a -> b }", 0, "<svg", ""},
		{"bad DOT", []string{"-Tsvg"}, "digraph { a -> }", 1, "", "syntax error"},
		{"png", []string{"-Tpng"}, "digraph { a }", 2, "", "PNG needs Graphviz's dot"},
		{"no format", nil, "digraph { a }", 2, "", "usage: netviz-graphviz -Tsvg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
			if code != tc.code || !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("exit %d (want %d), stdout %.80q, stderr %q", code, tc.code, stdout.String(), stderr.String())
			}
			if code != 0 && stdout.Len() > 0 {
				t.Errorf("a failure wrote to stdout: %.80q", stdout.String())
			}
		})
	}
}

// draw runs the built program with a cache home and a TMPDIR of the test's
// own, so what it writes where can be seen.
func draw(t *testing.T, cacheHome, tmp string) {
	t.Helper()
	cmd := exec.Command(helper, "-Tsvg")
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cacheHome, "TMPDIR="+tmp)
	cmd.Stdin = strings.NewReader("digraph { a -> b }")
	out, err := cmd.Output()
	if err != nil || !bytes.Contains(out, []byte("<svg")) {
		t.Fatalf("netviz-graphviz: %v, %.80q", err, out)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
		t.Errorf("go-graphviz wrote to TMPDIR: %v", entries)
	}
}

// The rules of package wasmcache, in the process that links go-graphviz: its
// compiled-code cache goes to the user's private cache directory (so
// wasmcache's init ran before go-graphviz's), never to TMPDIR.
func TestCacheGoesToPrivateDirNotTMPDIR(t *testing.T) {
	cacheHome := t.TempDir()
	draw(t, cacheHome, t.TempDir())
	dir := filepath.Join(cacheHome, "netviz")
	if _, err := os.Stat(filepath.Join(dir, "go-graphviz")); err != nil {
		t.Fatalf("go-graphviz did not cache in %s: %v (did its init run before wasmcache's?)", dir, err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: %v, want a 0700 directory", dir, err)
	}
}

// A cache directory others may write to could hold planted machine code: it
// is not used, and go-graphviz runs uncached (about 1.4 s) rather than in
// TMPDIR.
func TestUnsafeCacheDirIsNotUsed(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles Graphviz uncached (~1.4 s)")
	}
	cacheHome := t.TempDir()
	planted := filepath.Join(cacheHome, "netviz", "go-graphviz")
	if err := os.MkdirAll(planted, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(planted, 0o777); err != nil {
		t.Fatal(err)
	}
	draw(t, cacheHome, t.TempDir())
	if entries, _ := os.ReadDir(planted); len(entries) > 0 {
		t.Errorf("go-graphviz used the world-writable %s: %v", planted, entries)
	}
}
