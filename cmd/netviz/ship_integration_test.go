package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/internal/testenv"
)

// These tests ship netviz as its users get it, through the Makefile's own
// targets: the image (make image), run against the daemon that built it,
// and the Docker CLI plugin (make install-plugin), run by the real docker
// CLI. scripts/test.sh runs them against the host's engine only.

// repoRoot is the module's directory (the tests run in cmd/netviz).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		t.Fatalf("no Makefile at %s: %v", root, err)
	}
	return root
}

// makeTarget runs make in the repository with vars, away from any make that
// runs this test (its MAKEFLAGS would pass its own variables down).
func makeTarget(t *testing.T, target string, vars ...string) {
	t.Helper()
	testenv.RequireProgram(t, "make", "make")
	cmd := exec.Command("make", append([]string{"--no-print-directory", "-C", repoRoot(t), target}, vars...)...)
	cmd.Env = envWithout(os.Environ(), "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make %s: %v\n%s", target, err, out)
	}
}

// envWithout is env less the variables named.
func envWithout(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, n := range names {
			keep = keep && name != n
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// daemonAddress is the daemon under test, as the docker CLI reaches it.
func daemonAddress() string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return "unix:///var/run/docker.sock"
}

// vethRow is the part of `netviz veth --format json` checked here.
type vethRow struct {
	Container          string `json:"container"`
	ContainerInterface string `json:"containerInterface"`
	HostInterface      string `json:"hostInterface"`
	HostIfindex        int    `json:"hostIfindex"`
}

// checkPairFound: netviz's veth JSON has container's eth0 paired with the
// host veth the kernel says is its peer.
func checkPairFound(t *testing.T, w *dockertest.World, container string, vethJSON []byte) {
	t.Helper()
	var rows []vethRow
	if err := json.Unmarshal(vethJSON, &rows); err != nil {
		t.Fatalf("veth json: %v\n%s", err, vethJSON)
	}
	pid := w.InspectContainer(container).State.Pid
	var peer int
	for _, l := range dockertest.LinksIn(t, pid) {
		if l.Ifname == "eth0" {
			peer = l.LinkIdx
		}
	}
	var hostName string
	for _, l := range dockertest.LinksIn(t, 0) {
		if l.Ifindex == peer {
			hostName = l.Ifname
		}
	}
	if peer == 0 || hostName == "" {
		t.Fatalf("ground truth: no host peer for %s's eth0 (link index %d)", container, peer)
	}
	for _, r := range rows {
		if r.Container == container && r.ContainerInterface == "eth0" {
			if r.HostIfindex != peer || r.HostInterface != hostName {
				t.Errorf("%s:eth0 paired with %s (%d), the kernel says %s (%d)", container, r.HostInterface, r.HostIfindex, hostName, peer)
			}
			return
		}
	}
	t.Errorf("no pair for %s:eth0 in %s", container, vethJSON)
}

// runCmd runs name args with env and returns stdout, stderr and the exit code.
func runCmd(t *testing.T, env []string, name string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return out.String(), errb.String(), code
}

func TestIntegrationImage(t *testing.T) {
	w := dockertest.New(t, "img")
	sock, ok := strings.CutPrefix(daemonAddress(), "unix://")
	if !ok {
		testenv.Unavailable(t, "the daemon is not on a unix socket ("+daemonAddress()+"), which the image's container must mount", "point DOCKER_HOST at a local daemon's socket")
	}
	c := w.Run("c", nil)
	image, version := "nvt"+w.ID+"-netviz", "test-"+w.ID
	dist := t.TempDir()
	t.Cleanup(func() {
		for _, tag := range []string{image + ":" + version, image + ":latest"} {
			if _, err := dockertest.Docker("rmi", tag); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	start := time.Now()
	makeTarget(t, "image", "IMAGE="+image, "VERSION="+version, "DIST="+dist)
	t.Logf("make image: %v", time.Since(start).Round(time.Millisecond))

	label := w.Docker("image", "inspect", "--format", `{{index .Config.Labels "org.opencontainers.image.version"}}`, image+":"+version)
	if label != version {
		t.Errorf("image version label %q, want %q", label, version)
	}
	out := t.TempDir()
	runImage := func(args ...string) (string, string, int) {
		a := []string{"run", "--rm", "--label", dockertest.Label + "=" + w.Prefix,
			"--pid", "host", "--net", "host", "-v", sock + ":/var/run/docker.sock:ro",
			"--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--cap-add", "SYS_PTRACE",
			"--read-only", "-v", out + ":/out", image + ":" + version}
		return runCmd(t, envWithout(os.Environ(), "DOCKER_CONTEXT"), "docker", append(a, args...)...)
	}
	if stdout, stderr, code := runImage("version"); code != 0 || !strings.HasPrefix(stdout, "netviz "+version+" ") {
		t.Errorf("version in the image: exit %d: %q %s", code, stdout, stderr)
	}
	// The kernel view from inside the image: the test container's pair.
	stdout, stderr, code := runImage("veth", "--format", "json")
	if code != 0 {
		t.Fatalf("netviz veth in the image: exit %d: %s", code, stderr)
	}
	checkPairFound(t, w, c, []byte(stdout))

	// A diagram into the mounted directory, drawn by netviz-graphviz (the
	// image has no dot); the firewall, unreadable without iptables in the
	// image, is a warning, not a failure.
	_, stderr, code = runImage("docker", "--container", c, "-o", "host.svg")
	if code != 0 {
		t.Fatalf("netviz docker -o host.svg in the image: exit %d: %s", code, stderr)
	}
	svg, err := os.ReadFile(filepath.Join(out, "host.svg"))
	inSVG := []byte(strings.ReplaceAll(c, "-", "&#45;")) // Graphviz's escape
	if err != nil || !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, inSVG) {
		t.Errorf("host.svg: %v, %d bytes, names the container: %v", err, len(svg), bytes.Contains(svg, inSVG))
	}
	if !strings.Contains(stderr, "cannot read the firewall rules") {
		t.Errorf("no warning that the image cannot read the firewall: %q", stderr)
	}
}

func TestIntegrationDockerPlugin(t *testing.T) {
	w := dockertest.New(t, "plg")
	c := w.Run("c", nil)
	cfg, bin := t.TempDir(), filepath.Join(t.TempDir(), "netviz")
	version := "test-" + w.ID
	makeTarget(t, "install-plugin", "DOCKER_CONFIG="+cfg, "BIN="+bin, "VERSION="+version)
	for _, f := range []string{"docker-netviz", "netviz-graphviz"} {
		if fi, err := os.Stat(filepath.Join(cfg, "cli-plugins", f)); err != nil || fi.Mode().Perm()&0o111 == 0 {
			t.Fatalf("make install-plugin did not install %s: %v", f, err)
		}
	}
	base := append(envWithout(os.Environ(), "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG"), "DOCKER_CONFIG="+cfg)
	daemon := daemonAddress()
	bogus := "unix://" + filepath.Join(cfg, "nothing.sock")
	docker := func(env []string, args ...string) (string, string, int) {
		t.Helper()
		return runCmd(t, env, "docker", args...)
	}
	mustDocker := func(env []string, args ...string) string {
		t.Helper()
		out, errb, code := docker(env, args...)
		if code != 0 {
			t.Fatalf("docker %s: exit %d: %s", strings.Join(args, " "), code, errb)
		}
		return out
	}

	if out := mustDocker(base, "netviz", "version"); !strings.HasPrefix(out, "netviz "+version+" ") {
		t.Errorf("docker netviz version: %q", out)
	}
	info := mustDocker(append(base, "DOCKER_HOST="+daemon), "info")
	if !strings.Contains(info, "netviz: Show what Docker built") || !strings.Contains(info, filepath.Join(cfg, "cli-plugins", "docker-netviz")) {
		t.Errorf("docker info does not list the plugin:\n%s", info)
	}
	if help := mustDocker(base, "netviz", "--help"); !strings.Contains(help, "docker netviz [command]") || !strings.Contains(help, "veth") {
		t.Errorf("docker netviz --help:\n%s", help)
	}

	// -H beats DOCKER_HOST, which points nowhere.
	out := mustDocker(append(base, "DOCKER_HOST="+bogus), "-H", daemon, "netviz", "veth", "--format", "json")
	checkPairFound(t, w, c, []byte(out))

	// A context made with docker context create; --context beats DOCKER_HOST.
	ctxName := "nvt" + w.ID
	mustDocker(base, "context", "create", ctxName, "--docker", "host="+daemon)
	out = mustDocker(append(base, "DOCKER_HOST="+bogus), "--context", ctxName, "netviz", "veth", "--format", "json")
	checkPairFound(t, w, c, []byte(out))

	// docker context use: the plugin follows config.json's current context,
	// here one whose socket does not exist, and says where it looked.
	mustDocker(base, "context", "create", ctxName+"-gone", "--docker", "host="+bogus)
	mustDocker(base, "context", "use", ctxName+"-gone")
	_, errb, code := docker(base, "netviz", "veth")
	if code != exitDaemon || !strings.Contains(errb, "nothing.sock") || strings.Count(strings.TrimSpace(errb), "\n") != 0 {
		t.Errorf("current context %s: exit %d, want %d with one line naming its socket: %q", ctxName+"-gone", code, exitDaemon, errb)
	}
	// DOCKER_CONTEXT beats the current context.
	out = mustDocker(append(base, "DOCKER_CONTEXT="+ctxName), "netviz", "veth", "--format", "json")
	checkPairFound(t, w, c, []byte(out))
}
