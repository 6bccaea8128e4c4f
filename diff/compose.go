package diff

import (
	"fmt"
	"strings"

	"github.com/netviz/netviz/topo"
)

// services maps compose project → service → the IDs of its containers.
// One-off containers (`docker compose run`) are not part of a service's
// scale.
type services map[string]map[string][]string

func composeServices(s *topo.Snapshot) services {
	out := services{}
	for i := range s.Containers {
		c := &s.Containers[i]
		project, service, _ := c.ComposeService()
		if project == "" || service == "" || strings.EqualFold(c.Labels[topo.LabelComposeOneoff], "true") {
			continue
		}
		if out[project] == nil {
			out[project] = map[string][]string{}
		}
		out[project][service] = append(out[project][service], c.ID)
	}
	return out
}

// compose reads the containers' changes as Docker Compose made them: a
// project up or down, a service added, removed, scaled or recreated.
func (d *differ) compose() {
	old, new := composeServices(d.old), composeServices(d.new)
	for _, p := range sortedKeys(new) {
		if old[p] == nil {
			d.note(ObjProject, p, fmt.Sprintf("project %s up: %s", p, serviceList(new[p])))
		}
	}
	for _, p := range sortedKeys(old) {
		if new[p] == nil {
			d.note(ObjProject, p, fmt.Sprintf("project %s down: %s", p, serviceList(old[p])))
			continue
		}
		d.composeProject(p, old[p], new[p])
	}
}

func (d *differ) composeProject(p string, old, new map[string][]string) {
	for _, s := range sortedKeys(new) {
		if old[s] == nil {
			d.note(ObjService, p+"/"+s, fmt.Sprintf("project %s: service %s added (%s)", p, s, plural(len(new[s]), "container")))
		}
	}
	for _, s := range sortedKeys(old) {
		id := p + "/" + s
		before, after := old[s], new[s]
		switch {
		case after == nil:
			d.note(ObjService, id, fmt.Sprintf("project %s: service %s removed (%s)", p, s, plural(len(before), "container")))
		case len(before) != len(after):
			d.note(ObjService, id, fmt.Sprintf("project %s: service %s scaled %d → %d", p, s, len(before), len(after)))
		default:
			kept := map[string]bool{}
			for _, c := range before {
				kept[c] = true
			}
			fresh := 0
			for _, c := range after {
				if !kept[c] {
					fresh++
				}
			}
			if fresh == len(after) {
				d.note(ObjService, id, fmt.Sprintf("project %s: service %s recreated", p, s))
			} else if fresh > 0 {
				d.note(ObjService, id, fmt.Sprintf("project %s: service %s: %d of %d containers recreated", p, s, fresh, len(after)))
			}
		}
	}
}

// serviceList says "services api ×3, db".
func serviceList(svcs map[string][]string) string {
	names := sortedKeys(svcs)
	for i, n := range names {
		if k := len(svcs[n]); k > 1 {
			names[i] = fmt.Sprintf("%s ×%d", n, k)
		}
	}
	word := "services "
	if len(names) == 1 {
		word = "service "
	}
	return word + strings.Join(names, ", ")
}
