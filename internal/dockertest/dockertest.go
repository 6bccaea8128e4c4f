// Package dockertest builds throwaway Docker worlds for integration tests:
// a local busybox image (no registry needed), networks and containers that
// carry a test label, each removed one at a time in t.Cleanup.
//
// Ground truth comes from outside netviz: the docker CLI and iproute2.
package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/testenv"
)

// Image is the local test image, made from busybox-static by Image().
const Image = "netviz-busybox:test"

// Label marks everything the tests create.
const Label = "dev.netviz.test"

var imageOnce sync.Once

// World is one test's Docker objects, named with a unique prefix.
type World struct {
	t testing.TB
	// ID is short and unique among the worlds of every test process running
	// now: the process's pid and a counter, in base 36.
	ID string
	// Prefix starts the name of everything the world creates: "nvt<ID>-<prefix>".
	Prefix string
}

var worlds atomic.Int64

// UniqueID is short and unique among the calls of every process running
// now (pid and a per-process counter, in base 36), so that tests in other
// packages and other runs on the same host never pick the same name.
func UniqueID() string {
	return strconv.FormatInt(int64(os.Getpid()), 36) + strconv.FormatInt(worlds.Add(1), 36)
}

// IfName is a unique name for a link the test makes: "nv", tag, the
// world's ID. Linux allows 15 characters; a longer one fails the test.
func (w *World) IfName(tag string) string {
	w.t.Helper()
	name := "nv" + tag + w.ID
	if len(name) > 15 {
		w.t.Fatalf("link name %q is longer than 15 characters: use a shorter tag than %q", name, tag)
	}
	return name
}

// New needs a daemon and root, makes sure the image exists, and returns a
// world whose objects are named "<prefix>-...".
func New(t testing.TB, prefix string) *World {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireDocker(t)
	var err error
	imageOnce.Do(func() { err = ensureImage() })
	if err != nil {
		t.Fatalf("test image: %v", err)
	}
	id := UniqueID()
	return &World{t: t, ID: id, Prefix: "nvt" + id + "-" + prefix}
}

// Docker runs the docker CLI and returns trimmed stdout; failure fails the test.
func (w *World) Docker(args ...string) string {
	w.t.Helper()
	out, err := Docker(args...)
	if err != nil {
		w.t.Fatalf("%v", err)
	}
	return out
}

// Docker runs the docker CLI.
func Docker(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// Network creates a network named <prefix>-name and removes it in cleanup.
func (w *World) Network(name string, args ...string) string {
	w.t.Helper()
	full := w.Prefix + "-" + name
	a := append([]string{"network", "create", "--label", Label + "=" + w.Prefix}, args...)
	w.Docker(append(a, full)...)
	w.t.Cleanup(func() {
		if _, err := Docker("network", "rm", full); err != nil {
			w.t.Errorf("cleanup: %v", err)
		}
	})
	// Runs before the network's removal (cleanups run last-in first-out):
	// containers a test started by hand (docker run --rm, ...) may still
	// hold endpoints on it.
	w.t.Cleanup(w.removeLabelled)
	return full
}

// removeLabelled removes, one at a time, every container left with this
// world's label.
func (w *World) removeLabelled() {
	ids, err := Docker("ps", "-aq", "--filter", "label="+Label+"="+w.Prefix)
	if err != nil {
		w.t.Errorf("cleanup: %v", err)
		return
	}
	for _, id := range strings.Fields(ids) {
		w.Remove(id)
	}
}

// Run starts a container named <prefix>-name running `sleep` (or cmd) and
// removes it in cleanup. args go before the image (--network, ...).
func (w *World) Run(name string, args []string, cmd ...string) string {
	w.t.Helper()
	full := w.Prefix + "-" + name
	if len(cmd) == 0 {
		cmd = []string{"sleep", "3600"}
	}
	a := []string{"run", "-d", "--name", full, "--label", Label + "=" + w.Prefix}
	a = append(a, args...)
	a = append(a, Image)
	a = append(a, cmd...)
	w.t.Cleanup(func() { w.Remove(full) })
	w.Docker(a...)
	return full
}

// Create creates (without starting) a container.
func (w *World) Create(name string, args []string) string {
	w.t.Helper()
	full := w.Prefix + "-" + name
	a := append([]string{"create", "--name", full, "--label", Label + "=" + w.Prefix}, args...)
	a = append(a, Image, "sleep", "3600")
	w.t.Cleanup(func() { w.Remove(full) })
	w.Docker(a...)
	return full
}

// Remove force-removes one container; missing is fine.
func (w *World) Remove(name string) {
	if _, err := Docker("rm", "-f", name); err != nil && !strings.Contains(err.Error(), "No such container") &&
		!strings.Contains(err.Error(), "already in progress") {
		w.t.Errorf("cleanup: %v", err)
	}
}

// Inspect is the part of `docker inspect` the tests compare with.
type Inspect struct {
	ID    string
	Name  string
	State struct {
		Pid     int
		Running bool
		Status  string
	}
	HostConfig      struct{ NetworkMode string }
	NetworkSettings struct {
		Networks map[string]struct {
			IPAddress           string
			IPPrefixLen         int
			GlobalIPv6Address   string
			GlobalIPv6PrefixLen int
			MacAddress          string
			NetworkID           string
		}
	}
}

// InspectContainer runs `docker inspect`.
func (w *World) InspectContainer(name string) Inspect {
	w.t.Helper()
	var out []Inspect
	if err := json.Unmarshal([]byte(w.Docker("inspect", name)), &out); err != nil || len(out) != 1 {
		w.t.Fatalf("docker inspect %s: %v", name, err)
	}
	out[0].Name = strings.TrimPrefix(out[0].Name, "/")
	return out[0]
}

// Binding is one host address and port Docker bound for a container port.
type Binding struct {
	HostIP   string // "0.0.0.0", "::"
	HostPort string
}

// Bindings lists what `docker port CONTAINER PORT` says, one per host
// address. Docker picks the IPv4 and the IPv6 ephemeral port one after the
// other, so on a busy host (anything else taking ports at that moment) the
// two may differ: a test must not assume one host port per container port.
func (w *World) Bindings(ctr, port string) []Binding {
	w.t.Helper()
	var out []Binding
	for _, l := range strings.Fields(w.Docker("port", ctr, port)) {
		i := strings.LastIndex(l, ":")
		if i < 0 {
			w.t.Fatalf("docker port %s %s: cannot read %q", ctr, port, l)
		}
		out = append(out, Binding{HostIP: strings.Trim(l[:i], "[]"), HostPort: l[i+1:]})
	}
	if len(out) == 0 {
		w.t.Fatalf("docker port %s %s: no binding", ctr, port)
	}
	return out
}

// HostPort is the IPv4 host port Docker bound for a container port.
func (w *World) HostPort(ctr, port string) string {
	w.t.Helper()
	bs := w.Bindings(ctr, port)
	for _, b := range bs {
		if !strings.Contains(b.HostIP, ":") {
			return b.HostPort
		}
	}
	w.t.Fatalf("docker port %s %s: no IPv4 binding in %v", ctr, port, bs)
	return ""
}

// IPLink is one entry of `ip -j -d link`.
type IPLink struct {
	Ifindex  int    `json:"ifindex"`
	Ifname   string `json:"ifname"`
	Link     string `json:"link"`
	LinkIdx  int    `json:"link_index"`
	Netnsid  *int   `json:"link_netnsid"`
	Address  string `json:"address"`
	MTU      int    `json:"mtu"`
	Master   string `json:"master"`
	LinkInfo struct {
		InfoKind string `json:"info_kind"`
	} `json:"linkinfo"`
}

// LinksIn runs `ip -j -d link` inside the network namespace of pid (0: the host).
func LinksIn(t testing.TB, pid int) []IPLink {
	t.Helper()
	args := []string{"-j", "-d", "link"}
	name := "ip"
	if pid > 0 {
		name = "nsenter"
		args = append([]string{"--net=/proc/" + fmt.Sprint(pid) + "/ns/net", "ip"}, args...)
	}
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	var links []IPLink
	if err := json.Unmarshal(out, &links); err != nil {
		t.Fatalf("ip -j link: %v", err)
	}
	return links
}

// ensureImage imports a busybox image from the host's busybox-static, so the
// tests need no registry.
func ensureImage() error {
	if _, err := Docker("image", "inspect", Image); err == nil {
		return nil
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("need busybox-static (apt-get install busybox-static): %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, d := range []string{"bin/", "tmp/", "etc/", "proc/", "sys/", "dev/"} {
		if err := tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
			return err
		}
	}
	if err := tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bb))}); err != nil {
		return err
	}
	if _, err := tw.Write(bb); err != nil {
		return err
	}
	for _, app := range []string{"sh", "sleep", "ip", "wget", "nc", "ping", "ping6", "httpd", "cat", "ls", "ifconfig", "route", "true", "echo"} {
		if err := tw.WriteHeader(&tar.Header{Name: "bin/" + app, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	cmd := exec.Command("docker", "import", "--change", `ENV PATH=/bin`, "-", Image)
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("docker import: %v: %s", err, out)
	}
	return nil
}

// EngineInfo is what a test needs to know of the daemon under test.
type EngineInfo struct {
	Version string // "20.10.24+dfsg1", "28.5.2+dfsg4", "29.8.0"
	Major   int
	// FirewallBackend is "iptables" or "nftables" (API 1.49 and later
	// report it; older daemons only have iptables).
	FirewallBackend string
}

var (
	engineOnce sync.Once
	engine     EngineInfo
	engineErr  error
)

// Engine describes the daemon the docker CLI talks to (DOCKER_HOST).
func Engine(t testing.TB) EngineInfo {
	t.Helper()
	engineOnce.Do(func() {
		var out string
		out, engineErr = Docker("info", "--format", "{{json .}}")
		if engineErr != nil {
			return
		}
		var info struct {
			ServerVersion   string
			FirewallBackend *struct{ Driver string }
		}
		if engineErr = json.Unmarshal([]byte(out), &info); engineErr != nil {
			return
		}
		engine.Version = info.ServerVersion
		engine.Major, _ = strconv.Atoi(strings.SplitN(info.ServerVersion, ".", 2)[0])
		engine.FirewallBackend = "iptables"
		if info.FirewallBackend != nil && strings.HasPrefix(info.FirewallBackend.Driver, "nftables") {
			engine.FirewallBackend = "nftables"
		}
	})
	if engineErr != nil {
		t.Fatalf("docker info: %v", engineErr)
	}
	return engine
}
