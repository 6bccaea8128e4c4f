package wasmcache

import (
	"os"
	"path/filepath"
	"testing"
)

func TestSafeDirIsPrivateAndOwned(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	d := safeDir()
	if d != filepath.Join(home, "netviz") {
		t.Fatalf("safeDir = %q", d)
	}
	fi, err := os.Stat(d)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("%s: %v %v", d, fi.Mode(), err)
	}
	// A go-graphviz directory others may write to makes the cache unusable.
	if err := os.Mkdir(filepath.Join(d, "go-graphviz"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(d, "go-graphviz"), 0o777); err != nil {
		t.Fatal(err)
	}
	if got := safeDir(); got != "" {
		t.Errorf("world-writable cache accepted: %q", got)
	}
	// So does a symlink in its place.
	other := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", other)
	if err := os.Symlink(home, filepath.Join(other, "netviz")); err != nil {
		t.Fatal(err)
	}
	if got := safeDir(); got != "" {
		t.Errorf("symlinked cache accepted: %q", got)
	}
}

func TestRestore(t *testing.T) {
	t.Setenv("TMPDIR", "/somewhere")
	origTMPDIR, hadTMPDIR = "/orig", true
	Restore()
	if got := os.Getenv("TMPDIR"); got != "/orig" {
		t.Errorf("TMPDIR = %q", got)
	}
	hadTMPDIR = false
	Restore()
	if _, ok := os.LookupEnv("TMPDIR"); ok {
		t.Errorf("TMPDIR should be unset")
	}
}
