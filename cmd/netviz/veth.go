package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/render/format"
	"github.com/netviz/netviz/topo"
)

type vethOptions struct {
	source sourceOptions
	format string
}

func newVethCommand(d deps) *cobra.Command {
	var o vethOptions
	cmd := &cobra.Command{
		Use:   "veth [flags]",
		Short: "List veth pairs: which host veth belongs to which container interface",
		Example: `  sudo netviz veth
  sudo netviz veth --network appnet
  sudo netviz veth --format json
  sudo netviz veth --format '{{.HostInterface}} {{.Container}}:{{.ContainerInterface}}'
  netviz veth --from host.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVeth(cmd.Context(), d, o, cmd.OutOrStdout())
		},
	}
	o.source.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.format, "format", "table", "table, json, or a Go template applied to each pair (docker-style, 'table ...' for a header)")
	return cmd
}

func runVeth(ctx context.Context, d deps, o vethOptions, w io.Writer) error {
	f, err := parseFormat(o.format, topo.Pair{}, format.Table, format.JSON, format.Template)
	if err != nil {
		return err
	}
	s, err := o.source.load(ctx, d, false)
	if err != nil {
		return err
	}
	switch f.Kind() {
	case format.Table:
		return format.WriteSnapshotVethTable(w, s, s.Pairs, format.TableOptions{})
	case format.JSON:
		return format.WriteJSON(w, s.Pairs)
	default:
		return format.ExecuteTemplate(w, f, s.Pairs)
	}
}

// parseFormat validates a --format value before any work: its kind must be
// one the command offers, and a template must fit the type it will run on.
func parseFormat(s string, sample any, kinds ...format.Kind) (format.Spec, error) {
	f, err := format.Parse(s)
	if err == nil {
		err = f.Only(kinds...)
	}
	if err == nil {
		err = f.Validate(sample)
	}
	if err != nil {
		return format.Spec{}, withCode(exitUsage, err)
	}
	return f, nil
}
