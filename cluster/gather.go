package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/netviz/netviz/topo"
)

// Defaults for Options fields left zero.
const (
	DefaultPort    = 7800
	DefaultTimeout = 5 * time.Second
	DefaultService = "netviz"
	// AgentLabel marks the netviz service when it is not named
	// DefaultService: `docker service create --label io.netviz.agent=true`.
	AgentLabel = "io.netviz.agent"
	// maxSnapshot bounds what one node may send: a snapshot of a thousand
	// containers is a few MB.
	maxSnapshot = 256 << 20
	workers     = 32
)

// Swarm is what gathering asks of a manager's Swarm API.
type Swarm interface {
	// Nodes are the swarm's nodes: Name, NodeID, Role, Addr, State.
	Nodes(ctx context.Context) ([]topo.ClusterNode, error)
	// ServiceNodes are the IDs of the nodes where a task of the service
	// named service (or, when there is none, of the service labelled
	// AgentLabel=true) is meant to run and runs.
	ServiceNodes(ctx context.Context, service string) (map[string]bool, error)
}

// Options say where and how to ask each node's netviz.
type Options struct {
	Service string        // DefaultService when ""
	Port    int           // DefaultPort when 0
	Token   string        // sent as "Authorization: Bearer <token>"
	Timeout time.Duration // per node, DefaultTimeout when 0
	Client  *http.Client  // http.DefaultClient when nil
	// EveryNode asks every node at its address, not only those running a
	// task of Service: for netviz run on each node with docker run, which
	// --pid host (the full view) needs and a Swarm task cannot have.
	EveryNode bool
}

// Gather asks the Swarm API for the nodes and where the netviz service
// runs, then every node's netviz for its snapshot, all at once, each
// within o.Timeout. A node that does not answer is kept with the reason
// (ClusterNode.Error); only the Swarm API failing is an error.
func Gather(ctx context.Context, sw Swarm, o Options, now time.Time) (*topo.Cluster, error) {
	o = o.withDefaults()
	nodes, err := sw.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	agents := map[string]bool{}
	if o.EveryNode {
		for _, n := range nodes {
			agents[n.NodeID] = true
		}
	} else if agents, err = sw.ServiceNodes(ctx, o.Service); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	for i := range nodes {
		n := &nodes[i]
		if !agents[n.NodeID] {
			n.Error = fmt.Sprintf("did not answer: no task of service %q runs on it", o.Service)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			s, err := Fetch(ctx, o, n.Addr)
			n.Snapshot = s
			if err != nil {
				n.Snapshot, n.Error = nil, "did not answer: "+err.Error()
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return Merge(nodes, now), nil
}

func (o Options) withDefaults() Options {
	if o.Service == "" {
		o.Service = DefaultService
	}
	if o.Port == 0 {
		o.Port = DefaultPort
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	return o
}

// ErrUnauthorized is a node's netviz refusing the token.
var ErrUnauthorized = errors.New("the token was refused (give the nodes' one with --token or --token-file)")

// Fetch asks the netviz serving at addr (host or host:port) for its
// snapshot, within o.Timeout.
func Fetch(ctx context.Context, o Options, addr string) (*topo.Snapshot, error) {
	o = o.withDefaults()
	if addr == "" {
		return nil, errors.New("the node has no address")
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		addr = net.JoinHostPort(addr, strconv.Itoa(o.Port))
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/api/snapshot", nil)
	if err != nil {
		return nil, err
	}
	if o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+o.Token)
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("no snapshot from %s within %s", addr, o.Timeout)
		}
		return nil, fmt.Errorf("%s: %w", addr, unwrapURL(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, fmt.Errorf("%s: %w", addr, ErrUnauthorized)
	case resp.StatusCode != http.StatusOK:
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, fmt.Errorf("%s: %s: %s", addr, resp.Status, oneLine(msg))
	}
	s, err := topo.Decode(io.LimitReader(resp.Body, maxSnapshot))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("no snapshot from %s within %s", addr, o.Timeout)
		}
		return nil, fmt.Errorf("%s: not a snapshot: %w", addr, err)
	}
	return s, nil
}

// unwrapURL drops the URL the http client repeats in its errors.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func oneLine(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c == '\n' || c == '\r' {
			c = ' '
		}
		out = append(out, c)
	}
	return string(out)
}
