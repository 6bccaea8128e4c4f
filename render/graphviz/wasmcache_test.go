package graphviz

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/wasmcache"
)

// go-graphviz's init must have found the private cache directory wasmcache
// chose (so it ran after wasmcache's init), and TMPDIR must be the process's
// own again.
func TestEmbeddedCacheIsPrivateAndTMPDIRRestored(t *testing.T) {
	dir := wasmcache.Dir()
	if dir == "" {
		t.Log("no private cache directory could be made here; go-graphviz runs uncached")
	} else if _, err := os.Stat(filepath.Join(dir, "go-graphviz")); err != nil {
		t.Errorf("go-graphviz did not cache in %s: %v (did its init run before wasmcache's?)", dir, err)
	}
	if dir != "" && strings.HasPrefix(os.TempDir(), dir) || strings.Contains(os.Getenv("TMPDIR"), "netviz-no-wasm-cache") {
		t.Errorf("TMPDIR was not restored: %q", os.Getenv("TMPDIR"))
	}
}
