package main

import (
	"context"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/rendertest"
)

// A Swarm service as SRC: followed from its task on this node; with no
// task here, the unknown-endpoint exit code and a line that says where
// its tasks are and which command follows them.
func TestPathFromService(t *testing.T) {
	s := rendertest.Diagram(t, "swarm-node")
	d, stdout, stderr := fakeDeps(t, nil)
	code := run(context.Background(), []string{"path", "web", "ovc1", "--from", writeSnapshot(t, s)}, d)
	if code != exitOK || !strings.HasPrefix(stdout.String(), "service web → web.1.ptraped4988clo7ayib9yqar1:eth2 → ") ||
		!strings.Contains(stdout.String(), "REACHABLE: from service web's task web.1.ptraped4988clo7ayib9yqar1: ") {
		t.Errorf("exit %d:\n%s%s", code, stdout, stderr)
	}

	for i := range s.Overlays {
		for j := range s.Overlays[i].Services {
			if s.Overlays[i].Services[j].Service == "web" {
				s.Overlays[i].Services[j].Tasks = []string{"10.0.1.77"}
			}
		}
	}
	d, stdout, stderr = fakeDeps(t, nil)
	code = run(context.Background(), []string{"path", "web", "ovc1", "--from", writeSnapshot(t, s)}, d)
	line := stderr.String()[strings.Index(stderr.String(), "netviz: unknown endpoint")+1:]
	if code != exitNotFound || stdout.Len() != 0 || strings.Count(line, "\n") != 1 ||
		!strings.Contains(line, `"web": service web has no task on this node; its tasks (10.0.1.77) are`) ||
		!strings.Contains(line, "netviz cluster path web DST follows one of them") {
		t.Errorf("no local task: exit %d, stdout %q\nstderr %s", code, stdout, stderr)
	}
}
