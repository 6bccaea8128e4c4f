package kernel

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/internal/testenv"
)

// requireRoot needs root and iproute2; it skips under -short, and fails
// under CI=true rather than skip.
func requireRoot(tb testing.TB) {
	tb.Helper()
	testenv.RequireRoot(tb)
	testenv.RequireProgram(tb, "ip", "iproute2")
}

func randomSuffix(tb testing.TB) string {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// run runs a command and returns its stdout; a failure is fatal and shows
// the command's stderr.
func run(tb testing.TB, name string, args ...string) []byte {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

func ip(tb testing.TB, args ...string) []byte {
	tb.Helper()
	return run(tb, "ip", args...)
}

// ipJSON runs `ip -j args...` and decodes its output into a T.
func ipJSON[T any](tb testing.TB, args ...string) T {
	tb.Helper()
	var v T
	out := ip(tb, append([]string{"-j"}, args...)...)
	if err := json.Unmarshal(out, &v); err != nil {
		tb.Fatalf("ip -j %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return v
}

// netnsAdd creates a throwaway named namespace, deleted at cleanup with
// everything in it.
func netnsAdd(tb testing.TB) string {
	tb.Helper()
	name := "netviz-test-" + randomSuffix(tb)
	ip(tb, "netns", "add", name)
	tb.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	ip(tb, "-n", name, "link", "set", "lo", "up")
	return name
}

// hostNsid returns the nsid of a named namespace as the host sees it,
// assigning one if it has none.
func hostNsid(tb testing.TB, name string) int {
	tb.Helper()
	ip(tb, "netns", "set", name, "auto")
	for _, ns := range ipJSON[[]struct {
		Name string `json:"name"`
		ID   *int   `json:"id"`
	}](tb, "netns", "list") {
		if ns.Name == name && ns.ID != nil {
			return *ns.ID
		}
	}
	tb.Fatalf("namespace %q has no nsid after ip netns set auto", name)
	return 0
}

func statRef(tb testing.TB, path string) inspect.NSRef {
	tb.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		tb.Fatal(err)
	}
	return refOf(&st)
}

// startProcess starts cmd, kills it at cleanup, and returns its pid once
// NamespaceRef says it is in the namespace want.
func startProcess(tb testing.TB, cmd *exec.Cmd, want inspect.NSRef) int {
	tb.Helper()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	pid := cmd.Process.Pid
	k := New()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ref, err := k.NamespaceRef(pid)
		if err == nil && ref == want {
			return pid
		}
		if time.Now().After(deadline) {
			tb.Fatalf("process %d never entered namespace %v (last: %v, %v)", pid, want, ref, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startIn starts a sleeping process in the named namespace and returns its pid.
func startIn(tb testing.TB, name string) int {
	tb.Helper()
	path := filepath.Join("/run/netns", name)
	return startProcess(tb, exec.Command("nsenter", "--net="+path, "sleep", "300"), statRef(tb, path))
}

// ipLink is one link of `ip -j -d addr`.
type ipLink struct {
	Ifindex     int      `json:"ifindex"`
	Ifname      string   `json:"ifname"`
	Flags       []string `json:"flags"`
	MTU         int      `json:"mtu"`
	Operstate   string   `json:"operstate"`
	Address     string   `json:"address"`
	Master      string   `json:"master"`
	Link        *string  `json:"link"`
	LinkIndex   int      `json:"link_index"`
	LinkNetnsid *int     `json:"link_netnsid"`
	Linkinfo    struct {
		InfoKind string `json:"info_kind"`
		InfoData struct {
			STPState *int `json:"stp_state"`
			// A VXLAN device's: its VNI, UDP port, source and group.
			ID    int    `json:"id"`
			Port  int    `json:"port"`
			Local string `json:"local"`
			Group string `json:"group"`
		} `json:"info_data"`
	} `json:"linkinfo"`
	AddrInfo []struct {
		Family    string `json:"family"`
		Local     string `json:"local"`
		Prefixlen int    `json:"prefixlen"`
	} `json:"addr_info"`
}

// ipRoute is one route of `ip -j route show table main`.
type ipRoute struct {
	Dst      string `json:"dst"`
	Gateway  string `json:"gateway"`
	Dev      string `json:"dev"`
	Prefsrc  string `json:"prefsrc"`
	Metric   int    `json:"metric"`
	Type     string `json:"type"`
	Nexthops []struct {
		Gateway string `json:"gateway"`
		Dev     string `json:"dev"`
	} `json:"nexthops"`
}
