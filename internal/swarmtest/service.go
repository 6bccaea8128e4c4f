package swarmtest

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/dockertest"
)

// Overlay creates an overlay network <Prefix>-name on the manager (args are
// more `docker network create` flags: --subnet, --opt encrypted, ...),
// attachable when attachable is set (plain containers may then join it with
// docker run --network), and removes it in cleanup. It returns the name.
func (s *Swarm) Overlay(t testing.TB, name string, attachable bool, args ...string) string {
	t.Helper()
	full := s.Prefix + "-" + name
	a := []string{"network", "create", "--driver", "overlay", "--label", dockertest.Label + "=" + s.Prefix}
	if attachable {
		a = append(a, "--attachable")
	}
	a = append(a, args...)
	s.Manager().Docker(t, append(a, full)...)
	t.Cleanup(func() {
		// Tasks and containers leave a network asynchronously after their
		// removal: a few tries before calling it a failure.
		var err error
		for range 20 {
			if _, err = s.Manager().DockerErr("network", "rm", full); err == nil || strings.Contains(err.Error(), "not found") {
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
		t.Errorf("swarmtest cleanup: %v", err)
	})
	return full
}

// RunOnEach starts one container <Prefix>-<network>-<i> on every node i, on
// network (an attachable overlay, or any network every node has), running
// dockertest.Image's sleep; args go before the image (--cap-add, ...). The
// containers are removed in cleanup, one at a time. It returns their names,
// in node order.
func (s *Swarm) RunOnEach(t testing.TB, network string, args ...string) []string {
	t.Helper()
	names := make([]string, len(s.Nodes))
	for i, n := range s.Nodes {
		names[i] = fmt.Sprintf("%s-%d", strings.TrimPrefix(network, s.Prefix+"-"), i)
		names[i] = s.Prefix + "-" + names[i]
		t.Cleanup(func() { s.removeContainer(t, n, names[i]) })
	}
	s.parallel(t, "run on "+network, func(n *Node) error {
		a := []string{"run", "-d", "--name", names[n.Index], "--label", dockertest.Label + "=" + s.Prefix, "--network", network}
		a = append(a, args...)
		_, err := n.DockerErr(append(a, dockertest.Image, "sleep", "3600")...)
		return err
	})
	return names
}

func (s *Swarm) removeContainer(t testing.TB, n *Node, name string) {
	if _, err := n.DockerErr("rm", "-f", name); err != nil && !strings.Contains(err.Error(), "No such container") &&
		!strings.Contains(err.Error(), "already in progress") {
		t.Errorf("swarmtest cleanup: node %d: %v", n.Index, err)
	}
}

// Service creates the service <Prefix>-name on the manager with
// `docker service create args... image cmd...` (args: --mode global,
// --network, --publish, ...), waits until all its tasks run (2 minutes at
// most; the tasks' errors are in the failure), and removes it in cleanup.
// It returns the service's name.
func (s *Swarm) Service(t testing.TB, name string, args []string, image string, cmd ...string) string {
	t.Helper()
	full := s.Prefix + "-" + name
	m := s.Manager()
	t.Cleanup(func() {
		if _, err := m.DockerErr("service", "rm", full); err != nil && !strings.Contains(err.Error(), "not found") {
			t.Errorf("swarmtest cleanup: %v", err)
		}
	})
	a := []string{"service", "create", "--detach", "--name", full, "--label", dockertest.Label + "=" + s.Prefix,
		"--container-label", dockertest.Label + "=" + s.Prefix}
	a = append(a, args...)
	m.Docker(t, append(append(a, image), cmd...)...)
	var last string
	err := waitFor(2*time.Minute, func() bool {
		out, err := m.DockerErr("service", "ls", "--filter", "name="+full, "--format", "{{.Name}} {{.Replicas}}")
		if err != nil {
			last = err.Error()
			return false
		}
		last = out
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == full {
				have, want, ok := strings.Cut(f[1], "/")
				return ok && have == want && want != "0"
			}
		}
		return false
	})
	if err != nil {
		ps, _ := m.DockerErr("service", "ps", "--no-trunc", "--format", "{{.Node}} {{.CurrentState}} {{.Error}}", full)
		t.Fatalf("swarmtest: service %s did not converge in 2m (%s); tasks:\n%s", full, last, ps)
	}
	return full
}

// Tasks are the running tasks of service, one container per entry.
type Task struct {
	Node      *Node
	Container string // the container's ID on that node
}

// Tasks lists the running containers of service on every node.
func (s *Swarm) Tasks(t testing.TB, service string) []Task {
	t.Helper()
	var mu sync.Mutex
	var tasks []Task
	s.parallel(t, "tasks of "+service, func(n *Node) error {
		out, err := n.DockerErr("ps", "-q", "--no-trunc", "--filter", "label=com.docker.swarm.service.name="+service)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, id := range strings.Fields(out) {
			tasks = append(tasks, Task{Node: n, Container: id})
		}
		return nil
	})
	return tasks
}

// Ping runs busybox ping (count packets) in container on node n, to addr;
// it returns ping's output and whether every packet came back.
func (n *Node) Ping(container, addr string, count int) (string, bool) {
	out, err := n.DockerErr("exec", container, "ping", "-c", strconv.Itoa(count), "-W", "2", addr)
	if err != nil {
		return err.Error(), false
	}
	return out, strings.Contains(out, fmt.Sprintf("%d packets received", count))
}
