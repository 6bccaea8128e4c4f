package swarmtest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stop takes the swarm down whatever state a failed test left it in:
// services, then each node's containers one at a time, leave the swarm
// (workers first), stop dockerd and containerd, kill shims that outlived
// them, unmount what Docker left under the node's directory (its own
// namespaces under exec-root/netns are nsfs bind mounts), remove the
// directories, delete the namespaces. Errors are reported, and the rest of
// the cleanup still runs.
func (s *Swarm) stop() {
	if len(s.Nodes) > 0 && s.Nodes[0].dockerd != nil {
		if out, err := s.Nodes[0].DockerErr("service", "ls", "-q"); err == nil {
			for _, id := range strings.Fields(out) {
				if _, err := s.Nodes[0].DockerErr("service", "rm", id); err != nil {
					s.t.Errorf("swarmtest cleanup: %v", err)
				}
			}
		}
	}
	var wg sync.WaitGroup
	for _, n := range s.Nodes {
		wg.Add(1)
		go func() { defer wg.Done(); s.removeContainers(n) }()
	}
	wg.Wait()
	// Workers leave before managers, the leader last, so that no manager
	// waits on a quorum that is already gone.
	for i := len(s.Nodes) - 1; i >= 0; i-- {
		n := s.Nodes[i]
		if n.dockerd == nil {
			continue
		}
		if _, err := n.DockerErr("swarm", "leave", "--force"); err != nil && !strings.Contains(err.Error(), "not part of a swarm") {
			s.t.Logf("swarmtest cleanup: node %d: %v", i, err)
		}
	}
	for _, n := range s.Nodes {
		wg.Add(1)
		go func() { defer wg.Done(); s.stopNode(n) }()
	}
	wg.Wait()
	if _, err := os.Stat("/run/netns/" + s.BridgeNetns); err == nil {
		if err := ip("netns", "del", s.BridgeNetns); err != nil {
			s.t.Errorf("swarmtest cleanup: %v", err)
		}
	}
	if s.Dir != "" {
		if err := os.RemoveAll(s.Dir); err != nil {
			s.t.Errorf("swarmtest cleanup: %v", err)
		}
	}
}

// removeContainers removes the node's containers one at a time (tasks of
// removed services may still be there).
func (s *Swarm) removeContainers(n *Node) {
	if n.dockerd == nil {
		return
	}
	out, err := n.DockerErr("ps", "-aq")
	if err != nil {
		s.t.Errorf("swarmtest cleanup: node %d: %v", n.Index, err)
		return
	}
	for _, id := range strings.Fields(out) {
		if _, err := n.DockerErr("rm", "-f", id); err != nil && !strings.Contains(err.Error(), "No such container") &&
			!strings.Contains(err.Error(), "already in progress") {
			s.t.Errorf("swarmtest cleanup: node %d: %v", n.Index, err)
		}
	}
}

// stopNode stops the node's daemons and removes what they left.
func (s *Swarm) stopNode(n *Node) {
	if s.t.Failed() {
		// The logs go with the directory: their ends are what explains a failure.
		for _, log := range []string{"containerd.log", "dockerd.log"} {
			if b, err := os.ReadFile(filepath.Join(n.Dir, log)); err == nil {
				s.t.Logf("node %d %s (last lines):\n%s", n.Index, log, tail(string(b), 15))
			}
		}
	}
	for i, cmd := range []*exec.Cmd{n.dockerd, n.containerd} {
		if cmd == nil || cmd.Process == nil {
			continue
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			s.t.Logf("swarmtest cleanup: node %d: %s did not stop in 30s; killing it", n.Index, []string{"dockerd", "containerd"}[i])
			_ = cmd.Process.Kill()
			<-done
		}
	}
	cleanNodeDir(s.t, n.Dir)
	if _, err := os.Stat("/run/netns/" + n.Netns); err == nil {
		if err := ip("netns", "del", n.Netns); err != nil {
			s.t.Errorf("swarmtest cleanup: %v", err)
		}
	}
}

// mountsUnder lists the mount points under dir, deepest first.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 1 && strings.HasPrefix(fields[1], dir+"/") {
			out = append(out, fields[1])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out
}

// pidsWith lists the processes whose command line contains s.
func pidsWith(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), s) && pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
