package swarmtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ownerFile, in a swarm's directory, names the test process that owns it:
// "<pid> <start time>" (the start time tells a reused pid apart).
const ownerFile = "owner"

// processStart is the start time of pid (field 22 of /proc/<pid>/stat), or
// "" when there is no such process.
func processStart(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name (field 2) may hold spaces: count after its ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// writeOwner marks dir as this process's.
func writeOwner(dir string) error {
	pid := os.Getpid()
	return os.WriteFile(filepath.Join(dir, ownerFile), []byte(fmt.Sprintf("%d %s\n", pid, processStart(pid))), 0o644)
}

// sweepStale takes down the swarms whose test process died without running
// its cleanup (killed, timed out, ^C): their nodes would otherwise run on.
// A directory without an owner file (being made, or scripts/swarm.sh's) is
// left alone.
func sweepStale(t testing.TB) {
	entries, _ := os.ReadDir(RunDir)
	for _, e := range entries {
		dir := filepath.Join(RunDir, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		var pid int
		var start string
		if _, err := fmt.Sscan(string(b), &pid, &start); err != nil || processStart(pid) == start {
			continue
		}
		nodes, _ := os.ReadDir(dir)
		for _, n := range nodes {
			if n.IsDir() {
				teardownNodeDir(t, filepath.Join(dir, n.Name()))
			}
		}
		netns, _ := os.ReadDir("/run/netns")
		for _, ns := range netns {
			if strings.HasPrefix(ns.Name(), e.Name()+"-") {
				if err := ip("netns", "del", ns.Name()); err != nil {
					t.Logf("swarmtest: stale swarm %s: %v", e.Name(), err)
				}
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Logf("swarmtest: stale swarm %s: %v", e.Name(), err)
		}
		t.Logf("swarmtest: removed the stale swarm %s (its test process %d is gone)", e.Name(), pid)
	}
}

// teardownNodeDir stops, by their pidfiles, the daemons of a node directory
// a dead process left, then does what stopNode does after them.
func teardownNodeDir(t testing.TB, dir string) {
	for _, f := range []string{"docker.pid", "containerd.pid"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 1 || !strings.Contains(cmdline(pid), dir) {
			continue // gone, or a reused pid that is not this node's daemon
		}
		_ = syscall.Kill(pid, syscall.SIGTERM)
		for i := 0; i < 50 && syscall.Kill(pid, 0) == nil; i++ {
			time.Sleep(200 * time.Millisecond)
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	cleanNodeDir(t, dir)
}

// cleanNodeDir kills the shims of a node whose daemons are stopped (found
// by the node's own containerd socket in their command line: nothing else
// has it), unmounts what is left under dir, deepest first (Docker's own
// namespaces under exec-root/netns are nsfs bind mounts), and removes dir.
func cleanNodeDir(t testing.TB, dir string) {
	for _, pid := range pidsWith(filepath.Join(dir, "containerd.sock")) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	for _, m := range mountsUnder(dir) {
		if err := syscall.Unmount(m, 0); err != nil {
			if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil {
				t.Errorf("swarmtest cleanup: umount %s: %v", m, err)
			}
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Errorf("swarmtest cleanup: %v", err)
	}
}

// cmdline is pid's command line, NULs as spaces ("" when it is gone).
func cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.ReplaceAll(string(b), "\x00", " ")
}
