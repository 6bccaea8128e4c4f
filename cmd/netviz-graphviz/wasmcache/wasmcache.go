// Package wasmcache gives the embedded Graphviz (github.com/goccy/go-graphviz)
// a safe place for its compiled-code cache. Only netviz-graphviz, the program
// that holds the embedded Graphviz, imports it and go-graphviz; netviz itself
// links neither and starts netviz-graphviz when it must draw without `dot`.
//
// Why: go-graphviz compiles its WebAssembly Graphviz in a package init —
// before main runs — and caches the machine code it compiles in
// $TMPDIR/go-graphviz. Things go wrong there for a tool people run with sudo
// (netviz starts netviz-graphviz with its own environment, so a
// `sudo netviz` runs the helper as root too):
//
//   - A cache that root wrote to /tmp is unreadable to everyone else, and
//     go-graphviz panics at start-up: `netviz render` as a normal user after
//     one `sudo netviz docker -o x.svg` crashed before main (when go-graphviz
//     was still linked into netviz).
//   - /tmp is shared: another local user could create /tmp/go-graphviz first
//     and plant "cached" machine code that root would then load and run.
//   - With no usable cache the compilation takes about 1.4 s on every run.
//
// So this package's init, which Go runs before go-graphviz's (since Go 1.21,
// packages initialise in import-path order among those whose imports are
// ready, and "github.com/netviz/…" comes before "github.com/tetratelabs/…",
// on which go-graphviz's init depends), points TMPDIR at a directory owned
// by the current user and closed to others: os.UserCacheDir()/netviz. If no
// such directory can be had, it points TMPDIR at a path that does not exist,
// which makes go-graphviz run without a cache: slower, never unsafe.
// Restore puts the caller's TMPDIR back; netviz-graphviz's main, which runs
// after every init, calls it. A test of netviz-graphviz runs the built
// program with a fresh cache home and TMPDIR and checks where the cache went.
package wasmcache

import (
	"os"
	"path/filepath"
	"syscall"
)

var (
	origTMPDIR string
	hadTMPDIR  bool
	dir        string
)

func init() {
	origTMPDIR, hadTMPDIR = os.LookupEnv("TMPDIR")
	dir = safeDir()
	if dir == "" {
		_ = os.Setenv("TMPDIR", filepath.Join(string(filepath.Separator), "nonexistent", "netviz-no-wasm-cache"))
		return
	}
	_ = os.Setenv("TMPDIR", dir)
}

// Dir is the directory go-graphviz was given for its cache ("" when none).
func Dir() string { return dir }

// Restore gives the process its own TMPDIR back, once go-graphviz's init has run.
func Restore() {
	if hadTMPDIR {
		_ = os.Setenv("TMPDIR", origTMPDIR)
	} else {
		_ = os.Unsetenv("TMPDIR")
	}
}

// safeDir returns os.UserCacheDir()/netviz, created 0700 if missing, when it
// is a real directory owned by this user that nobody else may write to.
func safeDir() string {
	base, err := os.UserCacheDir()
	if err != nil || !filepath.IsAbs(base) {
		return ""
	}
	d := filepath.Join(base, "netviz")
	if err := os.MkdirAll(d, 0o700); err != nil {
		return ""
	}
	for _, p := range []string{d, filepath.Join(d, "go-graphviz")} {
		fi, err := os.Lstat(p)
		if os.IsNotExist(err) && p != d {
			continue
		}
		if err != nil || !private(fi) {
			return ""
		}
	}
	return d
}

// private: a directory (not a link) owned by the effective user, not
// writable by group or others.
func private(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && fi.IsDir() && int(st.Uid) == os.Geteuid() && fi.Mode().Perm()&0o022 == 0
}
