package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/pathfind"
	"github.com/netviz/netviz/render/format"
	"github.com/netviz/netviz/topo"
)

func newClusterDoctorCommand(d deps, src *clusterSource) *cobra.Command {
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "doctor [flags]",
		Short: "Check the cluster: tunnels missing between nodes, overlay MTUs that differ, then each node as netviz doctor does",
		Long: `doctor runs the checks no single node can: an overlay network a node has
tasks on whose VXLAN device has no forwarding entry for another node with
tasks on it (cluster-vtep-missing), an overlay whose MTU differs between
nodes (cluster-overlay-mtu-differs), a node that did not answer
(cluster-node-unanswered); then netviz doctor's checks on each node.

Exit status: 1 when there is an error-level finding, else 9 when a node
did not answer, else 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runClusterDoctor(cmd.Context(), d, src, jsonOut, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&jsonOut, "json", false, `print {"cluster": [findings], "nodes": {"NODE": [findings]}}`)
	return cmd
}

func runClusterDoctor(ctx context.Context, d deps, src *clusterSource, jsonOut bool, w io.Writer) error {
	c, err := src.load(ctx, d)
	if err != nil {
		return err
	}
	own, perNode := diagnose.ClusterChecks(c), nodeProblems(c)
	if jsonOut {
		err = format.WriteJSON(w, struct {
			Cluster []topo.Finding            `json:"cluster"`
			Nodes   map[string][]topo.Finding `json:"nodes"`
		}{own, perNode})
	} else {
		err = writeClusterFindings(w, c, own, perNode)
	}
	if err != nil {
		return err
	}
	errorsFound := countSeverity(own, topo.SeverityError)
	for _, fs := range perNode {
		errorsFound += countSeverity(fs, topo.SeverityError)
	}
	if errorsFound > 0 {
		return withCode(exitFailure, fmt.Errorf("%d error-level finding(s)", errorsFound))
	}
	return partial(c)
}

// writeClusterFindings prints the cluster's findings, then each node's
// under its name, as netviz doctor prints them.
func writeClusterFindings(w io.Writer, c *topo.Cluster, own []topo.Finding, perNode map[string][]topo.Finding) error {
	if _, err := io.WriteString(w, "== cluster\n"); err != nil {
		return err
	}
	if err := writeFindings(w, own); err != nil {
		return err
	}
	for _, n := range c.Nodes {
		if !n.Answered() {
			continue
		}
		if _, err := fmt.Fprintf(w, "\n== node %s\n", n.Name); err != nil {
			return err
		}
		if _, ok := perNode[n.Name]; !ok {
			if _, err := io.WriteString(w, "not checked: the snapshot has no kernel view of the daemon's host\n"); err != nil {
				return err
			}
			continue
		}
		if err := writeFindings(w, perNode[n.Name]); err != nil {
			return err
		}
	}
	return nil
}

func newClusterPathCommand(d deps, src *clusterSource) *cobra.Command {
	var o pathOptions
	cmd := &cobra.Command{
		Use:   "path SRC DST",
		Short: "Explain how a packet goes between two tasks of the cluster, over their overlay and its VXLAN tunnel",
		Long: `path follows a packet from one task to another: on one node as netviz path
does; across nodes over the overlay network they share — the sandbox's
bridge, the VXLAN device and its forwarding entry for the other node, the
UDP hop between the nodes' VTEPs, the other node's sandbox and task. It
sends no packet.

SRC and DST are NODE/CONTAINER, a container name or ID that only one node
has, or a task's overlay address. DST may also be a Swarm service (name, ID
prefix or VIP): resolved as Docker's DNS does for SRC, then followed to one
of its tasks (IPVS may pick another: the verdict lists them). SRC may be a
service too, when no node has a container of that name: its first running
task by node and name sends, and the first hop names it and the others.`,
		Example: `  netviz cluster path web.1.abc db.1.def
  netviz cluster path web.1.abc api
  netviz cluster path api db
  netviz cluster path node1/web.1.abc 10.0.1.7 --from n1.json --from n2.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runClusterPath(cmd.Context(), d, src, o, args[0], args[1], cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "table", `table (the hops and the verdict) or json ({"verdict","hops","reason"})`)
	cmd.Flags().StringVar(&o.protocol, "protocol", "tcp", "tcp or udp")
	cmd.Flags().IntVar(&o.port, "dport", 80, "destination port (--port is the nodes' serve port)")
	return cmd
}

func runClusterPath(ctx context.Context, d deps, src *clusterSource, o pathOptions, from, to string, w io.Writer) error {
	if o.format != "table" && o.format != "json" {
		return usageErrorf("invalid --format %q: want table or json", o.format)
	}
	if o.protocol != "tcp" && o.protocol != "udp" {
		return usageErrorf("invalid --protocol %q: want tcp or udp", o.protocol)
	}
	if o.port < 1 || o.port > 65535 {
		return usageErrorf("invalid --dport %d: want 1-65535", o.port)
	}
	c, err := src.load(ctx, d)
	if err != nil {
		return err
	}
	r, err := pathfind.FindAcross(c, from, to, pathfind.Options{Protocol: o.protocol, Port: o.port})
	if err != nil {
		return err
	}
	if o.format == "json" {
		return format.WriteJSON(w, r)
	}
	_, err = io.WriteString(w, r.Text())
	return err
}
