package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/internal/swarmtest"
	"github.com/netviz/netviz/topo"
)

// The ports netviz listens on in every node: each node has a network
// namespace of its own, where nothing else holds them.
const (
	servicePort   = "7800" // the global service
	containerPort = "7801" // the plain container with --pid host
)

// TestIntegrationSwarmGlobalService runs the netviz image (make image) as a
// Swarm global service on a 3-node swarm with docs/swarm.md's flags, and
// asks each node's task, over the node's address from outside the nodes,
// for /healthz and /api/snapshot: 401 without the token (a Docker secret),
// and with it a snapshot of that node (its hostname, its container). A
// service cannot have --pid host (moby/swarmkit#1605), so netviz cannot
// place the daemon and says so: the snapshot is the Docker API's view, with
// the kernel-unavailable warning, and no container has a namespace. The
// same image run on each node as a plain container with --pid host, the
// documented alternative, serves the full view.
func TestIntegrationSwarmGlobalService(t *testing.T) {
	s := swarmtest.Start(t, 3)
	image := buildImage(t, "nvt"+s.Prefix+"-netviz", "test-"+s.Prefix)
	s.LoadImage(t, image)

	m := s.Manager()
	tokenFile := filepath.Join(t.TempDir(), "token")
	token := "tok-" + s.Prefix
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := s.Prefix + "-token"
	t.Cleanup(func() {
		if _, err := m.DockerErr("secret", "rm", secret); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	m.Docker(t, "secret", "create", "--label", dockertest.Label+"="+s.Prefix, secret, tokenFile)

	// A container per node for netviz to find.
	net := s.Overlay(t, "ov", true)
	names := s.RunOnEach(t, net)

	svc := s.Service(t, "netviz", globalServiceArgs(s.Dir, secret), image,
		"serve", "--listen", "0.0.0.0:"+servicePort, "--token-file", "/run/secrets/"+secret)
	if tasks := s.Tasks(t, svc); len(tasks) != len(s.Nodes) {
		t.Fatalf("%d netviz tasks, want one on each of %d nodes", len(tasks), len(s.Nodes))
	}
	for _, n := range s.Nodes {
		if snap := askNode(t, s, n, servicePort, token); snap != nil {
			checkNodeSnapshot(t, n, snap, names[n.Index], false)
		}
	}

	// The alternative: one plain container per node, with --pid host.
	for _, n := range s.Nodes {
		name := s.Prefix + "-netviz-" + fmt.Sprint(n.Index)
		t.Cleanup(func() { _, _ = n.DockerErr("rm", "-f", name) })
		sock := strings.TrimPrefix(n.Socket, "unix://")
		n.Docker(t, "run", "-d", "--name", name, "--label", dockertest.Label+"="+s.Prefix, "--restart", "unless-stopped",
			"--pid", "host", "--network", "host", "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "SYS_PTRACE",
			"--read-only", "-v", sock+":/var/run/docker.sock:ro", "-v", tokenFile+":/run/secrets/netviz_token:ro",
			image, "serve", "--listen", "0.0.0.0:"+containerPort, "--token-file", "/run/secrets/netviz_token")
	}
	for _, n := range s.Nodes {
		if snap := askNode(t, s, n, containerPort, token); snap != nil {
			checkNodeSnapshot(t, n, snap, names[n.Index], true)
		}
	}
}

// askNode checks that the netviz on node n's port wants the token and
// returns its snapshot (nil when it has failed t).
func askNode(t *testing.T, s *swarmtest.Swarm, n *swarmtest.Node, port, token string) *topo.Snapshot {
	t.Helper()
	base := "http://" + n.Addr.String() + ":" + port
	if code, body := fromBridge(t, s, base+"/healthz", token); code != http.StatusOK {
		t.Errorf("node %d port %s: GET /healthz with the token: %d %s", n.Index, port, code, body)
		return nil
	}
	for _, path := range []string{"/healthz", "/api/snapshot"} {
		if code, _ := fromBridge(t, s, base+path, ""); code != http.StatusUnauthorized {
			t.Errorf("node %d port %s: GET %s without the token: %d, want 401", n.Index, port, path, code)
		}
	}
	// 503 until netviz has read the node once.
	var code int
	var body string
	for range 150 {
		if code, body = fromBridge(t, s, base+"/api/snapshot", token); code != http.StatusServiceUnavailable {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var snap topo.Snapshot
	if err := json.Unmarshal([]byte(body), &snap); code != http.StatusOK || err != nil {
		t.Errorf("node %d port %s: GET /api/snapshot: %d, %v: %.300s", n.Index, port, code, err, body)
		return nil
	}
	if snap.Host.Hostname != n.Name {
		t.Errorf("node %d port %s: the snapshot's host is %q, want %q", n.Index, port, snap.Host.Hostname, n.Name)
	}
	return &snap
}

// globalServiceArgs are docs/swarm.md's `docker service create` flags for
// netviz, with the socket of each node at its own path (on a real node it
// is /var/run/docker.sock, the same on all).
func globalServiceArgs(swarmDir, secret string) []string {
	return []string{
		"--mode", "global", "--network", "host",
		"--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "SYS_PTRACE",
		"--read-only",
		"--mount", "type=bind,src=" + swarmDir + "/{{.Node.Hostname}}/docker.sock,dst=/var/run/docker.sock,readonly",
		"--secret", secret,
	}
}

// checkNodeSnapshot checks that the node's snapshot has its own container
// and none of the other nodes'; with full, that netviz read its namespace
// (it placed the daemon); without, that it says why it could not.
func checkNodeSnapshot(t *testing.T, n *swarmtest.Node, snap *topo.Snapshot, own string, full bool) {
	t.Helper()
	var found, warned bool
	for _, w := range snap.Warnings {
		warned = warned || w.Code == "kernel-unavailable"
	}
	if warned == full {
		t.Errorf("node %d (--pid host: %v): kernel-unavailable warning: %v; warnings: %+v", n.Index, full, warned, snap.Warnings)
	}
	for _, c := range snap.Containers {
		name := strings.TrimPrefix(c.Name, "/")
		if name == own {
			found = true
			if (c.Namespace != "") != full {
				t.Errorf("node %d (--pid host: %v): container %s has namespace %q", n.Index, full, own, c.Namespace)
			}
		} else if strings.HasPrefix(name, strings.TrimSuffix(own, fmt.Sprint(n.Index))) {
			t.Errorf("node %d: the snapshot has %s, another node's container", n.Index, name)
		}
	}
	if !found {
		t.Errorf("node %d: the snapshot lacks the node's container %s (has %d containers)", n.Index, own, len(snap.Containers))
	}
}

// fromBridge GETs url from the bridge's namespace, outside every node.
func fromBridge(t *testing.T, s *swarmtest.Swarm, url, token string) (code int, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("GET %s from the bridge's namespace: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// buildImage builds the netviz image with make image under a unique tag on
// the host's daemon and removes it in cleanup; it returns image:tag.
func buildImage(t *testing.T, image, version string) string {
	t.Helper()
	t.Cleanup(func() {
		for _, tag := range []string{image + ":" + version, image + ":latest"} {
			if _, err := dockertest.Docker("rmi", tag); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	makeTarget(t, "image", "IMAGE="+image, "VERSION="+version, "DIST="+t.TempDir())
	return image + ":" + version
}
