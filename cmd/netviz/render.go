package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/topo"
)

type renderOptions struct {
	source sourceOptions
	export exportOptions
}

func newRenderCommand(d deps) *cobra.Command {
	var o renderOptions
	cmd := &cobra.Command{
		Use:   "render SNAPSHOT... -o FILE",
		Short: "Draw a saved snapshot: no Docker, no root needed",
		Long: `render draws a snapshot saved with netviz docker --format json, anywhere.

Diagrams mark what netviz doctor finds where it is: red for an error, amber
for a warning, with the finding's ID. --no-problems leaves the checks out.`,
		Example: `  sudo netviz docker --format json > host.json    # on the Docker host
  netviz render host.json -o host.svg              # anywhere
  netviz render host.json --network appnet -o appnet.png
  netviz render node1.json node2.json node3.json -o cluster.svg`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return runRenderCluster(cmd.Context(), d, o, args)
			}
			o.source.from = args[0]
			return runRender(cmd.Context(), d, o)
		},
	}
	fs := cmd.Flags()
	fs.BoolVarP(&o.source.all, "all", "a", false, "include stopped and created containers")
	o.source.addFilterFlags(fs, "draw")
	o.export.addFlags(fs)
	_ = cmd.MarkFlagRequired("output")
	return cmd
}

func runRender(ctx context.Context, d deps, o renderOptions) error {
	if err := o.export.validate(); err != nil {
		return err
	}
	whole, s, err := o.source.loadWhole(ctx, d, false)
	if err != nil {
		return err
	}
	var problems []topo.Finding
	if o.export.diagram() {
		problems = o.export.problems(whole, s)
	}
	return o.export.write(ctx, d, s, problems)
}
