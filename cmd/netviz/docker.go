package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/render/format"
	"github.com/netviz/netviz/render/tree"
	"github.com/netviz/netviz/topo"
)

type dockerOptions struct {
	source sourceOptions
	format string
	export exportOptions
	// explain writes under each line of the tree the commands that show
	// its facts by hand.
	explain bool
}

func newDockerCommand(d deps) *cobra.Command {
	var o dockerOptions
	cmd := &cobra.Command{
		Use:   "docker [flags]",
		Short: "Show the Docker host's network as a tree, or export it as a diagram or snapshot",
		Long: `docker shows the Docker host's network as a tree, or writes it to a file: a
diagram (SVG, PNG, DOT, Mermaid, HTML) or a snapshot (JSON).

The tree and the diagrams mark what netviz doctor finds where it is: red for
an error, amber for a warning, with the finding's ID; netviz doctor explains
each and how to fix it. --no-problems leaves the checks out.`,
		Example: `  sudo netviz docker
  sudo netviz docker --network appnet
  sudo netviz docker --explain            # under each line, the commands that show it by hand
  sudo netviz docker -o host.svg          # .svg .png .dot .mmd .html .json
  sudo netviz docker --format json > host.json
  netviz docker --from host.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDocker(cmd.Context(), d, o, cmd.OutOrStdout())
		},
	}
	o.source.addFlags(cmd.Flags())
	o.source.firewall = true
	cmd.Flags().StringVar(&o.format, "format", "tree", "tree, json (a snapshot every command reads back with --from), or a Go template applied to the snapshot")
	o.export.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&o.explain, "explain", false, "under each line of the tree, the commands (ip, bridge, nsenter, iptables or nft, docker) that show the same fact by hand; HTML diagrams always carry them")
	return cmd
}

func runDocker(ctx context.Context, d deps, o dockerOptions, w io.Writer) error {
	f, err := parseFormat(o.format, topo.Snapshot{}, format.Tree, format.JSON, format.Template)
	if err != nil {
		return err
	}
	if err := o.export.validate(); err != nil {
		return err
	}
	drawTree := o.export.output == "" && f.Kind() == format.Tree
	if o.explain && !drawTree {
		return usageErrorf("--explain writes commands under the tree: it does not go with --format %s or -o (an HTML diagram has them in each element's details)", o.format)
	}
	whole, s, err := o.source.loadWhole(ctx, d, drawTree)
	if err != nil {
		return err
	}
	var problems []topo.Finding
	if drawTree || o.export.diagram() {
		problems = o.export.problems(whole, s)
	}
	if o.export.output != "" {
		return o.export.write(ctx, d, s, problems)
	}
	switch f.Kind() {
	case format.JSON:
		return format.WriteJSON(w, s)
	case format.Template:
		return format.ExecuteTemplate(w, f, []*topo.Snapshot{s})
	default:
		return tree.Write(w, s, tree.Options{Color: d.colorable(w), Problems: problems, ByProject: o.export.byProject(), Explain: o.explain, Recorded: o.source.from != ""})
	}
}
