package docker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

// Containers lists containers (all: also those not running) and inspects each
// with at most Options.Concurrency calls in flight. A container removed
// between the list and its inspect is left out and named in a
// "container-gone" warning. The result is sorted by name.
func (s *Source) Containers(ctx context.Context, all bool) ([]inspect.ContainerInfo, []topo.Warning, error) {
	return s.StreamContainers(ctx, all, nil)
}

var _ inspect.ContainerStreamer = (*Source)(nil)

// StreamContainers is Containers, and also hands each container to each (if
// not nil), from the inspecting worker, as soon as it is inspected.
func (s *Source) StreamContainers(ctx context.Context, all bool, each func(inspect.ContainerInfo)) ([]inspect.ContainerInfo, []topo.Warning, error) {
	if err := s.negotiate(ctx); err != nil {
		return nil, nil, err
	}
	cctx, cancel := s.callCtx(ctx)
	list, err := s.cli.ContainerList(cctx, container.ListOptions{All: all})
	cancel()
	if err != nil {
		return nil, nil, s.wrapErr(ctx, "list containers", err)
	}
	results, err := s.describeAll(ctx, list, each)
	if err != nil {
		return nil, nil, err
	}
	infos, warnings := collect(list, results)
	return infos, warnings, nil
}

// described is what became of one listed container.
type described struct {
	info       inspect.ContainerInfo
	done, gone bool
}

// describeAll describes every listed container, results[i] for list[i],
// with at most s.workers at a time, and stops them all at the first error.
func (s *Source) describeAll(ctx context.Context, list []container.Summary, each func(inspect.ContainerInfo)) ([]described, error) {
	results := make([]described, len(list))
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		errOnce  sync.Once
		firstErr error
	)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(s.workers, len(list)) {
		wg.Go(func() {
			for i := range jobs {
				if wctx.Err() != nil {
					continue // drain: the feeder may hand out one more job after a stop
				}
				info, err := s.describe(wctx, ctx, list[i])
				switch {
				case err == nil:
					results[i] = described{info: info, done: true}
					if each != nil {
						each(info)
					}
				case errors.Is(err, inspect.ErrGone):
					results[i] = described{done: true, gone: true}
				default:
					errOnce.Do(func() { firstErr = err })
					stop()
				}
			}
		})
	}
feed:
	for i := range list {
		select {
		case jobs <- i:
		case <-wctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()

	if firstErr != nil {
		return nil, firstErr
	}
	// Only the caller's cancellation can leave containers unread without an
	// error; a partial list would look complete, so it is not returned.
	for _, r := range results {
		if !r.done {
			return nil, fmt.Errorf("docker inspect containers: %w", context.Cause(ctx))
		}
	}
	return results, nil
}

// collect sorts the described containers by name, and names those that
// were gone in "container-gone" warnings.
func collect(list []container.Summary, results []described) ([]inspect.ContainerInfo, []topo.Warning) {
	infos := make([]inspect.ContainerInfo, 0, len(list))
	var warnings []topo.Warning
	for i, r := range results {
		if r.gone {
			name := summaryName(list[i])
			warnings = append(warnings, topo.Warning{
				Code:    "container-gone",
				Subject: name,
				Message: fmt.Sprintf("container %q (%s) was removed while netviz read it; it is left out", name, shortID(list[i].ID)),
			})
			continue
		}
		infos = append(infos, r.info)
	}
	slices.SortFunc(infos, func(a, b inspect.ContainerInfo) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	slices.SortFunc(warnings, func(a, b topo.Warning) int { return strings.Compare(a.Subject, b.Subject) })
	return infos, warnings
}

// describe turns a listed container into a ContainerInfo: from the list
// alone when it needs no PID or its PID can be found locally, else by
// inspecting it.
func (s *Source) describe(ctx, parent context.Context, listed container.Summary) (inspect.ContainerInfo, error) {
	switch listed.State {
	case container.StateRunning, container.StatePaused:
		if s.pids != nil {
			if pid, ok := s.pids.PID(listed.ID); ok {
				return summaryInfo(listed, pid), nil
			}
		}
		return s.inspectOne(ctx, parent, listed)
	case container.StateRestarting, container.StateRemoving:
		return s.inspectOne(ctx, parent, listed)
	}
	return summaryInfo(listed, 0), nil
}

// summaryInfo is containerInfo for a listed container: the list carries the
// same network settings, labels, mode and ports as an inspect.
func summaryInfo(c container.Summary, pid int) inspect.ContainerInfo {
	info := inspect.ContainerInfo{
		ID:          c.ID,
		Name:        summaryName(c),
		Image:       c.Image,
		State:       string(c.State),
		NetworkMode: networkMode(c.HostConfig.NetworkMode),
		PID:         pid,
	}
	if len(c.Labels) > 0 {
		info.Labels = maps.Clone(c.Labels)
	}
	if c.NetworkSettings != nil {
		info.Endpoints = endpoints(c.NetworkSettings.Networks)
	}
	for _, p := range c.Ports {
		if p.PublicPort == 0 {
			continue // exposed, not published
		}
		info.Ports = append(info.Ports, topo.Port{HostIP: p.IP, HostPort: int(p.PublicPort), ContainerPort: int(p.PrivatePort), Protocol: p.Type})
	}
	sortPorts(info.Ports)
	return info
}

// inspectOne inspects one container. ctx bounds the work, parent is the
// caller's context (to tell its cancellation from a per-call timeout). A
// container that no longer exists gives an error wrapping inspect.ErrGone.
func (s *Source) inspectOne(ctx, parent context.Context, listed container.Summary) (inspect.ContainerInfo, error) {
	return s.inspectNamed(ctx, parent, listed.ID, summaryName(listed))
}

// inspectByID is inspectOne for a container known by ID alone (an event's).
func (s *Source) inspectByID(ctx context.Context, id string) (inspect.ContainerInfo, error) {
	return s.inspectNamed(ctx, ctx, id, shortID(id))
}

func (s *Source) inspectNamed(ctx, parent context.Context, id, name string) (inspect.ContainerInfo, error) {
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	what := fmt.Sprintf("inspect container %q", name)
	c, err := s.cli.ContainerInspect(cctx, id)
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return inspect.ContainerInfo{}, fmt.Errorf("docker %s: %w", what, inspect.ErrGone)
		}
		if ctx.Err() != nil && parent.Err() == nil {
			// Another worker failed and stopped the rest.
			return inspect.ContainerInfo{}, ctx.Err()
		}
		return inspect.ContainerInfo{}, s.wrapErr(parent, what, err)
	}
	info, err := containerInfo(c)
	if err != nil {
		return inspect.ContainerInfo{}, fmt.Errorf("docker %s: %w", what, err)
	}
	return info, nil
}

var errIncomplete = errors.New("incomplete response: no state or host config")

// containerInfo converts one inspect response. It refuses a response that
// lacks the parts every daemon sends rather than return a half-filled row.
func containerInfo(c container.InspectResponse) (inspect.ContainerInfo, error) {
	if c.ContainerJSONBase == nil || c.State == nil || c.HostConfig == nil {
		return inspect.ContainerInfo{}, errIncomplete
	}
	info := inspect.ContainerInfo{
		ID:          c.ID,
		Name:        strings.TrimPrefix(c.Name, "/"),
		State:       string(c.State.Status),
		NetworkMode: networkMode(string(c.HostConfig.NetworkMode)),
	}
	if c.State.Running || c.State.Paused {
		info.PID = c.State.Pid
	}
	if c.Config != nil {
		info.Image = c.Config.Image
		if len(c.Config.Labels) > 0 {
			info.Labels = maps.Clone(c.Config.Labels)
		}
	}
	if c.NetworkSettings != nil {
		info.Endpoints = endpoints(c.NetworkSettings.Networks)
		info.Ports = ports(c.NetworkSettings)
	}
	return info, nil
}

// networkMode maps "default" — what API 1.41 daemons report for a container
// started without --network — to "bridge", the network it means on Linux
// and what newer daemons report.
func networkMode(m string) string {
	if m == "default" {
		return "bridge"
	}
	return m
}

func endpoints(nets map[string]*network.EndpointSettings) []topo.Endpoint {
	var eps []topo.Endpoint
	for name, es := range nets {
		if es == nil {
			continue
		}
		ep := topo.Endpoint{
			Network:    name,
			NetworkID:  es.NetworkID,
			EndpointID: es.EndpointID,
			MAC:        strings.ToLower(es.MacAddress),
			Gateway:    es.Gateway,
		}
		if es.IPAddress != "" {
			ep.IPv4 = es.IPAddress + "/" + strconv.Itoa(es.IPPrefixLen)
		}
		if es.GlobalIPv6Address != "" {
			ep.IPv6 = []string{es.GlobalIPv6Address + "/" + strconv.Itoa(es.GlobalIPv6PrefixLen)}
		}
		eps = append(eps, ep)
	}
	slices.SortFunc(eps, func(a, b topo.Endpoint) int { return strings.Compare(a.Network, b.Network) })
	return eps
}

// ports lists the published ports. Exposed ports that are not published have
// no bindings and are left out.
func ports(ns *container.NetworkSettings) []topo.Port {
	var out []topo.Port
	for p, bindings := range ns.Ports {
		for _, b := range bindings {
			hostPort, _ := strconv.Atoi(b.HostPort)
			out = append(out, topo.Port{
				HostIP:        b.HostIP,
				HostPort:      hostPort,
				ContainerPort: p.Int(),
				Protocol:      p.Proto(),
			})
		}
	}
	sortPorts(out)
	return out
}

func sortPorts(ps []topo.Port) {
	slices.SortFunc(ps, func(a, b topo.Port) int {
		return cmp.Or(
			cmp.Compare(a.ContainerPort, b.ContainerPort),
			strings.Compare(a.Protocol, b.Protocol),
			strings.Compare(a.HostIP, b.HostIP),
			cmp.Compare(a.HostPort, b.HostPort),
		)
	})
}

// summaryName is a listed container's own name. Names also holds the names
// it has as a legacy link target ("/web/db"), which have a second slash.
func summaryName(c container.Summary) string {
	for _, n := range c.Names {
		if n = strings.TrimPrefix(n, "/"); !strings.Contains(n, "/") {
			return n
		}
	}
	return shortID(c.ID)
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
