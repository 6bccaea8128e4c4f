package topo

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Errors returned by Filter for a name that is not in the snapshot.
var (
	ErrUnknownContainer = errors.New("no such container")
	ErrUnknownNetwork   = errors.New("no such network")
	ErrUnknownProject   = errors.New("no such compose project")
)

// Filter selects part of a snapshot. Empty fields select everything.
type Filter struct {
	Network   string // Docker network name or ID
	Container string // container name or ID
	// Project is a Docker Compose project: its containers (and those in
	// their namespaces), and its networks even when nothing is on them.
	Project string
}

// Empty reports whether the filter selects everything.
func (f Filter) Empty() bool { return f.Network == "" && f.Container == "" && f.Project == "" }

// Apply returns a copy of s that keeps only what the filter selects: the
// containers (with everyone sharing their namespace), their pairs, networks
// and bridges, and the host links those hang on (uplink, bridges, host veths,
// macvlan parents). s itself is not changed.
func (f Filter) Apply(s *Snapshot) (*Snapshot, error) {
	if f.Empty() {
		return s, nil
	}
	k, err := f.keeper(s)
	if err != nil {
		return nil, err
	}
	// Each step reads what the earlier ones kept, and bridges keep only the
	// ports noted by then: the order matters.
	out := *s
	out.Containers = k.containers()
	out.Pairs = k.pairs(out.Containers)
	var bridges map[string]bool
	out.Networks, bridges = k.networks(out.Containers)
	out.Bridges = k.bridges(bridges)
	out.Interfaces = k.interfaces(out.Containers)
	out.Overlays = keptOverlays(s.Overlays, out.Networks)
	out.Namespaces = k.namespaces(out.Containers, out.Pairs, out.Overlays)
	out.IPVS = keptIPVS(s.IPVS, out.Namespaces)
	out.Sort()
	return &out, nil
}

// keeper holds what Apply selects by, and the host links the parts kept so
// far hang on.
type keeper struct {
	s         *Snapshot
	network   *Network   // nil: any network
	owner     *Container // nil: any container; else the namespace's owner
	project   string     // "": any project
	hostLinks map[string]bool
}

// keeper looks up the filter's network and container in s. A container
// that shares another's namespace stands for its owner.
func (f Filter) keeper(s *Snapshot) (*keeper, error) {
	k := &keeper{s: s, hostLinks: map[string]bool{}}
	if f.Network != "" {
		n, ok := s.Network(f.Network)
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownNetwork, f.Network)
		}
		k.network = n
	}
	if f.Container != "" {
		c, ok := s.Container(f.Container)
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownContainer, f.Container)
		}
		k.owner = c
		if c.SharesNamespaceWith != "" {
			if o, ok := s.Container(c.SharesNamespaceWith); ok {
				k.owner = o
			}
		}
	}
	if f.Project != "" {
		known := s.Projects()
		if !slices.Contains(known, f.Project) {
			if len(known) == 0 {
				return nil, fmt.Errorf("%w: %q (nothing here was made by Docker Compose)", ErrUnknownProject, f.Project)
			}
			return nil, fmt.Errorf("%w: %q (known: %s)", ErrUnknownProject, f.Project, strings.Join(known, ", "))
		}
		k.project = f.Project
	}
	return k, nil
}

func (k *keeper) containers() []Container {
	var kept []Container
	for _, c := range k.s.Containers {
		if k.owner != nil && !sameNamespace(c, k.owner) {
			continue
		}
		if k.project != "" && !inProject(c, k.project, k.s) {
			continue
		}
		if k.network != nil && !onNetwork(c, k.network.Name, k.s) {
			continue
		}
		kept = append(kept, c)
	}
	return kept
}

// pairs keeps the kept containers' pairs on the network, and notes their
// host veths.
func (k *keeper) pairs(containers []Container) []Pair {
	keepContainer := map[string]bool{}
	for _, c := range containers {
		keepContainer[c.Name] = true
	}
	var kept []Pair
	for _, p := range k.s.Pairs {
		if (k.owner != nil || k.project != "") && !keepContainer[p.Container] {
			continue
		}
		if k.network != nil && p.Network != k.network.Name && (p.Bridge == "" || p.Bridge != k.network.Bridge) {
			continue
		}
		kept = append(kept, p)
		k.hostLinks[p.HostInterface] = true
	}
	return kept
}

// networks keeps the filter's network, or else those the kept containers
// are on; it notes their parents and returns the names of their bridges.
func (k *keeper) networks(containers []Container) ([]Network, map[string]bool) {
	keepNet := map[string]bool{}
	if k.network != nil {
		keepNet[k.network.Name] = true
	} else {
		for _, c := range containers {
			for _, e := range c.Endpoints {
				keepNet[e.Network] = true
			}
		}
		for _, n := range k.s.Networks {
			if k.project != "" && n.Compose != nil && n.Compose.Project == k.project {
				keepNet[n.Name] = true
			}
		}
	}
	var kept []Network
	keepBridge := map[string]bool{}
	for _, n := range k.s.Networks {
		if !keepNet[n.Name] {
			continue
		}
		kept = append(kept, n)
		if n.Bridge != "" {
			keepBridge[n.Bridge] = true
		}
		if n.Parent != "" {
			k.hostLinks[n.Parent] = true
		}
	}
	return kept, keepBridge
}

// bridges keeps the named bridges with only the ports noted so far, and
// notes the bridges.
func (k *keeper) bridges(names map[string]bool) []Bridge {
	var kept []Bridge
	for _, b := range k.s.Bridges {
		if names[b.Name] {
			b.Ports = slices.DeleteFunc(slices.Clone(b.Ports), func(p string) bool { return !k.hostLinks[p] })
			kept = append(kept, b)
			k.hostLinks[b.Name] = true
		}
	}
	return kept
}

// interfaces keeps the host links noted, the kept containers' macvlan and
// ipvlan parents, the uplink and loopback.
func (k *keeper) interfaces(containers []Container) []Interface {
	for _, c := range containers {
		for _, i := range c.Interfaces {
			if i.Parent != "" {
				k.hostLinks[i.Parent] = true
			}
		}
	}
	k.hostLinks[k.s.Host.Uplink] = true
	var kept []Interface
	for _, i := range k.s.Interfaces {
		if k.hostLinks[i.Name] || i.Kind == KindLoopback {
			kept = append(kept, i)
		}
	}
	return kept
}

// namespaces keeps the host's and those of the kept containers and pairs
// (both ends: a pair's "host" end may be in an overlay sandbox), and the
// kept overlays' sandboxes.
func (k *keeper) namespaces(containers []Container, pairs []Pair, overlays []Overlay) []Namespace {
	keepNSID := map[string]bool{k.s.Host.Namespace: true}
	for _, c := range containers {
		keepNSID[c.Namespace] = true
	}
	for _, p := range pairs {
		keepNSID[p.Namespace] = true
		if p.HostNamespace != "" {
			keepNSID[p.HostNamespace] = true
		}
	}
	for _, o := range overlays {
		keepNSID[o.Namespace] = true
	}
	var kept []Namespace
	for _, ns := range k.s.Namespaces {
		if keepNSID[ns.ID] {
			kept = append(kept, ns)
		}
	}
	return kept
}

// sameNamespace reports whether c is owner or lives in owner's namespace.
func sameNamespace(c Container, owner *Container) bool {
	return c.Name == owner.Name || c.SharesNamespaceWith == owner.Name ||
		owner.Namespace != "" && c.Namespace == owner.Namespace
}

// inProject reports whether c, or the container whose namespace it joined,
// belongs to the compose project.
func inProject(c Container, project string, s *Snapshot) bool {
	if c.Project() == project {
		return true
	}
	if c.SharesNamespaceWith != "" {
		if o, ok := s.Container(c.SharesNamespaceWith); ok && o.Name != c.Name {
			return o.Project() == project
		}
	}
	return false
}

func onNetwork(c Container, network string, s *Snapshot) bool {
	for _, e := range c.Endpoints {
		if e.Network == network {
			return true
		}
	}
	// A container in another's namespace is on whatever its owner is on.
	if c.SharesNamespaceWith != "" {
		if o, ok := s.Container(c.SharesNamespaceWith); ok && o.Name != c.Name {
			for _, e := range o.Endpoints {
				if e.Network == network {
					return true
				}
			}
		}
	}
	return false
}

// keptOverlays are the overlays of the kept networks.
func keptOverlays(overlays []Overlay, networks []Network) []Overlay {
	var kept []Overlay
	for _, o := range overlays {
		if slices.ContainsFunc(networks, func(n Network) bool { return n.Name == o.Network }) {
			kept = append(kept, o)
		}
	}
	return kept
}

// keptIPVS are the IPVS services of the kept namespaces.
func keptIPVS(services []VirtualService, namespaces []Namespace) []VirtualService {
	var kept []VirtualService
	for _, v := range services {
		if slices.ContainsFunc(namespaces, func(n Namespace) bool { return n.ID == v.Namespace }) {
			kept = append(kept, v)
		}
	}
	return kept
}
