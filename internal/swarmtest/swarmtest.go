// Package swarmtest builds a throwaway multi-node Docker Swarm on one machine
// for integration tests: N dockerd 28.5.2 nodes, each in a network namespace
// and a UTS namespace (hostname) of its own, their uplinks on one bridge that
// lives in a namespace of its own, joined into one swarm. Everything is named
// with a prefix unique to the run and removed in t.Cleanup, also when the
// test fails half way.
//
// Why not the host's daemon: other people's tests run against it and must
// not find it in swarm mode. Why not a bridge in the host namespace: with
// Docker running there, br_netfilter sends the bridged frames through the
// host's FORWARD chain, whose policy Docker sets to DROP, and joins time out.
// See docs/swarm.md.
package swarmtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/internal/testenv"
)

// EngineVersion is the Docker engine every node runs (scripts/engines.sh
// fetch 28 builds it into the cache).
const EngineVersion = "28.5.2"

// runcVersion is the runc the nodes run with: bookworm's 1.1.5 fails with
// Docker 28.
const runcVersion = "v1.5.3"

// RunDir holds every swarm's directories (one per swarm, named by its prefix).
const RunDir = "/run/netviz-swarm"

// Swarm is a running test swarm.
type Swarm struct {
	t testing.TB
	// Prefix is unique to this swarm among every test process running now
	// ("nvs" and dockertest.UniqueID); every name the swarm gives starts with it.
	Prefix string
	// BridgeNetns is the name of the namespace (under /run/netns) that holds
	// the bridge br0 joining the nodes' uplinks; br0 has BridgeAddr.
	BridgeNetns string
	BridgeAddr  netip.Addr
	// Subnet is the nodes' uplink subnet: a /24 in 100.64.0.0/10 that no
	// address or route of the host uses.
	Subnet netip.Prefix
	Nodes  []*Node
	// Dir holds the nodes' directories, each named by its node's Name.
	Dir string
	// Timings of Start, for the curious (no test asserts on them).
	Started, Joined time.Duration
}

// Node is one dockerd of the swarm.
type Node struct {
	Index int
	// Name is the node's hostname, as Swarm and netviz report it.
	Name string
	// Netns is the node's network namespace name (/run/netns/<Netns>).
	Netns string
	// Socket is the node's Docker host, "unix:///run/netviz-swarm/.../docker.sock".
	Socket string
	// Addr is the node's address on eth0, its uplink on the shared bridge,
	// and the address it advertises to the swarm.
	Addr    netip.Addr
	Manager bool
	// Dir holds the node's data-root, exec-root, sockets, pidfiles and logs.
	Dir string
	// ExecRoot is dockerd's --exec-root: Docker's own namespaces are bind
	// mounts under ExecRoot/netns.
	ExecRoot string
	// ID is the node's Swarm node ID.
	ID string

	dockerd, containerd *exec.Cmd
}

type config struct{ managers int }

// Option changes how Start builds the swarm.
type Option func(*config)

// Managers makes the first n nodes managers (default 1: node 0 is the only
// manager and the others are workers).
func Managers(n int) Option { return func(c *config) { c.managers = n } }

// Start needs root, the host's daemon (for the busybox test image), and the
// Docker 28.5.2 and runc 1.5.3 binaries in the engines cache; it builds a
// swarm of nodes nodes whose node 0 is the leader, with the test image
// (dockertest.Image) loaded on every node, and removes it all in cleanup.
// Under -short it skips; under CI=true a missing engine fails the test.
func Start(t testing.TB, nodes int, opts ...Option) *Swarm {
	t.Helper()
	cfg := config{managers: 1}
	for _, o := range opts {
		o(&cfg)
	}
	if nodes < 1 || cfg.managers < 1 || cfg.managers > nodes {
		t.Fatalf("swarmtest.Start: %d nodes with %d managers", nodes, cfg.managers)
	}
	w := dockertest.New(t, "swarm") // root, host daemon, the busybox image
	for prog, pkg := range map[string]string{"ip": "iproute2", "nsenter": "util-linux", "unshare": "util-linux", "containerd": "containerd"} {
		testenv.RequireProgram(t, prog, pkg)
	}
	bins := requireEngine(t)
	sweepStale(t)
	s := &Swarm{t: t, Prefix: "nvs" + w.ID}
	s.BridgeNetns = s.Prefix + "-br"
	s.Dir = filepath.Join(RunDir, s.Prefix)
	s.Subnet = freeSubnet(t)
	s.BridgeAddr = s.Subnet.Addr().Next()
	// Registered first, so it runs last: after the cleanups of the
	// services and containers the test adds.
	t.Cleanup(s.stop)
	t0 := time.Now()
	if err := s.makeBridge(); err != nil {
		t.Fatalf("swarmtest: %v", err)
	}
	addr := s.BridgeAddr
	for i := range nodes {
		addr = addr.Next()
		n := &Node{Index: i, Name: fmt.Sprintf("%sn%d", s.Prefix, i), Netns: fmt.Sprintf("%s-n%d", s.Prefix, i),
			Addr: addr, Manager: i < cfg.managers}
		// Named after the hostname, so that one service spec can mount each
		// node's own socket: src=<Dir of the swarm>/{{.Node.Hostname}}/docker.sock.
		n.Dir = filepath.Join(s.Dir, n.Name)
		n.Socket = "unix://" + filepath.Join(n.Dir, "docker.sock")
		n.ExecRoot = filepath.Join(n.Dir, "exec")
		s.Nodes = append(s.Nodes, n)
	}
	s.parallel(t, "start", func(n *Node) error { return s.startNode(n, bins) })
	s.Started = time.Since(t0)
	t1 := time.Now()
	if err := s.join(); err != nil {
		t.Fatalf("swarmtest: %v", err)
	}
	s.Joined = time.Since(t1)
	s.LoadImage(t, dockertest.Image)
	t.Logf("swarm %s: %d nodes of Docker %s on %s (bridge in netns %s): dockerds up in %.1fs, joined and Ready in %.1fs",
		s.Prefix, nodes, EngineVersion, s.Subnet, s.BridgeNetns, s.Started.Seconds(), s.Joined.Seconds())
	return s
}

// Node returns node i.
func (s *Swarm) Node(i int) *Node {
	s.t.Helper()
	if i < 0 || i >= len(s.Nodes) {
		s.t.Fatalf("swarmtest: node %d of %d", i, len(s.Nodes))
	}
	return s.Nodes[i]
}

// Manager is node 0, the leader, where services and networks are created.
func (s *Swarm) Manager() *Node { return s.Nodes[0] }

// engineBins are the directories of the binaries the nodes run.
type engineBins struct{ docker, runc string }

// requireEngine finds Docker 28.5.2 and runc 1.5.3 in scripts/engines.sh's
// cache (NETVIZ_ENGINES_CACHE, /var/cache/netviz-engines).
func requireEngine(t testing.TB) engineBins {
	t.Helper()
	cache := os.Getenv("NETVIZ_ENGINES_CACHE")
	if cache == "" {
		cache = "/var/cache/netviz-engines"
	}
	b := engineBins{docker: filepath.Join(cache, "docker-"+EngineVersion), runc: filepath.Join(cache, "runc-"+runcVersion)}
	for _, f := range []string{filepath.Join(b.docker, "dockerd"), filepath.Join(b.docker, "docker-proxy"), filepath.Join(b.runc, "runc")} {
		if _, err := os.Stat(f); err != nil {
			testenv.Unavailable(t, "the swarm's engine is not built: no "+f,
				"run `bash scripts/engines.sh fetch 28` as root (make test does)")
		}
	}
	return b
}

// parallel runs f on every node at once and fails t with every error.
func (s *Swarm) parallel(t testing.TB, what string, f func(*Node) error) {
	t.Helper()
	errs := make([]error, len(s.Nodes))
	var wg sync.WaitGroup
	for i, n := range s.Nodes {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = f(n) }()
	}
	wg.Wait()
	var msgs []string
	for _, err := range errs {
		if err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if len(msgs) > 0 {
		t.Fatalf("swarmtest %s: %s", what, strings.Join(msgs, "; "))
	}
}

// Docker runs the docker CLI against the node and returns trimmed stdout;
// a failure fails t.
func (n *Node) Docker(t testing.TB, args ...string) string {
	t.Helper()
	out, err := n.DockerErr(args...)
	if err != nil {
		t.Fatalf("node %d: %v", n.Index, err)
	}
	return out
}

// DockerErr runs the docker CLI against the node (2 minutes at most).
func (n *Node) DockerErr(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return run(exec.CommandContext(ctx, "docker", append([]string{"-H", n.Socket}, args...)...))
}

// Command is name args run in the node's network namespace and its UTS
// namespace (its hostname), as its dockerd runs, with DOCKER_HOST at the
// node: netviz run this way sees what it would see running on that node,
// and reports the node's hostname.
func (n *Node) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	ns := []string{"--net=/run/netns/" + n.Netns}
	if n.dockerd != nil && n.dockerd.Process != nil {
		ns = append(ns, fmt.Sprintf("--uts=/proc/%d/ns/uts", n.dockerd.Process.Pid))
	}
	cmd := exec.CommandContext(ctx, "nsenter", append(append(ns, name), args...)...)
	cmd.Env = append(cleanEnv(), n.Env()...)
	return cmd
}

// Env is what points docker, netviz and the Docker SDK at the node:
// DOCKER_HOST, and NETVIZ_NETNS_PATH, the node's namespace, as
// scripts/engines.sh env gives it for an engine.
func (n *Node) Env() []string {
	return []string{"DOCKER_HOST=" + n.Socket, "NETVIZ_NETNS_PATH=/run/netns/" + n.Netns}
}

// Client is an HTTP client for the node's Engine API: the host part of the
// URL is ignored ("http://docker/v1.47/info"). For the Docker SDK, use
// inspect/docker.New(docker.Options{Host: n.Socket}).
func (n *Node) Client() *http.Client {
	sock := strings.TrimPrefix(n.Socket, "unix://")
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
}

// BridgeCommand is name args run in the bridge's namespace, which reaches
// every node's Addr (and no node's containers): how a client outside the
// swarm sees it.
func (s *Swarm) BridgeCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"--net=/run/netns/" + s.BridgeNetns, name}, args...)...)
	cmd.Env = cleanEnv()
	return cmd
}

// cleanEnv is the environment without what would point docker elsewhere.
func cleanEnv() []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "DOCKER_HOST=") && !strings.HasPrefix(e, "DOCKER_CONTEXT=") && !strings.HasPrefix(e, "NETVIZ_NETNS_PATH=") {
			env = append(env, e)
		}
	}
	return env
}

// run runs cmd and returns its trimmed stdout, or an error with its stderr.
func run(cmd *exec.Cmd) (string, error) {
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if cmd.Env == nil {
		cmd.Env = cleanEnv()
	}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %v: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}
