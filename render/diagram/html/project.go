package html

import "github.com/netviz/netviz/render/diagram"

// projectData adds the page's knowledge of each compose project's box:
// its details for the panel, what the search box finds it by, and the
// clusters and nodes inside it, lit up with it.
func projectData(d *diagram.Diagram, data map[string]nodeInfo) {
	for _, p := range d.Projects {
		info := nodeInfo{Kind: "cluster " + string(diagram.ClusterProject), Title: p.Title, Fields: p.Details,
			Text: searchText(p.Title, p.Lines, p.Details)}
		for _, id := range p.Clusters {
			info.Members = append(append(info.Members, id), data[id].Members...)
		}
		data[p.ID] = info
	}
}
