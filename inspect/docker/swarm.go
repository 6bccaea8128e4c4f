package docker

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

var _ inspect.SwarmReader = (*Source)(nil)

// Swarm says what swarm the daemon is in, where it keeps its sandbox files
// (the directory of a running container's SandboxKey: `docker info` does
// not tell the exec root), and the service VIPs on its swarm-scoped
// networks. A daemon in no swarm answers with no node and no services.
func (s *Source) Swarm(ctx context.Context) (inspect.SwarmFacts, error) {
	var out inspect.SwarmFacts
	if err := s.negotiate(ctx); err != nil {
		return out, err
	}
	cctx, cancel := s.callCtx(ctx)
	info, err := s.cli.Info(cctx)
	cancel()
	if err != nil {
		return out, s.wrapErr(ctx, "info", err)
	}
	out.NetnsDir = s.netnsDir(ctx)
	if info.Swarm.LocalNodeState != swarm.LocalNodeStateActive || info.Swarm.NodeID == "" {
		return out, nil
	}
	out.Node = swarmNode(info.Swarm)
	out.Services, out.Warnings = s.serviceVIPs(ctx, out.Node.Manager)
	return out, nil
}

func swarmNode(i swarm.Info) *topo.SwarmNode {
	n := &topo.SwarmNode{
		NodeID: i.NodeID, Addr: i.NodeAddr, Manager: i.ControlAvailable,
		State: string(i.LocalNodeState), Nodes: i.Nodes, Managers: i.Managers,
	}
	if i.Cluster != nil {
		n.ClusterID = i.Cluster.ID
		n.DataPathPort = int(i.Cluster.DataPathPort)
	}
	return n
}

// netnsDir is the directory of a running container's sandbox file, or
// Docker's default when no container runs.
func (s *Source) netnsDir(ctx context.Context) string {
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	list, err := s.cli.ContainerList(cctx, container.ListOptions{Limit: 1, Filters: filters.NewArgs(filters.Arg("status", "running"))})
	if err != nil || len(list) == 0 {
		return inspect.DefaultNetnsDir
	}
	c, err := s.cli.ContainerInspect(cctx, list[0].ID)
	if err != nil || c.NetworkSettings == nil || c.NetworkSettings.SandboxKey == "" {
		return inspect.DefaultNetnsDir
	}
	return filepath.Dir(c.NetworkSettings.SandboxKey)
}

// serviceVIPs reads each swarm-scoped network verbosely (its services'
// VIPs and the tasks this node knows of), and, on a manager, the services
// themselves for their IDs and published ports.
func (s *Source) serviceVIPs(ctx context.Context, manager bool) (map[string][]topo.ServiceVIP, []topo.Warning) {
	var warn []topo.Warning
	cctx, cancel := s.callCtx(ctx)
	nets, err := s.cli.NetworkList(cctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("scope", "swarm"))})
	cancel()
	if err != nil {
		return nil, []topo.Warning{{Code: "swarm-services-unreadable", Message: fmt.Sprintf("cannot list the swarm's networks: %v", err)}}
	}
	services := map[string]swarm.Service{}
	if manager {
		cctx, cancel := s.callCtx(ctx)
		list, err := s.cli.ServiceList(cctx, swarm.ServiceListOptions{})
		cancel()
		if err != nil {
			warn = append(warn, topo.Warning{Code: "swarm-services-unreadable", Message: fmt.Sprintf("cannot list the swarm's services (their published ports are missing): %v", err)})
		}
		for _, svc := range list {
			services[svc.Spec.Name] = svc
		}
	}
	out := map[string][]topo.ServiceVIP{}
	for _, n := range nets {
		cctx, cancel := s.callCtx(ctx)
		res, err := s.cli.NetworkInspect(cctx, n.ID, network.InspectOptions{Verbose: true})
		cancel()
		if err != nil {
			warn = append(warn, topo.Warning{Code: "swarm-services-unreadable", Subject: n.Name, Message: fmt.Sprintf("cannot read the services of network %q: %v", n.Name, err)})
			continue
		}
		if vips := networkVIPs(res, services); len(vips) > 0 {
			out[n.ID] = vips
		}
	}
	return out, warn
}

// networkVIPs are the services of one verbosely inspected network. The
// ingress network carries the services' published ports.
func networkVIPs(n network.Inspect, services map[string]swarm.Service) []topo.ServiceVIP {
	var out []topo.ServiceVIP
	for name, si := range n.Services {
		if name == "" {
			continue // the network's own load-balancer endpoint
		}
		v := topo.ServiceVIP{Service: name, VIP: si.VIP}
		for _, t := range si.Tasks {
			if t.EndpointIP != "" {
				v.Tasks = append(v.Tasks, t.EndpointIP)
			}
		}
		slices.Sort(v.Tasks)
		if svc, ok := services[name]; ok {
			v.ServiceID = svc.ID
			if svc.Spec.EndpointSpec != nil {
				v.EndpointMode = string(svc.Spec.EndpointSpec.Mode)
			}
			if n.Ingress {
				v.Ports = servicePorts(svc.Endpoint.Ports)
			}
			if v.VIP == "" {
				v.VIP = serviceVIP(svc, n.ID)
			}
		}
		if v.VIP != "" && !strings.Contains(v.VIP, "/") {
			v.VIP = vipCIDR(v.VIP, n)
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b topo.ServiceVIP) int { return strings.Compare(a.Service, b.Service) })
	return out
}

func servicePorts(ps []swarm.PortConfig) []topo.ServicePort {
	var out []topo.ServicePort
	for _, p := range ps {
		out = append(out, topo.ServicePort{Published: int(p.PublishedPort), Target: int(p.TargetPort), Protocol: string(p.Protocol), Mode: string(p.PublishMode)})
	}
	return out
}

func serviceVIP(svc swarm.Service, netID string) string {
	for _, v := range svc.Endpoint.VirtualIPs {
		if v.NetworkID == netID {
			return v.Addr
		}
	}
	return ""
}

// vipCIDR gives a bare VIP the prefix length of the network's subnet
// that holds it.
func vipCIDR(ip string, n network.Inspect) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	for _, c := range n.IPAM.Config {
		if p, err := netip.ParsePrefix(c.Subnet); err == nil && p.Contains(a) {
			return netip.PrefixFrom(a, p.Bits()).String()
		}
	}
	return ip
}
