package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/topo"
)

// composeProject brings up testdata/compose/docker-compose.yml with real
// Docker Compose (Debian's docker-compose 1.29 sets the labels Compose v2
// sets) under a project name unique to this run, api scaled to 2, and
// takes it down in cleanup. It returns the project's name.
func composeProject(t *testing.T) string {
	t.Helper()
	w := dockertest.New(t, "compose")
	bin := testenv.RequireProgram(t, "docker-compose", "docker-compose")
	// Compose 1.29 keeps only [a-z0-9_-] of a project name; the world's ID
	// is base 36 in lower case.
	project := "nvt" + w.ID + "web"
	compose := func(args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append([]string{"-p", project, "-f", "testdata/compose/docker-compose.yml"}, args...)...)
		// The image is local: compose does not pull an image it has.
		cmd.Env = append(os.Environ(), "NETVIZ_IMAGE="+dockertest.Image, "NETVIZ_TEST_LABEL="+w.Prefix)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("docker-compose %s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	t.Cleanup(func() {
		if err := compose("down", "-v", "--timeout", "1"); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		// Whatever down left (a run killed half-way up), one at a time.
		ids, _ := dockertest.Docker("ps", "-aq", "--filter", "label="+dockertest.Label+"="+w.Prefix)
		for _, id := range strings.Fields(ids) {
			w.Remove(id)
		}
		nets, _ := dockertest.Docker("network", "ls", "-q", "--filter", "label="+dockertest.Label+"="+w.Prefix)
		for _, id := range strings.Fields(nets) {
			if _, err := dockertest.Docker("network", "rm", id); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	if err := compose("up", "-d", "--scale", "api=2"); err != nil {
		t.Fatal(err)
	}
	return project
}

// composeTruth is what `docker ps` says compose made: container name →
// "service#number".
func composeTruth(t *testing.T, project string) map[string]string {
	t.Helper()
	out, err := dockertest.Docker("ps", "--filter", "label="+topo.LabelComposeProject+"="+project, "--format",
		`{{.Names}} {{.Label "com.docker.compose.service"}}#{{.Label "com.docker.compose.container-number"}}`)
	if err != nil {
		t.Fatal(err)
	}
	truth := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if name, svc, ok := strings.Cut(line, " "); ok {
			truth[name] = svc
		}
	}
	if len(truth) != 3 {
		t.Fatalf("docker ps shows %d containers of %s, want 3 (api ×2, db):\n%s", len(truth), project, out)
	}
	return truth
}

func TestComposeProjectIntegration(t *testing.T) {
	project := composeProject(t)
	truth := composeTruth(t, project)
	t.Run("snapshot", func(t *testing.T) { checkComposeSnapshot(t, project, truth) })
	t.Run("pairs", func(t *testing.T) { checkComposePairs(t, project, truth) })
	t.Run("grouped tree", func(t *testing.T) { checkComposeTree(t, project, truth) })
	t.Run("unknown project", func(t *testing.T) {
		_, errOut, code := runNetviz(t, "veth", "--project", project+"-nope")
		if code != exitNotFound || !strings.Contains(errOut, "no such compose project") || !strings.Contains(errOut, project) {
			t.Errorf("exit %d, %q; want %d naming the known projects", code, errOut, exitNotFound)
		}
	})
}

// checkComposeSnapshot: the snapshot's JSON carries each container's
// project, service and number under "compose", and each network's project
// and compose-file name, as written (not only as decoded).
func checkComposeSnapshot(t *testing.T, project string, truth map[string]string) {
	out, errOut, code := runNetviz(t, "docker", "--project", project, "--format", "json")
	if code != 0 {
		t.Fatalf("netviz docker --project: exit %d: %s", code, errOut)
	}
	type object struct {
		Name    string          `json:"name"`
		Compose json.RawMessage `json:"compose"`
	}
	var raw struct {
		Containers []object `json:"containers"`
		Networks   []object `json:"networks"`
	}
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range raw.Containers {
		names = append(names, c.Name)
		svc, number, _ := strings.Cut(truth[c.Name], "#")
		want := fmt.Sprintf(`{"project":%q,"service":%q,"number":%s}`, project, svc, number)
		if got := compactJSON(t, c.Compose); got != want {
			t.Errorf("container %s: compose %s, want %s", c.Name, got, want)
		}
	}
	if want := sortedKeys(truth); !slices.Equal(names, want) {
		t.Errorf("--project %s shows containers %v, want %v", project, names, want)
	}
	var nets []string
	for _, n := range raw.Networks {
		nets = append(nets, n.Name+"="+compactJSON(t, n.Compose))
	}
	wantNets := []string{
		project + `_back={"project":"` + project + `","network":"back"}`,
		project + `_front={"project":"` + project + `","network":"front"}`,
	}
	if !slices.Equal(nets, wantNets) {
		t.Errorf("networks %v, want %v", nets, wantNets)
	}
}

// checkComposePairs: api is on both networks, db on back; each pair names
// its project and service.
func checkComposePairs(t *testing.T, project string, truth map[string]string) {
	perContainer := map[string]int{}
	for _, p := range vethJSON(t, "--project", project) {
		perContainer[p.Container]++
		svc, _, _ := strings.Cut(truth[p.Container], "#")
		if p.Project != project || p.Service != svc {
			t.Errorf("pair of %s: project %q service %q, want %q %q", p.Container, p.Project, p.Service, project, svc)
		}
	}
	for name, svc := range truth {
		want := 1
		if strings.HasPrefix(svc, "api#") {
			want = 2
		}
		if perContainer[name] != want {
			t.Errorf("%s has %d pairs, want %d", name, perContainer[name], want)
		}
	}
}

// checkComposeTree: the grouped tree puts the project's containers under
// its heading, each with its service.
func checkComposeTree(t *testing.T, project string, truth map[string]string) {
	tree, errOut, code := runNetviz(t, "docker", "--group", "project")
	if code != 0 {
		t.Fatalf("netviz docker --group project: exit %d: %s", code, errOut)
	}
	heading := "─ project " + project + "  3 containers: 2 api, 1 db"
	section := treeSection(tree, heading)
	if section == "" {
		t.Fatalf("grouped tree has no %q:\n%s", heading, tree)
	}
	for name, svc := range truth {
		service, _, _ := strings.Cut(svc, "#")
		if !strings.Contains(section, name+":eth") || !strings.Contains(section, "service "+service) {
			t.Errorf("%s (service %s) is not under its project's heading:\n%s", name, service, section)
		}
	}
}

// treeSection is the top-level line of the tree that contains heading and
// the lines under it.
func treeSection(tree, heading string) string {
	lines := strings.Split(tree, "\n")
	for i, l := range lines {
		if !strings.Contains(l, heading) {
			continue
		}
		out := []string{l}
		for _, k := range lines[i+1:] {
			if !strings.HasPrefix(k, "│  ") && !strings.HasPrefix(k, "   ") {
				break
			}
			out = append(out, k)
		}
		return strings.Join(out, "\n")
	}
	return ""
}

func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	if len(raw) == 0 {
		return "(none)"
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
