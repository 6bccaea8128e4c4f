package netfilter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/topo"
)

// fakeRunner answers with recorded outputs by program name.
type fakeRunner struct {
	out   map[string]string
	fail  map[string]error
	calls []string
}

var _ Runner = (*fakeRunner)(nil)

func (f *fakeRunner) LookPath(name string) (string, error) {
	if _, ok := f.out[name]; ok {
		return "/usr/sbin/" + name, nil
	}
	if _, ok := f.fail[name]; ok {
		return "/usr/sbin/" + name, nil
	}
	if name == "nsenter" {
		return "/usr/bin/nsenter", nil
	}
	return "", exec.ErrNotFound
}

func (f *fakeRunner) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	f.calls = append(f.calls, strings.TrimSpace(name+" "+strings.Join(args, " ")))
	if name == "/usr/bin/nsenter" {
		name = args[1]
	}
	base := filepath.Base(name)
	if err, ok := f.fail[base]; ok {
		return nil, err
	}
	return []byte(f.out[base]), nil
}

func recorded(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFirewallBothBackends(t *testing.T) {
	fr := &fakeRunner{out: map[string]string{
		"iptables":              "iptables v1.8.9 (nf_tables)\n",
		"iptables-legacy-save":  recorded(t, "empty-legacy.v4"),
		"ip6tables-legacy-save": "",
		"iptables-nft-save":     recorded(t, "docker20-nft.v4"),
		"ip6tables-nft-save":    recorded(t, "docker28-nft.v6"),
	}}
	fw, warns, err := New(Options{Runner: fr}).Firewall(context.Background())
	if err != nil || len(warns) != 0 {
		t.Fatalf("err %v warnings %v", err, warns)
	}
	if fw.Default != topo.BackendNft || fw.DockerBackend != topo.BackendNft || len(fw.RuleSets) != 4 {
		t.Fatalf("default %q docker %q, %d rule sets", fw.Default, fw.DockerBackend, len(fw.RuleSets))
	}
	if rs, ok := fw.RuleSet(topo.BackendLegacy, 4); !ok || len(rs.Tables) != 0 {
		t.Errorf("legacy v4: %+v", rs)
	}
}

func TestFirewallPermissionAndMissing(t *testing.T) {
	fr := &fakeRunner{out: map[string]string{"iptables": "iptables v1.8.7 (legacy)"},
		fail: map[string]error{"iptables-legacy-save": errors.New("iptables-legacy-save: exit status 1: Permission denied (you must be root)")}}
	fw, warns, err := New(Options{Runner: fr}).Firewall(context.Background())
	if err != nil || fw.Read() || len(warns) != 1 || warns[0].Code != "firewall-denied" || !strings.Contains(warns[0].Message, "sudo") {
		t.Fatalf("err %v fw %+v warnings %+v", err, fw, warns)
	}
	fw, warns, _ = New(Options{Runner: &fakeRunner{}}).Firewall(context.Background())
	if fw.Read() || len(warns) != 1 || !strings.Contains(warns[0].Message, "apt-get install iptables") {
		t.Fatalf("no iptables: fw %+v warnings %+v", fw, warns)
	}
}

func TestFirewallInNamespaceUsesNsenter(t *testing.T) {
	fr := &fakeRunner{out: map[string]string{"iptables-nft-save": recorded(t, "docker28-nft.v6")}}
	if _, _, err := New(Options{Runner: fr, Netns: "/run/netns/x"}).Firewall(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(fr.calls) != 1 || fr.calls[0] != "/usr/bin/nsenter --net=/run/netns/x /usr/sbin/iptables-nft-save" {
		t.Errorf("calls %q", fr.calls)
	}
}

func TestSysctlsFromProc(t *testing.T) {
	dir := t.TempDir()
	for name, v := range map[string]string{
		topo.SysctlIPForward:               "1\n",
		topo.ForwardingSysctl("docker0"):   "1\n",
		topo.ForwardingSysctl("all"):       "1\n",
		topo.SysctlBridgeNFCallIP:          "1\n",
		topo.ForwardingSysctl("br-abc123"): "0\n",
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, ".", "/"))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, warns := New(Options{ProcSys: dir}).Sysctls(context.Background(), []string{"docker0", "br-abc123", "gone0", "eth0.100"})
	want := map[string]string{topo.SysctlIPForward: "1", topo.ForwardingSysctl("docker0"): "1", topo.ForwardingSysctl("all"): "1",
		topo.SysctlBridgeNFCallIP: "1", topo.ForwardingSysctl("br-abc123"): "0"}
	if len(warns) != 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v (warnings %v), want %v", got, warns, want)
	}
}
