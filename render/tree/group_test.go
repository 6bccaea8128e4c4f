package tree

import (
	"bytes"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/topo"
)

// composeWithStrays is the recorded compose host (projects shop and blog,
// and a plain container "tools") with a shop container in the host's
// network, a `docker compose run` of shop's api with no network, shop's db
// also on docker0, and a blog container only on docker0: project
// containers off the project's networks.
func composeWithStrays(t *testing.T) *topo.Snapshot {
	s := rendertest.Diagram(t, "compose")
	s.Containers = append(s.Containers, topo.Container{
		Name: "shop_agent_1", State: topo.StateRunning, NetworkMode: "host", Namespace: s.Host.Namespace,
		Labels: map[string]string{topo.LabelComposeProject: "shop", topo.LabelComposeService: "agent", topo.LabelComposeNumber: "1"},
	})
	s.Containers = append(s.Containers, topo.Container{
		Name: "shop_api_run_3f2a", State: topo.StateRunning, NetworkMode: "none", Namespace: "ns-78",
		Labels: map[string]string{topo.LabelComposeProject: "shop", topo.LabelComposeService: "api", topo.LabelComposeNumber: "1",
			topo.LabelComposeOneoff: "True"},
	})
	db, _ := s.Container("shop_db_1")
	s.Pairs = append(s.Pairs, topo.Pair{Container: db.Name, ContainerInterface: "eth9", HostInterface: "vethdb0",
		Bridge: "docker0", Network: "bridge", Namespace: db.Namespace, IPv4: "172.17.0.9/16", Verified: true})
	s.Containers = append(s.Containers, topo.Container{
		Name: "blog_cron_1", State: topo.StateRunning, NetworkMode: "bridge", Namespace: "ns-77",
		Labels: map[string]string{topo.LabelComposeProject: "blog", topo.LabelComposeService: "cron", topo.LabelComposeNumber: "1"},
	})
	s.Pairs = append(s.Pairs, topo.Pair{Container: "blog_cron_1", ContainerInterface: "eth0", HostInterface: "vethcron",
		Bridge: "docker0", Network: "bridge", Namespace: "ns-77", IPv4: "172.17.0.7/16", Verified: true})
	s.Sort()
	return s
}

func TestTreeGroupedByProjectGolden(t *testing.T) {
	for name, tc := range map[string]struct {
		s   *topo.Snapshot
		opt Options
	}{
		"compose.tree.golden":                {rendertest.Diagram(t, "compose"), Options{}},
		"compose-project.tree.golden":        {rendertest.Diagram(t, "compose"), Options{ByProject: true}},
		"compose-project.color.tree.golden":  {rendertest.Diagram(t, "compose"), Options{ByProject: true, Color: true}},
		"compose-strays-project.tree.golden": {composeWithStrays(t), Options{ByProject: true}},
		"full-project.tree.golden":           {rendertest.Text(t, "full"), Options{ByProject: true}},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tc.s, tc.opt); err != nil {
				t.Fatal(err)
			}
			golden.CheckText(t, buf.String(), tc.opt.Color)
			goldenText(t, name, buf.Bytes())
		})
	}
}

// Grouped, every project container is under its project's heading (or
// named there when it is on none of the project's networks), and every
// line of a project's bridge is a container of that project.
func TestTreeGroupedByProjectPlacesEachContainer(t *testing.T) {
	s := composeWithStrays(t)
	var buf bytes.Buffer
	if err := Write(&buf, s, Options{ByProject: true, ASCII: true}); err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{} // project → its heading's lines
	var current string
	for _, line := range strings.Split(buf.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "|- project ") || strings.HasPrefix(line, "`- project "):
			current = strings.Fields(line)[2]
		case strings.HasPrefix(line, "|- ") || strings.HasPrefix(line, "`- ") || !strings.HasPrefix(line, "|") && !strings.HasPrefix(line, " "):
			current = ""
		}
		if current != "" {
			sections[current] += line + "\n"
		}
	}
	if len(sections) != 2 {
		t.Fatalf("want headings for blog and shop, got %d:\n%s", len(sections), buf.String())
	}
	for _, c := range s.Containers {
		p := c.Project()
		for name, text := range sections {
			in := strings.Contains(text, c.Name)
			if in != (name == p) {
				t.Errorf("container %s (project %q) under project %s: %v", c.Name, p, name, in)
			}
		}
	}
	words := strings.Join(strings.Fields(sections["shop"]), " ")
	if !strings.Contains(words, "shop_agent_1 service agent #1") || !strings.Contains(words, "shop_api_run_3f2a service api (run)") {
		t.Errorf("shop's containers in the host network and with no network are not named under shop:\n%s", sections["shop"])
	}
	if !strings.Contains(sections["shop"], "project shop  5 containers: 1 agent, 2 api, 1 api (run), 1 db") {
		t.Errorf("shop's heading does not count its services:\n%s", sections["shop"])
	}
	if !strings.Contains(strings.Join(strings.Fields(sections["blog"]), " "), `blog_cron_1 service cron #1 on "bridge", drawn there`) {
		t.Errorf("blog's container on docker0 only is not named under blog:\n%s", sections["blog"])
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, "shop_db_1:eth9") && !strings.HasSuffix(line, "  project shop service db") {
			t.Errorf("shop's db on docker0 does not name its project and service: %q", line)
		}
	}
}
