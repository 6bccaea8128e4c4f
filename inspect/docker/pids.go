package docker

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// PIDFinder finds the main process of a running container without asking
// the daemon. Inspecting every container is what makes a Docker API scan
// slow — dockerd answers inspects one at a time, about 0.8 ms each on 20.10 —
// while the list already carries everything else netviz needs.
type PIDFinder interface {
	PID(containerID string) (int, bool)
}

// RuntimePIDs reads the init.pid file that containerd's runc shim keeps in
// each task's bundle, and trusts it only if that process's cgroup names the
// container, so a stale file or a reused PID is never believed. It works on
// the daemon's own host, as root; anywhere else it finds nothing and the
// container is inspected as usual.
type RuntimePIDs struct {
	// ProcRoot is /proc by default.
	ProcRoot string
	// TaskDirs are where containerd keeps task bundles of Docker's "moby"
	// namespace: the daemon-managed containerd's and the system one's by
	// default.
	TaskDirs []string
}

var defaultTaskDirs = []string{
	"/run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby",
	"/run/containerd/io.containerd.runtime.v2.task/moby",
}

// PID implements PIDFinder.
func (r RuntimePIDs) PID(id string) (int, bool) {
	if len(id) != 64 || strings.ContainsAny(id, "/.") {
		return 0, false
	}
	proc, dirs := r.ProcRoot, r.TaskDirs
	if proc == "" {
		proc = "/proc"
	}
	if dirs == nil {
		dirs = defaultTaskDirs
	}
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, id, "init.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(string(bytes.TrimSpace(data)))
		if err != nil || pid <= 0 {
			continue
		}
		cg, err := os.ReadFile(filepath.Join(proc, strconv.Itoa(pid), "cgroup"))
		if err != nil || !bytes.Contains(cg, []byte(id)) {
			continue
		}
		return pid, true
	}
	return 0, false
}
