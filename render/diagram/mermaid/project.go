package mermaid

import "github.com/netviz/netviz/render/diagram"

// writeClusters writes one subgraph per cluster, those of a compose
// project inside the project's subgraph where the first of them would be.
func writeClusters(p printer, d *diagram.Diagram) {
	projectOf := d.ProjectOf()
	byID := map[string]diagram.Cluster{}
	for _, c := range d.Clusters {
		byID[c.ID] = c
	}
	written := map[string]bool{}
	for _, c := range d.Clusters {
		proj := projectOf[c.ID]
		if proj == nil {
			writeCluster(p, c, "  ")
			continue
		}
		if written[proj.ID] {
			continue
		}
		written[proj.ID] = true
		p("  subgraph %s[\"%s\"]\n", proj.ID, label(proj.Title, nil, proj.Lines))
		p("    direction LR\n")
		for _, id := range proj.Clusters {
			writeCluster(p, byID[id], "    ")
		}
		p("  end\n")
	}
}

func writeCluster(p printer, c diagram.Cluster, indent string) {
	p("%ssubgraph %s[\"%s\"]\n", indent, c.ID, label(c.Title, c.Problems, c.Lines))
	p("%s  direction LR\n", indent)
	for _, n := range c.Nodes {
		p("%s  %s[\"%s\"]\n", indent, n.ID, label(n.Title, n.Problems, n.Lines))
	}
	p("%send\n", indent)
}

func writeProjectStyles(p printer, d *diagram.Diagram) {
	st := diagram.ClusterProject.Style()
	for _, proj := range d.Projects {
		p("  style %s fill:%s,stroke:%s,stroke-width:2px\n", proj.ID, st.Fill, st.Border)
	}
	if len(d.Projects) > 0 {
		p("  style legend_project fill:%s,stroke:%s,stroke-width:2px\n", st.Fill, st.Border)
	}
}

// writeProjectLegend is the legend's entry for the project subgraphs.
func writeProjectLegend(p printer, d *diagram.Diagram) {
	if len(d.Projects) > 0 {
		p("    legend_project[\"%s\"]\n", escape(diagram.BoxLegend(d)))
	}
}
