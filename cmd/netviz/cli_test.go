package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/topo"
)

// fakeHost is a recorded snapshot (testdata/host.json, taken from a real
// host with `netviz docker --all --format json`) served as the live host.
func fakeDeps(t *testing.T, liveErr error) (deps, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errb bytes.Buffer
	return deps{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		live: func(_ context.Context, o liveOptions) (*topo.Snapshot, error) {
			if liveErr != nil {
				return nil, liveErr
			}
			s := loadFixture(t)
			if !o.all {
				s = withoutStopped(s)
			}
			return s, nil
		},
		colorable: func(io.Writer) bool { return false },
		now:       func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) },
		// An empty environment and home: no test reads the docker
		// contexts of the machine it runs on.
		env: endpointEnv{getenv: func(string) string { return "" }, home: t.TempDir(),
			apply: func(map[string]string) error { return nil }},
	}, &out, &errb
}

func loadFixture(t *testing.T) *topo.Snapshot {
	t.Helper()
	return rendertest.Load(t, filepath.Join("testdata", "host.json"))
}

func TestCLIExitCodesAndOneLineErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truncated := write("truncated.json", `{"schemaVersion": 1, "host": {"hostname": "vm"`)
	badType := write("badtype.json", "{\"schemaVersion\": 1,\n \"containers\": 7}")
	v3 := write("v3.json", `{"schemaVersion": 3}`)
	notSnap := write("other.json", `{"hello": "world"}`)
	unreachable := fmt.Errorf("%w at unix:///var/run/docker.sock: connect: no such file or directory", inspect.ErrDaemonUnreachable)

	for _, tc := range []struct {
		name    string
		args    []string
		liveErr error
		code    int
		msg     string
	}{
		{"unknown flag", []string{"veth", "--nope"}, nil, exitUsage, "unknown flag: --nope"},
		{"extra argument", []string{"veth", "x"}, nil, exitUsage, `unknown command "x"`},
		{"bad template syntax", []string{"veth", "--format", "{{.HostInterface"}, nil, exitUsage, "template"},
		{"unknown template field", []string{"veth", "--format", "{{.Nope}}"}, nil, exitUsage, "Nope"},
		{"tree is not a veth format", []string{"veth", "--format", "tree"}, nil, exitUsage, "invalid --format"},
		{"bad output type", []string{"docker", "-o", filepath.Join(dir, "x.pdf")}, nil, exitUsage, ".svg"},
		{"bad engine", []string{"docker", "--engine", "neato", "-o", filepath.Join(dir, "x.svg")}, nil, exitUsage, "--engine"},
		{"daemon unreachable", []string{"veth"}, unreachable, exitDaemon, "unix:///var/run/docker.sock"},
		{"unknown container", []string{"veth", "--container", "ghost"}, nil, exitNotFound, `no such container: "ghost"`},
		{"unknown network", []string{"docker", "--network", "ghostnet"}, nil, exitNotFound, `no such network: "ghostnet"`},
		{"missing snapshot", []string{"veth", "--from", filepath.Join(dir, "missing.json")}, nil, exitBadSnapshot, "missing.json"},
		{"truncated snapshot", []string{"veth", "--from", truncated}, nil, exitBadSnapshot, "truncated.json: malformed snapshot: line 1, column 47"},
		{"wrong type in snapshot", []string{"veth", "--from", badType}, nil, exitBadSnapshot, "badtype.json: malformed snapshot: line 2"},
		{"other schema version", []string{"render", v3, "-o", filepath.Join(dir, "v3.svg")}, nil, exitBadSnapshot, "schema version 3"},
		{"not a snapshot", []string{"veth", "--from", notSnap}, nil, exitBadSnapshot, "schemaVersion"},
		{"render needs -o", []string{"render", truncated}, nil, exitUsage, "output"},
		{"unwritable output", []string{"docker", "-o", filepath.Join(dir, "no", "such", "dir", "x.dot")}, nil, exitOutput, "x.dot"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, out, errb := fakeDeps(t, tc.liveErr)
			code := run(context.Background(), tc.args, d)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr %q", code, tc.code, errb.String())
			}
			msg := errb.String()
			if !strings.HasPrefix(msg, "netviz: ") || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tc.msg) {
				t.Errorf("stderr %q: want one line containing %q", msg, tc.msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout should be empty on error, got %q", out.String())
			}
		})
	}
	// No partial files were left behind by the failures above.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestCLIVethFormats(t *testing.T) {
	fixture := loadFixture(t)
	d, out, _ := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"veth", "--format", "json"}, d); code != 0 {
		t.Fatalf("exit %d", code)
	}
	var pairs []map[string]any
	if err := json.Unmarshal(out.Bytes(), &pairs); err != nil {
		t.Fatal(err)
	}
	if len(pairs) != len(fixture.Pairs) {
		t.Errorf("%d pairs, want %d", len(pairs), len(fixture.Pairs))
	}
	for _, key := range []string{"container", "containerID", "containerInterface", "containerIfindex", "hostInterface", "hostIfindex", "bridge", "network", "mac", "ipv4", "ipv6"} {
		if _, ok := pairs[0][key]; !ok {
			t.Errorf("veth json lacks the contract key %q", key)
		}
	}

	d, out, _ = fakeDeps(t, nil)
	run(context.Background(), []string{"veth", "--format", "{{.HostInterface}} {{.Container}}", "--container", "api"}, d)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Errorf("template output for api: %q", out.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "veth") || !strings.HasSuffix(l, " api") {
			t.Errorf("template line %q", l)
		}
	}

	d, out, _ = fakeDeps(t, nil)
	run(context.Background(), []string{"veth", "--network", "backend"}, d)
	table := out.String()
	if !strings.HasPrefix(table, "HOST VETH") || !strings.Contains(table, "db") || strings.Contains(table, "web1") {
		t.Errorf("table for --network backend:\n%s", table)
	}
}

func TestCLIDockerTreeAndSnapshot(t *testing.T) {
	d, out, _ := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"docker"}, d); code != 0 {
		t.Fatal("tree failed")
	}
	tree := out.String()
	for _, want := range []string{"docker0", "web1:eth0", "sidecar", "hostnet", "nonet"} {
		if !strings.Contains(tree, want) {
			t.Errorf("tree lacks %q:\n%s", want, tree)
		}
	}
	if strings.Contains(tree, "old") {
		t.Errorf("stopped container shown without --all:\n%s", tree)
	}
	d, out, _ = fakeDeps(t, nil)
	run(context.Background(), []string{"docker", "--all"}, d)
	if !strings.Contains(out.String(), "old") {
		t.Errorf("--all should show the created container:\n%s", out.String())
	}

	// A snapshot read back gives the same JSON.
	d, out, _ = fakeDeps(t, nil)
	run(context.Background(), []string{"docker", "--all", "--format", "json"}, d)
	path := filepath.Join(t.TempDir(), "host.json")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	first := out.String()
	d, out, _ = fakeDeps(t, nil)
	run(context.Background(), []string{"docker", "--all", "--format", "json", "--from", path}, d)
	if out.String() != first {
		t.Errorf("snapshot round trip differs")
	}
	// Snapshots also come from stdin.
	d, out, _ = fakeDeps(t, nil)
	d.stdin = strings.NewReader(first)
	if code := run(context.Background(), []string{"veth", "--from", "-", "--format", "{{.Container}}"}, d); code != 0 || !strings.Contains(out.String(), "web1") {
		t.Errorf("--from -: exit %d, %q", code, out.String())
	}
	// A Go template over the whole snapshot.
	d, out, _ = fakeDeps(t, nil)
	run(context.Background(), []string{"docker", "--format", "{{.Host.Hostname}} {{len .Containers}}"}, d)
	if strings.TrimSpace(out.String()) != "vm 7" {
		t.Errorf("snapshot template: %q", out.String())
	}
}

func TestCLIExports(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{"dot", "mmd", "json", "svg", "html", "png"} {
		t.Run(ext, func(t *testing.T) {
			if ext == "png" {
				testenv.RequireProgram(t, "dot", "graphviz")
			}
			path := filepath.Join(dir, "host."+ext)
			d, out, errb := fakeDeps(t, nil)
			if code := run(context.Background(), []string{"docker", "-o", path}, d); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if out.Len() != 0 {
				t.Errorf("-o should keep stdout empty, got %q", out.String())
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			switch ext {
			case "dot":
				if !bytes.Contains(data, []byte("digraph")) {
					t.Errorf("not DOT: %.80s", data)
				}
			case "mmd":
				if !bytes.Contains(data, []byte("flowchart")) {
					t.Errorf("not Mermaid: %.80s", data)
				}
			case "json":
				if _, err := topo.Decode(bytes.NewReader(data)); err != nil {
					t.Error(err)
				}
			case "svg":
				if err := xml.Unmarshal(data, new(struct{})); err != nil {
					t.Errorf("SVG does not parse: %v", err)
				}
				for _, want := range []string{"web1", "docker0", "sidecar"} {
					if !bytes.Contains(data, []byte(want)) {
						t.Errorf("SVG lacks %q", want)
					}
				}
			case "html":
				if !bytes.Contains(data, []byte("<svg")) || bytes.Contains(data, []byte("http://cdn")) {
					t.Errorf("HTML should inline the SVG")
				}
			case "png":
				if _, err := png.Decode(bytes.NewReader(data)); err != nil {
					t.Errorf("PNG does not decode: %v", err)
				}
			}
		})
	}
}

func TestCLIPNGWithoutDotFailsCleanly(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	path := filepath.Join(t.TempDir(), "host.png")
	d, _, errb := fakeDeps(t, nil)
	code := run(context.Background(), []string{"docker", "-o", path}, d)
	if code != exitOutput || !strings.Contains(errb.String(), "apt-get install graphviz") || !strings.Contains(errb.String(), ".svg") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("a failed PNG left %s behind", path)
	}
}

func TestCLIRenderFromSnapshotNeedsNoDocker(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api.dot")
	d, _, errb := fakeDeps(t, fmt.Errorf("%w: must not be called", inspect.ErrDaemonUnreachable))
	if code := run(context.Background(), []string{"render", "testdata/host.json", "--container", "api", "-o", path}, d); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	data, _ := os.ReadFile(path)
	if !bytes.Contains(data, []byte("api")) || bytes.Contains(data, []byte("web1")) {
		t.Errorf("--container api should draw api only:\n%.400s", data)
	}
}

func TestCLIVersion(t *testing.T) {
	d, out, _ := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"version"}, d); code != 0 || !strings.Contains(out.String(), "schema 2") {
		t.Errorf("version: %d %q", code, out.String())
	}
}
