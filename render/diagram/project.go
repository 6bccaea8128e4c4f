package diagram

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

// ClusterProject is the kind of a Project's box: it holds clusters, not
// nodes.
const ClusterProject ClusterKind = "project"

// ProjectLegend is what the legend says a project's box is.
const ProjectLegend = "Docker Compose project: its containers"

// Project is a box around the namespace clusters of one Docker Compose
// project's containers, drawn when Options.ByProject is set. The bridges
// of the project's networks stay in the host's cluster (they are links of
// the host's namespace); the veth pairs run from them into the box. A
// project container with no cluster of its own (network mode host,
// stopped, or drawn inside a summary node) is named in the box's lines.
type Project struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Title   string   `json:"title"`
	Lines   []string `json:"lines"`
	Details []Field  `json:"details"`
	// Clusters are the IDs of the clusters inside the box, in the order of
	// Diagram.Clusters.
	Clusters []string `json:"clusters"`
	// Node is set when the box is a Swarm node's (BuildCluster).
	Node bool `json:"node,omitempty"`
}

// ProjectOf maps the ID of each cluster drawn inside a project's box to
// that project.
func (d *Diagram) ProjectOf() map[string]*Project {
	out := map[string]*Project{}
	for i := range d.Projects {
		for _, id := range d.Projects[i].Clusters {
			out[id] = &d.Projects[i]
		}
	}
	return out
}

// projects boxes the namespace clusters by the compose project of the
// container that owns the namespace; a project with nothing to box is
// not drawn.
func (b *builder) projects() {
	if !b.opt.ByProject {
		return
	}
	for _, name := range b.s.Projects() {
		p := Project{Name: name, Title: clip("project " + name), Lines: []string{}, Clusters: []string{}}
		for _, n := range b.namespaces {
			if n.clusterID != "" && len(n.containers) > 0 && n.containers[0].Project() == name {
				p.Clusters = append(p.Clusters, n.clusterID)
			}
		}
		if len(p.Clusters) == 0 {
			continue
		}
		p.ID = b.newID("cluster_project_" + name)
		b.describeProject(&p)
		b.d.Projects = append(b.d.Projects, p)
	}
}

// describeProject writes the box's lines and details: its services, its
// networks, and its containers that are not in the box.
func (b *builder) describeProject(p *Project) {
	var members []*topo.Container
	for i := range b.s.Containers {
		if c := &b.s.Containers[i]; c.Project() == p.Name {
			members = append(members, c)
		}
	}
	services, count := topo.ServiceCounts(members)
	for i, s := range services {
		services[i] = strconv.Itoa(count[s]) + " × " + s
	}
	var networks []string
	for _, n := range b.s.Networks {
		if n.Compose != nil && n.Compose.Project == p.Name {
			networks = append(networks, n.Name)
		}
	}
	var outside []string
	for _, c := range members {
		switch {
		case slices.Contains(b.hostMode, c):
			outside = append(outside, c.Name+" (host network)")
		case slices.Contains(b.stopped, c):
			outside = append(outside, c.Name+" ("+cmp.Or(c.State, "not running")+")")
		case b.inSummary(c):
			outside = append(outside, c.Name+" (in a summary node)")
		}
	}
	p.Lines = append(p.Lines, clip(plural(len(members), "container", "containers")+": "+strings.Join(services, ", ")))
	if len(networks) > 0 {
		p.Lines = append(p.Lines, clip("networks: "+strings.Join(networks, ", ")))
	}
	if len(outside) > 0 {
		p.Lines = append(p.Lines, clip("not in this box: "+strings.Join(outside, ", ")))
	}
	p.Details = []Field{{"compose project", p.Name}, {"services", strings.Join(services, ", ")}}
	if len(networks) > 0 {
		p.Details = append(p.Details, Field{"networks", strings.Join(networks, ", ")})
	}
	if len(members) > 0 {
		if dir := members[0].Labels[topo.LabelComposeWorkdir]; dir != "" {
			p.Details = append(p.Details, Field{"working directory", dir})
		}
	}
	if len(outside) > 0 {
		p.Details = append(p.Details, Field{"not in this box", strings.Join(outside, ", ")})
	}
}

// inSummary reports whether c's namespace is drawn inside a summary node.
func (b *builder) inSummary(c *topo.Container) bool {
	for _, n := range b.namespaces {
		if n.grouped && slices.Contains(n.containers, c) {
			return true
		}
	}
	return false
}
