package docker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/errdefs"

	"github.com/netviz/netviz/topo"
)

// ErrNotManager is the daemon refusing Swarm questions: it is in no swarm,
// or a worker (only managers know the nodes and tasks).
var ErrNotManager = errors.New("this daemon is not a swarm manager: run netviz cluster on a manager (docker node ls works there)")

// Nodes lists the swarm's nodes as the manager knows them: name, ID,
// role, address and state (for package cluster).
func (s *Source) Nodes(ctx context.Context) ([]topo.ClusterNode, error) {
	if err := s.negotiate(ctx); err != nil {
		return nil, err
	}
	cctx, cancel := s.callCtx(ctx)
	list, err := s.cli.NodeList(cctx, swarm.NodeListOptions{})
	cancel()
	if err != nil {
		return nil, s.swarmErr(ctx, "list nodes", err)
	}
	out := make([]topo.ClusterNode, 0, len(list))
	for _, n := range list {
		role := topo.NodeWorker
		if n.Spec.Role == swarm.NodeRoleManager {
			role = topo.NodeManager
		}
		out = append(out, topo.ClusterNode{
			Name: cmp.Or(n.Spec.Name, n.Description.Hostname), NodeID: n.ID, Role: role,
			Addr: nodeAddr(n), State: string(n.Status.State),
		})
	}
	return out, nil
}

// nodeAddr is where the node can be reached. A manager may report
// 0.0.0.0 as its Status.Addr (moby/moby#35437); its manager address
// then says it.
func nodeAddr(n swarm.Node) string {
	addr := n.Status.Addr
	if ip := net.ParseIP(addr); (ip == nil || ip.IsUnspecified()) && n.ManagerStatus != nil {
		if host, _, err := net.SplitHostPort(n.ManagerStatus.Addr); err == nil {
			return host
		}
	}
	return addr
}

// ServiceNodes are the IDs of the nodes running a task of the service
// named name, or, when none is, of the services labelled
// io.netviz.agent=true.
func (s *Source) ServiceNodes(ctx context.Context, name string) (map[string]bool, error) {
	if err := s.negotiate(ctx); err != nil {
		return nil, err
	}
	cctx, cancel := s.callCtx(ctx)
	services, err := s.cli.ServiceList(cctx, swarm.ServiceListOptions{Filters: filters.NewArgs(filters.Arg("name", name))})
	cancel()
	if err != nil {
		return nil, s.swarmErr(ctx, "list services", err)
	}
	var ids []string
	for _, svc := range services {
		// The name filter matches prefixes: "netviz" would take "netviz-dev".
		if svc.Spec.Name == name {
			ids = append(ids, svc.ID)
		}
	}
	if len(ids) == 0 {
		cctx, cancel := s.callCtx(ctx)
		services, err = s.cli.ServiceList(cctx, swarm.ServiceListOptions{Filters: filters.NewArgs(filters.Arg("label", "io.netviz.agent=true"))})
		cancel()
		if err != nil {
			return nil, s.swarmErr(ctx, "list services", err)
		}
		for _, svc := range services {
			ids = append(ids, svc.ID)
		}
	}
	out := map[string]bool{}
	for _, id := range ids {
		args := filters.NewArgs(filters.Arg("service", id), filters.Arg("desired-state", "running"))
		cctx, cancel := s.callCtx(ctx)
		tasks, err := s.cli.TaskList(cctx, swarm.TaskListOptions{Filters: args})
		cancel()
		if err != nil {
			return nil, s.swarmErr(ctx, "list tasks", err)
		}
		for _, t := range tasks {
			if t.Status.State == swarm.TaskStateRunning && t.NodeID != "" {
				out[t.NodeID] = true
			}
		}
	}
	return out, nil
}

// swarmErr is wrapErr that tells a daemon outside a swarm, or a worker,
// by the 503 it answers.
func (s *Source) swarmErr(ctx context.Context, what string, err error) error {
	if ctx.Err() == nil && errdefs.IsUnavailable(err) {
		return fmt.Errorf("%w (%v)", ErrNotManager, err)
	}
	return s.wrapErr(ctx, what, err)
}
