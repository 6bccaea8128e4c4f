package docker

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/network"

	"github.com/netviz/netviz/topo"
)

// Networks lists the daemon's networks, sorted by name. The list alone is
// enough: since API 1.21 it carries IPAM and driver options, and only the
// per-network container map (which this does not need) is left empty.
func (s *Source) Networks(ctx context.Context) ([]topo.Network, error) {
	if err := s.negotiate(ctx); err != nil {
		return nil, err
	}
	cctx, cancel := s.callCtx(ctx)
	list, err := s.cli.NetworkList(cctx, network.ListOptions{})
	cancel()
	if err != nil {
		return nil, s.wrapErr(ctx, "list networks", err)
	}
	byName := make(map[string]*network.Summary, 2*len(list))
	for i := range list {
		byName[list[i].Name] = &list[i]
		byName[list[i].ID] = &list[i]
	}
	delete(byName, "")
	out := make([]topo.Network, 0, len(list))
	for _, n := range list {
		out = append(out, convertNetwork(n, byName))
	}
	slices.SortFunc(out, func(a, b topo.Network) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Driver options that name host links.
const (
	optBridgeName = "com.docker.network.bridge.name"
	optParent     = "parent"
)

func convertNetwork(n network.Summary, byName map[string]*network.Summary) topo.Network {
	out := topo.Network{
		Name:     n.Name,
		ID:       n.ID,
		Driver:   n.Driver,
		Scope:    n.Scope,
		Internal: n.Internal,
		IPv6:     n.EnableIPv6,
	}
	if len(n.Labels) > 0 {
		out.Labels = maps.Clone(n.Labels)
	}
	out.Subnets = subnets(n.IPAM)
	// A network created with --config-from may keep its driver options
	// and IPAM on the config-only network it names.
	from := byName[n.ConfigFrom.Network]
	if from != nil && len(out.Subnets) == 0 {
		out.Subnets = subnets(from.IPAM)
	}
	if from != nil && len(from.Options) > 0 || len(n.Options) > 0 {
		out.Options = map[string]string{}
		if from != nil {
			maps.Copy(out.Options, from.Options)
		}
		maps.Copy(out.Options, n.Options)
	}
	opt := func(key string) string {
		if v := n.Options[key]; v != "" || from == nil {
			return v
		}
		return from.Options[key]
	}
	switch n.Driver {
	case "bridge":
		// The default network carries the option ("docker0"); user networks
		// carry it only when created with -o com.docker.network.bridge.name.
		out.Bridge = opt(optBridgeName)
		if out.Bridge == "" {
			out.Bridge = "br-" + shortID(n.ID)
		}
	case "macvlan", "ipvlan":
		out.Parent = opt(optParent)
		if out.Parent == "" {
			// Without -o parent, libnetwork makes a dummy link as the parent:
			// "dm-" (macvlan) or "di-" (ipvlan) and the network's short ID.
			prefix := "dm-"
			if n.Driver == "ipvlan" {
				prefix = "di-"
			}
			out.Parent = prefix + shortID(n.ID)
		}
	}
	return out
}

func subnets(ipam network.IPAM) []topo.Subnet {
	var out []topo.Subnet
	for _, c := range ipam.Config {
		if c.Subnet != "" {
			out = append(out, topo.Subnet{Subnet: c.Subnet, Gateway: c.Gateway})
		}
	}
	return out
}
