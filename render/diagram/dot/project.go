package dot

import (
	"bufio"
	"fmt"

	"github.com/netviz/netviz/render/diagram"
)

// writeClusters writes the clusters in order, those of a compose project
// inside the project's box where the first of them would be.
func writeClusters(bw *bufio.Writer, d *diagram.Diagram) {
	projectOf := d.ProjectOf()
	byID := map[string]diagram.Cluster{}
	for _, c := range d.Clusters {
		byID[c.ID] = c
	}
	written := map[string]bool{}
	for _, c := range d.Clusters {
		p := projectOf[c.ID]
		if p == nil {
			writeCluster(bw, c)
			continue
		}
		if written[p.ID] {
			continue
		}
		written[p.ID] = true
		writeProject(bw, p, byID)
	}
}

// writeProject draws a project's box around its clusters; Graphviz boxes a
// subgraph whose name starts with "cluster", and the project's ID does.
func writeProject(bw *bufio.Writer, p *diagram.Project, clusters map[string]diagram.Cluster) {
	st := diagram.ClusterProject.Style()
	fmt.Fprintf(bw, "\n  subgraph %s {\n", quote(p.ID))
	fmt.Fprintf(bw, "    graph [id=%s, class=%s, style=\"rounded,filled\", fillcolor=%s, color=%s, penwidth=1.8, margin=14,\n",
		quote(p.ID), quote("nv-cluster-"+string(diagram.ClusterProject)), quote(st.Fill), quote(st.Border))
	fmt.Fprintf(bw, "           label=<%s>]\n", label("14", p.Title, nil, p.Lines))
	for _, id := range p.Clusters {
		writeCluster(bw, clusters[id])
	}
	fmt.Fprintf(bw, "  }\n")
}

// projectLegendRow is the legend's row for the project boxes, "" when
// there are none.
func projectLegendRow(d *diagram.Diagram) string {
	if len(d.Projects) == 0 {
		return ""
	}
	st := diagram.ClusterProject.Style()
	return fmt.Sprintf(`<TR><TD BORDER="1" STYLE="rounded" BGCOLOR="%s" COLOR="%s" WIDTH="34" HEIGHT="16"> </TD><TD ALIGN="LEFT">%s</TD></TR>`,
		st.Fill, st.Border, escape(diagram.BoxLegend(d)))
}
