package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/inspect/netfilter"
	"github.com/netviz/netviz/topo"
)

func writeSnapshot(t *testing.T, s *topo.Snapshot) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "host.json")
	var buf bytes.Buffer
	if err := topo.Encode(&buf, s); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func lineWith(out, has string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, has) {
			return l
		}
	}
	return ""
}

// The recorded host has a hand-made veth on docker0 and an uplink MTU
// below its bridges': the tree marks both where they are, unless told not to.
func TestCLITreeMarksProblems(t *testing.T) {
	d, out, _ := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"docker"}, d); code != 0 {
		t.Fatalf("exit %d", code)
	}
	tree := out.String()
	for has, want := range map[string]string{
		"vethblue ⇄":  "⚠ orphan-veth",
		"uplink":      "⚠ mtu-mismatch",
		"docker0  ":   "⚠ mtu-mismatch, orphan-veth",
		"br-backend ": "⚠ mtu-mismatch",
		"problems:":   "4 warnings (mtu-mismatch, orphan-veth)",
	} {
		if l := lineWith(tree, has); !strings.Contains(l, want) {
			t.Errorf("line with %q is %q, want %q in it:\n%s", has, l, want, tree)
		}
	}

	d, out, _ = fakeDeps(t, nil)
	if code := run(context.Background(), []string{"docker", "--no-problems"}, d); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if s := out.String(); strings.Contains(s, "orphan-veth") || strings.Contains(s, "problems:") || strings.Contains(s, "⚠") {
		t.Errorf("--no-problems still marks problems:\n%s", s)
	}
}

// A filtered view marks the problems of what it draws, found on the whole
// host: on the filtered snapshot alone the checks would take what the
// filter left out for missing.
func TestCLIProblemsOfAFilteredView(t *testing.T) {
	s := loadFixture(t)
	for i := range s.Interfaces {
		if s.Interfaces[i].Name == "br-backend" {
			s.Interfaces[i].Up = false
		}
	}
	// web1 publishes 8080: Docker's DNAT rule for it names web1's address.
	tables, err := netfilter.Parse([]byte("*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:DOCKER - [0:0]\n" +
		"-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\n" +
		"-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\nCOMMIT\n"))
	if err != nil {
		t.Fatal(err)
	}
	s.Firewall = topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendNft,
		RuleSets: []topo.RuleSet{{Backend: topo.BackendNft, Family: 4, Tables: tables}}}
	path := writeSnapshot(t, s)

	for _, tc := range []struct {
		filter   []string
		has, not []string
	}{
		{nil, []string{"bridge-down", "orphan-veth"}, []string{"published-port-mismatch"}},
		// api is on backend too. vethblue is not drawn, but the docker0 it
		// hangs on is, and is marked: netviz doctor --container keeps the
		// same findings (diagnose.Within).
		{[]string{"--container", "api"}, []string{"bridge-down", "mtu-mismatch", "orphan-veth"}, []string{"published-port-mismatch"}},
		{[]string{"--container", "web1"}, []string{"mtu-mismatch", "orphan-veth"}, []string{"bridge-down", "published-port-mismatch"}},
		{[]string{"--network", "backend"}, []string{"bridge-down"}, []string{"orphan-veth", "published-port-mismatch"}},
	} {
		t.Run(strings.Join(tc.filter, " "), func(t *testing.T) {
			d, out, errb := fakeDeps(t, nil)
			if code := run(context.Background(), append([]string{"docker", "--from", path}, tc.filter...), d); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			tree := out.String()
			for _, id := range tc.has {
				if !strings.Contains(tree, id) {
					t.Errorf("tree lacks %s:\n%s", id, tree)
				}
			}
			for _, id := range tc.not {
				if strings.Contains(tree, id) {
					t.Errorf("tree has %s:\n%s", id, tree)
				}
			}
		})
	}
}

func TestCLIRenderMarksProblems(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"render", "testdata/host.json", "-o", filepath.Join(dir, "a.dot")}, true},
		{[]string{"render", "testdata/host.json", "--no-problems", "-o", filepath.Join(dir, "b.dot")}, false},
		{[]string{"docker", "-o", filepath.Join(dir, "c.mmd")}, true},
		{[]string{"docker", "--no-problems", "-o", filepath.Join(dir, "d.mmd")}, false},
	} {
		d, _, errb := fakeDeps(t, nil)
		if code := run(context.Background(), tc.args, d); code != 0 {
			t.Fatalf("%q: exit %d: %s", tc.args, code, errb.String())
		}
		data, err := os.ReadFile(tc.args[len(tc.args)-1])
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(data, []byte("⚠ orphan-veth")); got != tc.want {
			t.Errorf("%q: marks orphan-veth = %v, want %v", tc.args, got, tc.want)
		}
	}
	// A snapshot is written as it is.
	for i, args := range [][]string{{"docker", "-o"}, {"docker", "--no-problems", "-o"}} {
		d, _, _ := fakeDeps(t, nil)
		run(context.Background(), append(args, filepath.Join(dir, []string{"e.json", "f.json"}[i])), d)
	}
	e, _ := os.ReadFile(filepath.Join(dir, "e.json"))
	f, _ := os.ReadFile(filepath.Join(dir, "f.json"))
	if len(e) == 0 || !bytes.Equal(e, f) {
		t.Error("problems changed the JSON snapshot")
	}
}
