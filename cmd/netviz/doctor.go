package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/render/format"
	"github.com/netviz/netviz/topo"
)

type doctorOptions struct {
	source sourceOptions
	format string
}

func newDoctorCommand(d deps) *cobra.Command {
	var o doctorOptions
	cmd := &cobra.Command{
		Use:   "doctor [flags]",
		Short: "Find what is misconfigured: forwarding, bridges, veths, MTU, subnets, NAT and firewall rules",
		Long: `doctor checks the host's container networking and prints each problem with a
stable ID, its severity, the objects involved, what it means and a command
that fixes it (docs/troubleshooting.md explains every check).

Exit status: 0 when there is no error-level finding, 1 when there is, and
3, 4, ... as for the other commands when netviz cannot inspect the host.`,
		Example: `  sudo netviz doctor
  sudo netviz doctor --format json
  sudo netviz doctor --format '{{.ID}} {{join .Subject ","}}'
  netviz doctor --from host.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDoctor(cmd.Context(), d, o, cmd.OutOrStdout())
		},
	}
	o.source.addFlags(cmd.Flags())
	o.source.firewall = true
	cmd.Flags().StringVar(&o.format, "format", "table", "table, json, or a Go template applied to each finding (docker-style, 'table ...' for a header)")
	return cmd
}

func runDoctor(ctx context.Context, d deps, o doctorOptions, w io.Writer) error {
	f, err := parseFormat(o.format, topo.Finding{}, format.Table, format.JSON, format.Template)
	if err != nil {
		return err
	}
	// The checks see the whole host (a DNAT rule to another network's
	// container is not stale because --network hid that container); the
	// filter picks the findings shown.
	whole := o.source.unfiltered()
	s, err := whole.load(ctx, d, false)
	if err != nil {
		return err
	}
	if err := refuseWithoutKernel(s, "doctor"); err != nil {
		return err
	}
	findings := diagnose.Run(s)
	if f := o.source.filter(); !f.Empty() {
		sub, err := f.Apply(s)
		if err != nil {
			return err
		}
		findings = diagnose.Within(findings, sub)
	}
	switch f.Kind() {
	case format.Table:
		err = writeFindings(w, findings)
	case format.JSON:
		err = format.WriteJSON(w, findings)
	default:
		err = format.ExecuteTemplate(w, f, findings)
	}
	if err != nil {
		return err
	}
	if n := countSeverity(findings, topo.SeverityError); n > 0 {
		return withCode(exitFailure, fmt.Errorf("%d error-level finding(s)", n))
	}
	return nil
}

func countSeverity(fs []topo.Finding, sev topo.Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity == sev {
			n++
		}
	}
	return n
}

// writeFindings prints one block per finding: severity, ID and subject on
// the first line, then what it means and the fix.
func writeFindings(w io.Writer, fs []topo.Finding) error {
	var b strings.Builder
	if len(fs) == 0 {
		b.WriteString("no problems found\n")
	}
	for _, f := range fs {
		fmt.Fprintf(&b, "%-7s %s  %s\n", strings.ToUpper(string(f.Severity)), f.ID, strings.Join(f.SubjectNames(), " "))
		fmt.Fprintf(&b, "        %s\n", f.Message)
		fmt.Fprintf(&b, "        fix: %s\n\n", f.Fix)
	}
	if len(fs) > 0 {
		fmt.Fprintf(&b, "%d error(s), %d warning(s), %d info\n", countSeverity(fs, topo.SeverityError),
			countSeverity(fs, topo.SeverityWarning), countSeverity(fs, topo.SeverityInfo))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
