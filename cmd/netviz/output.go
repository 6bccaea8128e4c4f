package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/render/diagram/dot"
	"github.com/netviz/netviz/render/diagram/html"
	"github.com/netviz/netviz/render/diagram/mermaid"
	"github.com/netviz/netviz/render/graphviz"
	"github.com/netviz/netviz/topo"
)

// exportOptions are the flags that write a snapshot to a file, or draw it.
type exportOptions struct {
	output     string
	engine     string
	expand     bool
	noProblems bool
	group      string
}

// outputTypes maps file extensions to what is written.
var outputTypes = map[string]string{
	".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot",
	".mmd": "mermaid", ".mermaid": "mermaid", ".html": "html", ".htm": "html", ".json": "json",
}

func (o *exportOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVarP(&o.output, "output", "o", "", "write to this file; the type comes from the extension: .svg .png .dot .mmd .html .json")
	fs.StringVar(&o.engine, "engine", "auto", "Graphviz engine for SVG/PNG/HTML: auto (native dot if installed), dot, or embedded (netviz-graphviz; SVG only)")
	fs.BoolVar(&o.expand, "expand", false, "draw every container, even where many similar ones would be grouped into one node")
	fs.StringVar(&o.group, "group", "none", "group the tree and diagrams: none, or project (each Docker Compose project's networks and containers together; independent of --expand)")
	fs.BoolVar(&o.noProblems, "no-problems", false, "do not run netviz doctor's checks to mark what they find (red: error, amber: warning)")
}

// diagram reports whether the output is a drawing, which marks problems.
func (o *exportOptions) diagram() bool {
	kind := outputTypes[strings.ToLower(filepath.Ext(o.output))]
	return kind != "" && kind != "json"
}

// problems returns what the view should mark: nothing with --no-problems.
func (o *exportOptions) problems(whole, view *topo.Snapshot) []topo.Finding {
	if o.noProblems {
		return nil
	}
	return viewProblems(whole, view)
}

// byProject reports whether to group by Docker Compose project.
func (o *exportOptions) byProject() bool { return o.group == "project" }

// validate checks the flags before any work is done.
func (o *exportOptions) validate() error {
	switch o.engine {
	case "auto", "dot", "embedded":
	default:
		return usageErrorf("invalid --engine %q: want auto, dot or embedded", o.engine)
	}
	switch o.group {
	case "none", "project":
	default:
		return usageErrorf("invalid --group %q: want none or project", o.group)
	}
	if o.output == "" {
		return nil
	}
	if _, ok := outputTypes[strings.ToLower(filepath.Ext(o.output))]; !ok {
		return usageErrorf("cannot tell the output type of %q: use one of .svg .png .dot .mmd .html .json", o.output)
	}
	return nil
}

// write renders s into o.output, all or nothing: the file appears only
// when everything succeeded. A diagram marks problems.
func (o *exportOptions) write(ctx context.Context, d deps, s *topo.Snapshot, problems []topo.Finding) error {
	kind := outputTypes[strings.ToLower(filepath.Ext(o.output))]
	var buf bytes.Buffer
	if kind == "json" {
		if err := topo.Encode(&buf, s); err != nil {
			return err
		}
		return writeFileAtomic(o.output, buf.Bytes())
	}
	dg := diagram.Build(s, diagram.Options{Expand: o.expand, Now: d.now(), Problems: problems, ByProject: o.byProject()})
	return o.writeDiagram(ctx, dg)
}

// writeDiagram draws dg into o.output, all or nothing.
func (o *exportOptions) writeDiagram(ctx context.Context, dg *diagram.Diagram) error {
	kind := outputTypes[strings.ToLower(filepath.Ext(o.output))]
	var buf bytes.Buffer
	switch kind {
	case "dot":
		if err := dot.Write(&buf, dg); err != nil {
			return err
		}
	case "mermaid":
		if err := mermaid.Write(&buf, dg); err != nil {
			return err
		}
	case "svg", "png", "html":
		var graph bytes.Buffer
		if err := dot.Write(&graph, dg); err != nil {
			return err
		}
		format := kind
		if kind == "html" {
			format = "svg"
		}
		img, err := graphviz.Render(ctx, graph.Bytes(), format, o.engine)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			return withCode(exitOutput, fmt.Errorf("cannot render %s: %w", o.output, err))
		}
		if kind != "html" {
			buf.Write(img)
			break
		}
		if err := html.Write(&buf, dg, img); err != nil {
			return err
		}
	}
	return writeFileAtomic(o.output, buf.Bytes())
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so a failure never leaves a partial file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return withCode(exitOutput, fmt.Errorf("cannot write %q: %w", path, unwrapPathError(err)))
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(name, 0o644)
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
		return withCode(exitOutput, fmt.Errorf("cannot write %q: %w", path, unwrapPathError(err)))
	}
	return nil
}

// unwrapPathError drops the temporary file's name from the message.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
