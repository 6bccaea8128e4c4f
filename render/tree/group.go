package tree

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

// projectGroup is one Docker Compose project of the grouped tree: the
// bridges of the networks compose made for it.
type projectGroup struct {
	name    string
	bridges []topo.Bridge
}

// splitByProject takes the bridges of compose-made networks out of
// bridges, by project, when the tree is grouped by project; each project
// of the snapshot has a group even when it has no bridge. The uplink's
// bridge always stays where it is.
func (b *builder) splitByProject(bridges []topo.Bridge) ([]topo.Bridge, []projectGroup) {
	if !b.byProject {
		return bridges, nil
	}
	b.bridgeProject = map[string]string{}
	var plain []topo.Bridge
	groups := map[string]*projectGroup{}
	var order []string
	for _, name := range b.s.Projects() {
		groups[name] = &projectGroup{name: name}
		order = append(order, name)
	}
	for _, br := range bridges {
		n, ok := b.s.Network(br.Network)
		if !ok || n.Compose == nil || br.Name == b.s.Host.Uplink || br.Network == "" {
			plain = append(plain, br)
			continue
		}
		g := groups[n.Compose.Project]
		g.bridges = append(g.bridges, br)
		b.bridgeProject[br.Name] = g.name
	}
	out := make([]projectGroup, 0, len(order))
	for _, name := range order {
		out = append(out, *groups[name])
	}
	return plain, out
}

// projectNodes are the headings of the grouped tree, one a project: its
// services, then its networks' bridges with their ports, then its
// containers that are on none of them.
func (b *builder) projectNodes(groups []projectGroup) []*node {
	var out []*node
	for _, g := range groups {
		var members []*topo.Container
		for i := range b.s.Containers {
			if c := &b.s.Containers[i]; c.Project() == g.name {
				members = append(members, c)
			}
		}
		n := &node{cells: []cell{
			{spans: []span{{"project ", textPlain}, {g.name, textProject}}},
			cellOf(textPlain, serviceSummary(members)),
		}}
		placed := map[string]bool{}
		for _, br := range g.bridges {
			n.add(b.bridgeNode(br))
			for _, p := range b.pairs(br.Name) {
				placed[p.Container] = true
				for _, c := range p.SharedWith {
					placed[c] = true
				}
			}
		}
		for _, c := range members {
			if !placed[c.Name] && !placed[c.SharesNamespaceWith] {
				n.add(b.elsewhereNode(c))
			}
		}
		out = append(out, n)
	}
	return out
}

// serviceSummary is "3 containers: 2 api, 1 db" (plain ASCII: the
// tree's --ascii mode uses it as it is).
func serviceSummary(members []*topo.Container) string {
	if len(members) == 0 {
		return "no containers"
	}
	services, count := topo.ServiceCounts(members)
	parts := make([]string, len(services))
	for i, s := range services {
		if s == "" {
			s = "(no service)"
		}
		parts[i] = strconv.Itoa(count[services[i]]) + " " + s
	}
	return countOf(len(members), "container", "containers", "") + ": " + strings.Join(parts, ", ")
}

// elsewhereNode is a project's container that is on none of the project's
// networks: where its links are drawn, or nothing when it has none (the
// lines after the bridges say why).
func (b *builder) elsewhereNode(c *topo.Container) *node {
	n := &node{group: "elsewhere", cells: []cell{cellOf(textContainer, c.Name), cellOf(textPlain, serviceLabel(c.Compose))}}
	var nets []string
	for _, p := range b.s.Pairs {
		if p.Container == c.Name && p.Network != "" && !slices.Contains(nets, p.Network) {
			nets = append(nets, strconv.Quote(p.Network))
		}
	}
	if len(nets) > 0 {
		n.cells = append(n.cells, cellOf(textPlain, "on "+strings.Join(nets, ", ")+", drawn there"))
	}
	return n
}

// serviceCells name the compose service of a pair's container when the
// tree is grouped by project: the service under its project's bridges,
// the project too elsewhere.
func (b *builder) serviceCells(p topo.Pair) []cell {
	if !b.byProject || p.Project == "" {
		return nil
	}
	if b.bridgeProject[p.Bridge] == p.Project {
		return []cell{cellOf(textPlain, "service "+p.Service)}
	}
	return []cell{cellOf(textPlain, fmt.Sprintf("project %s service %s", p.Project, p.Service))}
}

func serviceLabel(c *topo.Compose) string {
	s := "service " + c.Service
	switch {
	case c.OneOff:
		s += " (run)"
	case c.Number > 0:
		s += " #" + strconv.Itoa(c.Number)
	}
	return s
}
