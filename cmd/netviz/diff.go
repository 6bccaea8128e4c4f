package main

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/render/changes"
	"github.com/netviz/netviz/render/format"
	"github.com/netviz/netviz/topo"
)

// liveSide is the argument of netviz diff that reads the host now.
const liveSide = "live"

type diffOptions struct {
	// source holds -H, --all and the filters; diff and watch read no
	// --from (diff's sides are its arguments, watch follows the host).
	source     sourceOptions
	format     string
	noProblems bool
}

func newDiffCommand(d deps) *cobra.Command {
	var o diffOptions
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Say what changed between two snapshots, or between a snapshot and the host now",
		Long: `diff compares two snapshots (netviz docker --format json) and says what was
added, removed and changed: containers, namespaces, interfaces, veth pairs,
networks, bridges, published ports, routes, firewall rules, and netviz
doctor's findings (new or resolved).

OLD and NEW are snapshot files, - for stdin (one of them at most), or
"live" for the host now (./live for a file of that name).

Objects are matched as a person would: a container by its name (a new ID
is "recreated"), a veth pair by its container and interface (a new host
veth is one change), an interface by its namespace's owner and its name.
When and by which netviz a snapshot was taken is not a difference.
--network, --container and --project pick the same part of both sides.

Exit status, as diff(1): 0 when they are the same, 1 when they differ,
2 or more on an error (4: a snapshot unreadable or malformed, 5: no such
--container, --network or --project on either side, 8: any other failure).`,
		Example: `  netviz docker --format json > before.json
  docker compose up -d
  netviz diff before.json live
  netviz diff before.json after.json --format json
  netviz diff before.json after.json --format '{{.Change}} {{.Object}} {{.ID}}'`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return diffExit(runDiff(cmd.Context(), d, o, args[0], args[1], cmd.OutOrStdout()))
		},
	}
	fs := cmd.Flags()
	addDaemonFlags(fs, &o.source.host, `Docker daemon to read for "live"`)
	fs.BoolVarP(&o.source.all, "all", "a", false, "include stopped and created containers")
	o.source.addFilterFlags(fs, "compare")
	fs.StringVar(&o.format, "format", "text", "text, json (the whole result), or a Go template applied to each change (docker-style, 'table ...' for a header)")
	fs.BoolVar(&o.noProblems, "no-problems", false, "leave netviz doctor's findings out")
	return cmd
}

// diffExit keeps an error apart from "they differ": a failure that has no
// code of its own would exit 1, which diff answers for a difference.
func diffExit(err error) error {
	if err != nil && exitCode(err) == exitFailure && !errors.Is(err, errDiffer) {
		return withCode(exitTrouble, err)
	}
	return err
}

// errDiffer is diff's answer "they differ" (exit 1), printed by nobody.
var errDiffer = withCode(exitFailure, errQuiet)

func runDiff(ctx context.Context, d deps, o diffOptions, oldArg, newArg string, w io.Writer) error {
	spec := o.format
	if strings.TrimSpace(spec) == "text" {
		spec = ""
	}
	f, err := parseChangesFormat(spec, true)
	if err != nil {
		return err
	}
	if oldArg == "-" && newArg == "-" {
		return usageErrorf("only one of OLD and NEW can be - (stdin)")
	}
	oldWhole, newWhole, err := diffSides(ctx, d, o, oldArg, newArg)
	if err != nil {
		return err
	}
	flt := o.source.filter()
	oldView, newView, err := filterBoth(flt, oldWhole, newWhole)
	if err != nil {
		return err
	}
	r := diff.CompareWith(oldView, newView, diffFindings(o.noProblems, flt, oldWhole, newWhole, oldView, newView))
	switch f.Kind() {
	case format.JSON:
		err = format.WriteJSON(w, r)
	case format.Template:
		err = format.ExecuteTemplate(w, f, r.Entries(d.now()))
	default:
		err = changes.Write(w, r, changes.Options{Color: d.colorable(w)})
	}
	if err != nil {
		return err
	}
	if !r.Empty() {
		return errDiffer
	}
	return nil
}

// parseChangesFormat parses the --format of diff and watch: json, or a
// template run on each diff.Entry, or with table (diff's text, which the
// caller has turned into "") their own view. A bad value is refused in
// their words: their view is "text", not format's "table".
func parseChangesFormat(s string, table bool) (format.Spec, error) {
	kinds := []format.Kind{format.JSON, format.Template}
	if table {
		kinds = append(kinds, format.Table)
	}
	f, err := parseFormat(s, diff.Entry{}, kinds...)
	if err != nil && !strings.Contains(s, "{{") {
		return format.Spec{}, usageErrorf("invalid --format %q: want text, json or a Go template such as '{{.Object}} {{.ID}}'", s)
	}
	return f, err
}

// diffSides reads both sides, a file before the live host: a bad file
// fails before the host is read.
func diffSides(ctx context.Context, d deps, o diffOptions, oldArg, newArg string) (old, new *topo.Snapshot, err error) {
	if oldArg == liveSide && newArg != liveSide {
		if new, err = diffSide(ctx, d, o, newArg); err == nil {
			old, err = diffSide(ctx, d, o, oldArg)
		}
		return old, new, err
	}
	if old, err = diffSide(ctx, d, o, oldArg); err == nil {
		new, err = diffSide(ctx, d, o, newArg)
	}
	return old, new, err
}

// diffSide reads one side: a snapshot file, stdin, or the live host.
func diffSide(ctx context.Context, d deps, o diffOptions, arg string) (*topo.Snapshot, error) {
	if arg == liveSide {
		return d.live(ctx, liveOptions{host: o.source.host, all: o.source.all, firewall: true})
	}
	s, err := readSnapshot(d, arg)
	if err != nil {
		return nil, err
	}
	if !o.source.all {
		s = withoutStopped(s)
	}
	return s, nil
}

// filterBoth applies the filter to both sides. A container or network on
// one side only (it came or went) is compared with nothing on the other:
// that side keeps only the host links and the networks the first view
// shows, so that what came with it is all that differs.
func filterBoth(f topo.Filter, old, new *topo.Snapshot) (*topo.Snapshot, *topo.Snapshot, error) {
	oldView, oldErr := f.Apply(old)
	newView, newErr := f.Apply(new)
	switch {
	case oldErr != nil && newErr != nil:
		return nil, nil, newErr
	case oldErr != nil:
		if !unknownName(oldErr) {
			return nil, nil, oldErr
		}
		oldView = emptyLike(old, newView)
	case newErr != nil:
		if !unknownName(newErr) {
			return nil, nil, newErr
		}
		newView = emptyLike(new, oldView)
	}
	return oldView, newView, nil
}

func unknownName(err error) bool {
	return errors.Is(err, topo.ErrUnknownContainer) || errors.Is(err, topo.ErrUnknownNetwork) || errors.Is(err, topo.ErrUnknownProject)
}

// emptyLike is s without containers, keeping the networks (with their
// bridges) that view shows and the host links a filtered view always
// keeps: the uplink and loopback.
func emptyLike(s, view *topo.Snapshot) *topo.Snapshot {
	out := *s
	out.Containers, out.Pairs = nil, nil
	nets := map[string]bool{}
	for _, n := range view.Networks {
		nets[n.Name] = true
	}
	out.Networks = slices.DeleteFunc(slices.Clone(s.Networks), func(n topo.Network) bool { return !nets[n.Name] })
	bridges := map[string]bool{}
	for _, n := range out.Networks {
		bridges[n.Bridge] = n.Bridge != ""
	}
	out.Bridges = slices.DeleteFunc(slices.Clone(s.Bridges), func(b topo.Bridge) bool { return !bridges[b.Name] })
	for i := range out.Bridges {
		out.Bridges[i].Ports = nil
	}
	out.Interfaces = slices.DeleteFunc(slices.Clone(s.Interfaces), func(i topo.Interface) bool {
		return !bridges[i.Name] && i.Name != s.Host.Uplink && i.Kind != topo.KindLoopback
	})
	out.Namespaces = slices.DeleteFunc(slices.Clone(s.Namespaces), func(ns topo.Namespace) bool { return !ns.Host })
	out.Sort()
	return &out
}

// diffFindings diagnoses each whole side and keeps what its view shows,
// as doctor --network does: the checks must see the whole host. A side
// without the kernel's view has no findings worth comparing. Filtered
// views compare only the routes and rules about them.
func diffFindings(off bool, f topo.Filter, oldWhole, newWhole, oldView, newView *topo.Snapshot) diff.Options {
	if off || refuseWithoutKernel(oldWhole, "diff") != nil || refuseWithoutKernel(newWhole, "diff") != nil {
		return diff.Options{NoFindings: true, Narrow: !f.Empty()}
	}
	o := diff.Options{FindingsGiven: true, OldFindings: diagnose.Run(oldWhole), NewFindings: diagnose.Run(newWhole),
		Narrow: !f.Empty()}
	if !f.Empty() {
		o.OldFindings = diagnose.Within(o.OldFindings, oldView)
		o.NewFindings = diagnose.Within(o.NewFindings, newView)
	}
	return o
}
