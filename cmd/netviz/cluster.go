package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/netviz/netviz/cluster"
	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/inspect/docker"
	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/render/format"
	"github.com/netviz/netviz/render/tree"
	"github.com/netviz/netviz/topo"
)

// clusterSource says where a cluster comes from: the Swarm API and each
// node's netviz serve, or saved snapshots (--from).
type clusterSource struct {
	host      string
	service   string
	port      int
	token     string
	tokenFile string
	timeout   time.Duration
	from      []string
	all       bool
	everyNode bool
}

// openSwarm opens the manager's Swarm API; tests replace it.
var openSwarm = func(host string) (cluster.Swarm, func(), error) {
	src, err := docker.New(docker.Options{Host: host})
	if err != nil {
		return nil, nil, err
	}
	return src, func() { src.Close() }, nil
}

func (o *clusterSource) addFlags(fs *pflag.FlagSet) {
	addDaemonFlags(fs, &o.host, "the swarm manager's Docker daemon")
	fs.StringVar(&o.service, "service", cluster.DefaultService, "the netviz global service: its task on each node serves that node's snapshot (else the service labelled "+cluster.AgentLabel+"=true)")
	fs.IntVar(&o.port, "port", cluster.DefaultPort, "the port netviz serve listens on, on every node")
	fs.StringVar(&o.token, "token", "", "the nodes' serve token (default: --token-file, then $NETVIZ_TOKEN)")
	fs.StringVar(&o.tokenFile, "token-file", "", "read the nodes' serve token from this file")
	fs.BoolVar(&o.everyNode, "every-node", false, "ask every node at its address, not only those with a task of --service (netviz run with docker run --pid host on each node: the full view, docs/swarm.md)")
	fs.DurationVar(&o.timeout, "timeout", cluster.DefaultTimeout, "how long each node has to send its snapshot")
	fs.StringArrayVar(&o.from, "from", nil, "merge saved node snapshots (netviz docker --format json), or a saved cluster, instead of asking the swarm; repeat for each node")
	fs.BoolVarP(&o.all, "all", "a", false, "include stopped and created containers of saved snapshots")
}

func (o *clusterSource) validate() error {
	if o.port < 1 || o.port > 65535 {
		return usageErrorf("invalid --port %d: want 1-65535", o.port)
	}
	if o.timeout <= 0 {
		return usageErrorf("invalid --timeout %s: want a positive duration, e.g. 5s", o.timeout)
	}
	if o.token != "" && o.tokenFile != "" {
		return usageErrorf("--token and --token-file both give the token: use one")
	}
	return nil
}

// readToken is --token, --token-file or $NETVIZ_TOKEN, in that order.
func (o *clusterSource) readToken() (string, error) {
	switch {
	case o.token != "":
		return o.token, nil
	case o.tokenFile != "":
		data, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return "", usageErrorf("cannot read --token-file: %v", unwrapPathError(err))
		}
		return strings.TrimSpace(string(data)), nil
	}
	return os.Getenv("NETVIZ_TOKEN"), nil
}

// load gathers or merges the cluster, and says on stderr, one line each,
// which nodes did not answer.
func (o *clusterSource) load(ctx context.Context, d deps) (*topo.Cluster, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	var c *topo.Cluster
	var err error
	if len(o.from) > 0 {
		c, err = mergeFiles(d, o.from, o.all)
	} else {
		c, err = o.gather(ctx, d)
	}
	if err != nil {
		return nil, err
	}
	for _, n := range c.Unanswered() {
		fmt.Fprintf(d.stderr, "netviz: node %s%s %s\n", n.Name, addrNote(n.Addr), n.Error)
	}
	return c, nil
}

func addrNote(addr string) string {
	if addr == "" {
		return ":"
	}
	return " (" + addr + "):"
}

func (o *clusterSource) gather(ctx context.Context, d deps) (*topo.Cluster, error) {
	token, err := o.readToken()
	if err != nil {
		return nil, err
	}
	sw, closeSwarm, err := openSwarm(o.host)
	if err != nil {
		return nil, err
	}
	defer closeSwarm()
	c, err := cluster.Gather(ctx, sw, cluster.Options{Service: o.service, Port: o.port, Token: token, Timeout: o.timeout, EveryNode: o.everyNode}, d.now())
	if errors.Is(err, docker.ErrNotManager) {
		return nil, withCode(exitDaemon, err)
	}
	return c, err
}

// mergeFiles reads node snapshots (or saved clusters, whose nodes are
// taken as they were) and merges them.
func mergeFiles(d deps, paths []string, all bool) (*topo.Cluster, error) {
	var nodes []topo.ClusterNode
	for _, path := range paths {
		saved, err := readClusterFile(path)
		if err != nil {
			return nil, err
		}
		if saved != nil {
			nodes = append(nodes, saved.Nodes...)
			continue
		}
		s, err := readSnapshot(d, path)
		if err != nil {
			return nil, err
		}
		if !all {
			s = withoutStopped(s)
		}
		name := s.Host.Hostname
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		}
		nodes = append(nodes, topo.ClusterNode{Name: name, Snapshot: s})
	}
	return cluster.Merge(nodes, d.now()), nil
}

// readClusterFile returns the cluster saved in path, or nil when path
// holds something else (a node's snapshot, read next).
func readClusterFile(path string) (*topo.Cluster, error) {
	if path == "-" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, withCode(exitBadSnapshot, fmt.Errorf("cannot read snapshot: %w", err))
	}
	var probe struct {
		Kind string `json:"kind"`
	}
	if json.Unmarshal(data, &probe) != nil || probe.Kind != topo.ClusterKind {
		return nil, nil
	}
	var c topo.Cluster
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, withCode(exitBadSnapshot, fmt.Errorf("%s: malformed cluster: %w", path, err))
	}
	for _, n := range c.Nodes {
		if n.Snapshot != nil {
			n.Snapshot.Sort()
		}
	}
	return &c, nil
}

// partial is the error of a picture some nodes are missing from: exit 9.
func partial(c *topo.Cluster) error {
	un := c.Unanswered()
	if len(un) == 0 {
		return nil
	}
	return withCode(exitPartial, fmt.Errorf("%d of %d nodes did not answer: the picture is partial (they are drawn as unknown)", len(un), len(c.Nodes)))
}

// nodeProblems are doctor's findings on each node that answered.
func nodeProblems(c *topo.Cluster) map[string][]topo.Finding {
	out := map[string][]topo.Finding{}
	for _, n := range c.Nodes {
		if n.Snapshot != nil && refuseWithoutKernel(n.Snapshot, "") == nil {
			out[n.Name] = diagnose.Run(n.Snapshot)
		}
	}
	return out
}

type clusterOptions struct {
	source clusterSource
	format string
	export exportOptions
}

func newClusterCommand(d deps) *cobra.Command {
	var o clusterOptions
	cmd := &cobra.Command{
		Use:   "cluster [flags]",
		Short: "Show a Swarm cluster: every node, the overlay networks across them and their VXLAN tunnels",
		Long: `cluster asks a swarm manager for the nodes and for where the netviz global
service runs, fetches each node's snapshot from its netviz serve
(http://<node>:7800/api/snapshot, with the token) all at once, and shows the
cluster: each node's own network, the overlay networks that span the nodes
and the VXLAN tunnels between them (VNI, endpoints), as each node's
forwarding database tells them. --from merges saved snapshots instead.

A node that does not answer in --timeout is drawn as unknown and named on
stderr; the exit status is then 9, never a silent partial picture.
docs/swarm.md says how to run the service.`,
		Example: `  netviz cluster --token-file /run/secrets/netviz
  netviz cluster -o cluster.svg                    # .svg .png .dot .mmd .html .json
  netviz cluster --from n1.json --from n2.json --from n3.json
  netviz cluster doctor
  netviz cluster path web.1.abc db.1.def`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCluster(cmd.Context(), d, o, cmd.OutOrStdout())
		},
	}
	o.source.addFlags(cmd.PersistentFlags())
	cmd.Flags().StringVar(&o.format, "format", "tree", "tree, or json (the cluster with every node's snapshot)")
	o.export.addFlags(cmd.Flags())
	cmd.AddCommand(newClusterDoctorCommand(d, &o.source), newClusterPathCommand(d, &o.source))
	return cmd
}

func runCluster(ctx context.Context, d deps, o clusterOptions, w io.Writer) error {
	if o.format != "tree" && o.format != "json" {
		return usageErrorf("invalid --format %q: want tree or json", o.format)
	}
	if err := o.export.validate(); err != nil {
		return err
	}
	if o.export.byProject() {
		return usageErrorf("--group project does not go with a cluster: each node is its own box")
	}
	c, err := o.source.load(ctx, d)
	if err != nil {
		return err
	}
	if err := writeCluster(ctx, d, c, o.format, o.export, w); err != nil {
		return err
	}
	return partial(c)
}

// writeCluster shows c as the tree, JSON, or the file -o names.
func writeCluster(ctx context.Context, d deps, c *topo.Cluster, fmtName string, ex exportOptions, w io.Writer) error {
	var own []topo.Finding
	perNode := map[string][]topo.Finding{}
	if !ex.noProblems {
		own, perNode = diagnose.ClusterChecks(c), nodeProblems(c)
	}
	switch {
	case ex.output != "" && outputTypes[strings.ToLower(filepath.Ext(ex.output))] == "json":
		var buf bytes.Buffer
		if err := format.WriteJSON(&buf, c); err != nil {
			return err
		}
		return writeFileAtomic(ex.output, buf.Bytes())
	case ex.output != "":
		dg := diagram.BuildCluster(c, diagram.ClusterOptions{Options: diagram.Options{Expand: ex.expand, Now: d.now()},
			NodeProblems: perNode, Problems: own})
		return ex.writeDiagram(ctx, dg)
	case fmtName == "json":
		return format.WriteJSON(w, c)
	}
	return tree.WriteCluster(w, c, tree.ClusterOptions{Options: tree.Options{Color: d.colorable(w)}, NodeProblems: perNode, Problems: own})
}

// runRenderCluster is netviz render with several snapshots: one per node,
// merged into the cluster's picture.
func runRenderCluster(ctx context.Context, d deps, o renderOptions, paths []string) error {
	if err := o.export.validate(); err != nil {
		return err
	}
	if f := o.source.filter(); f != (topo.Filter{}) {
		return usageErrorf("--network, --container and --project pick part of one host: they do not go with several snapshots")
	}
	if o.export.byProject() {
		return usageErrorf("--group project does not go with several snapshots: each node is its own box")
	}
	src := clusterSource{from: paths, all: o.source.all, port: cluster.DefaultPort, timeout: cluster.DefaultTimeout}
	c, err := src.load(ctx, d)
	if err != nil {
		return err
	}
	if err := writeCluster(ctx, d, c, "tree", o.export, d.stdout); err != nil {
		return err
	}
	return partial(c)
}
