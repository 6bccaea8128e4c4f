package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

// diffFiles writes the fixture host (old) and a copy changed by change
// (new) to files, and returns their paths.
func diffFiles(t *testing.T, change func(s *topo.Snapshot)) (string, string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, s *topo.Snapshot) string {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := topo.Encode(f, s); err != nil {
			t.Fatal(err)
		}
		return p
	}
	old := write("old.json", loadFixture(t))
	s := loadFixture(t)
	change(s)
	s.Sort()
	return old, write("new.json", s)
}

// recreateWeb1 gives web1 a new ID, as `docker rm -f web1; docker run
// --name web1 ...` would.
func recreateWeb1(s *topo.Snapshot) {
	c, _ := s.Container("web1")
	c.ID = strings.Repeat("3c4d", 16)
	s.GeneratedAt = s.GeneratedAt.Add(3600e9)
}

func TestDiffExitCodes(t *testing.T) {
	same, _ := diffFiles(t, func(*topo.Snapshot) {})
	old, changed := diffFiles(t, recreateWeb1)
	timeOld, timeNew := diffFiles(t, func(s *topo.Snapshot) {
		s.GeneratedAt = s.GeneratedAt.Add(3600e9)
		s.NetvizVersion = "9.9.9"
	})
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"schemaVersion": 2, "containers": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	unreachable := errors.Join(inspect.ErrDaemonUnreachable, errors.New("at unix:///var/run/docker.sock"))
	for _, tc := range []struct {
		name    string
		args    []string
		liveErr error
		code    int
		stdout  string // a line the output must have, "" for none
		stderr  string // "" for an empty stderr
	}{
		{"same", []string{"diff", same, same}, nil, exitOK, "no differences", ""},
		{"only the time and version differ", []string{"diff", timeOld, timeNew}, nil, exitOK, "no differences", ""},
		{"different", []string{"diff", old, changed}, nil, 1, "0 added, 0 removed, 1 changed\n~ container web1 recreated (id c547bc001615 → 3c4d3c4d3c4d)\n", ""},
		{"different json", []string{"diff", old, changed, "--format", "json"}, nil, 1, `"field": "id"`, ""},
		{"against live", []string{"diff", old, "live"}, nil, exitOK, "no differences", ""},
		{"missing file", []string{"diff", filepath.Join(dir, "missing.json"), changed}, nil, exitBadSnapshot, "", "missing.json"},
		{"malformed", []string{"diff", old, bad}, nil, exitBadSnapshot, "", "bad.json: malformed snapshot: line 1"},
		{"stdin twice", []string{"diff", "-", "-"}, nil, exitUsage, "", "only one of OLD and NEW"},
		{"one argument", []string{"diff", old}, nil, exitUsage, "", "accepts 2 arg(s)"},
		{"bad format", []string{"diff", old, changed, "--format", "{{.Nope}}"}, nil, exitUsage, "", "Nope"},
		{"not a diff format", []string{"diff", old, changed, "--format", "tree"}, nil, exitUsage, "", "want text, json or a Go template"},
		{"unknown container on both sides", []string{"diff", old, changed, "--container", "ghost"}, nil, exitNotFound, "", `no such container: "ghost"`},
		{"daemon unreachable", []string{"diff", old, "live"}, unreachable, exitDaemon, "", "unix:///var/run/docker.sock"},
		{"other live failure", []string{"diff", "live", old}, errors.New("netlink says no"), exitTrouble, "", "netlink says no"},
		{"a bad file before the live host", []string{"diff", "live", bad}, errors.New("read live"), exitBadSnapshot, "", "bad.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, out, errb := fakeDeps(t, tc.liveErr)
			code := run(context.Background(), tc.args, d)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, errb.String())
			}
			if tc.stdout == "" && out.Len() != 0 || !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("stdout %q, want it to contain %q", out.String(), tc.stdout)
			}
			if tc.stderr == "" && errb.Len() != 0 {
				t.Errorf("stderr %q, want none", errb.String())
			}
			if tc.stderr != "" && (!strings.HasPrefix(errb.String(), "netviz: ") || strings.Count(errb.String(), "\n") != 1 ||
				!strings.Contains(errb.String(), tc.stderr)) {
				t.Errorf("stderr %q: want one line containing %q", errb.String(), tc.stderr)
			}
		})
	}
}

// A container only on one side is compared with nothing: --container
// names it on whichever side has it.
func TestDiffContainerOnOneSide(t *testing.T) {
	old, new := diffFiles(t, func(s *topo.Snapshot) {
		s.Containers = append(s.Containers, topo.Container{Name: "web2", ID: "abcd", Image: "busybox", State: topo.StateRunning,
			Endpoints: []topo.Endpoint{{Network: "appnet", IPv4: "172.18.0.9/16"}}})
	})
	d, out, errb := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"diff", old, new, "--container", "web2"}, d); code != 1 {
		t.Fatalf("exit %d; stderr %q", code, errb.String())
	}
	want := "1 added, 0 removed, 0 changed\n+ container web2 (image busybox, on appnet)\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	d, out, _ = fakeDeps(t, nil)
	if code := run(context.Background(), []string{"diff", new, old, "--container", "web2"}, d); code != 1 ||
		!strings.Contains(out.String(), "- container web2") {
		t.Errorf("exit %d, output %q", code, out.String())
	}
}

func TestDiffJSONShapeAndStdin(t *testing.T) {
	old, _ := diffFiles(t, func(*topo.Snapshot) {})
	d, out, _ := fakeDeps(t, nil)
	raw, err := os.ReadFile(old)
	if err != nil {
		t.Fatal(err)
	}
	d.stdin = strings.NewReader(string(raw))
	if code := run(context.Background(), []string{"diff", "-", old, "--format", "json"}, d); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"added", "removed", "changed"} {
		if string(got[k]) != "[]" {
			t.Errorf("%s = %s, want []", k, got[k])
		}
	}
}
