// Package html writes a diagram as one self-contained HTML page: the SVG
// Graphviz drew of it, inline, with pan and zoom, a search box and a
// details panel. The page's template, style sheet and script are the files
// page.html, page.css and page.js, embedded in the binary.
package html

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/netviz/netviz/explain"
	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/render/marks"
	"github.com/netviz/netviz/topo"
)

// ErrUnsafeSVG is returned by Write for an SVG that could run script.
var ErrUnsafeSVG = errors.New("SVG is not safe to inline")

// Write writes one self-contained page: svg (Graphviz's drawing of d)
// inline, pan and zoom, a search box, and a details panel filled from d.
// It fetches nothing: no CDN, no fonts; its Content-Security-Policy forbids
// every fetch and every script but its own. The page applies
// "#search=<text>" and "#select=<element id>" from its URL on load.
func Write(w io.Writer, d *diagram.Diagram, svg []byte) error {
	inline, err := inlineSVG(svg)
	if err != nil {
		return err
	}
	p := page{
		Title:    d.Title,
		Subtitle: d.Subtitle,
		CSP:      pageCSP,
		Style:    template.CSS(pageStyle),
		SVG:      template.HTML(inline), // checked by inlineSVG: no script, no handlers
		Data:     nodeData(d),
		Script:   template.JS(pageScript),
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// nodeInfo is what the page knows of one SVG element, by element id.
type nodeInfo struct {
	Kind   string          `json:"kind"`
	Title  string          `json:"title"`
	Fields []diagram.Field `json:"fields"`
	// Members are the ids of a cluster's nodes, lit up with it.
	Members []string `json:"members,omitempty"`
	// Text is what the search box looks in, lower case.
	Text string `json:"text"`
	// Commands show the element's facts by hand: the panel lists them
	// with a copy button.
	Commands []explain.Command `json:"commands,omitempty"`
}

func nodeData(d *diagram.Diagram) map[string]nodeInfo {
	data := map[string]nodeInfo{}
	node := func(n diagram.Node) {
		fields := panelFields(n.Problems, n.Details)
		data[n.ID] = nodeInfo{Kind: string(n.Kind), Title: n.Title, Fields: fields, Text: searchText(n.Title, searchLines(n.Problems, n.Lines), fields),
			Commands: n.Explain}
	}
	for _, c := range d.Clusters {
		fields := panelFields(c.Problems, c.Details)
		info := nodeInfo{Kind: "cluster " + string(c.Kind), Title: c.Title, Fields: fields, Text: searchText(c.Title, searchLines(c.Problems, c.Lines), fields),
			Commands: c.Explain}
		for _, n := range c.Nodes {
			info.Members = append(info.Members, n.ID)
			node(n)
		}
		data[c.ID] = info
	}
	for _, n := range d.Nodes {
		node(n)
	}
	projectData(d, data)
	return data
}

// panelFields are the details panel's rows: the problems first, what they
// mean and their fix, then the details.
func panelFields(problems []topo.Finding, details []diagram.Field) []diagram.Field {
	if len(problems) == 0 {
		return details
	}
	return append(problemFields(problems), details...)
}

// searchLines are the lines the search box looks in: the problems' IDs too.
func searchLines(problems []topo.Finding, lines []string) []string {
	for _, p := range problems {
		lines = append(slices.Clip(lines), p.ID)
	}
	return lines
}

func searchText(title string, lines []string, fields []diagram.Field) string {
	parts := append([]string{title}, lines...)
	for _, f := range fields {
		parts = append(parts, f.Value)
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

// problemFields are the details of ps for the panel: each message under
// its ID, then its fix.
func problemFields(ps []topo.Finding) []diagram.Field {
	var out []diagram.Field
	for _, p := range ps {
		out = append(out, diagram.Field{Key: marks.Glyph(p.Severity) + " " + p.ID + " (" + string(p.Severity) + ")", Value: p.Message})
		if p.Fix != "" {
			out = append(out, diagram.Field{Key: "fix", Value: p.Fix})
		}
	}
	return out
}
