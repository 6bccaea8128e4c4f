package topo

import (
	"errors"
	"fmt"
	"slices"
)

// Errors returned by Filter for a name that is not in the snapshot.
var (
	ErrUnknownContainer = errors.New("no such container")
	ErrUnknownNetwork   = errors.New("no such network")
)

// Filter selects part of a snapshot. Empty fields select everything.
type Filter struct {
	Network   string // Docker network name or ID
	Container string // container name or ID
}

// Empty reports whether the filter selects everything.
func (f Filter) Empty() bool { return f.Network == "" && f.Container == "" }

// Apply returns a copy of s that keeps only what the filter selects: the
// containers (with everyone sharing their namespace), their pairs, networks
// and bridges, and the host links those hang on (uplink, bridges, host veths,
// macvlan parents). s itself is not changed.
func (f Filter) Apply(s *Snapshot) (*Snapshot, error) {
	if f.Empty() {
		return s, nil
	}
	var network *Network
	if f.Network != "" {
		n, ok := s.Network(f.Network)
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownNetwork, f.Network)
		}
		network = n
	}
	var owner *Container
	if f.Container != "" {
		c, ok := s.Container(f.Container)
		if !ok {
			return nil, fmt.Errorf("%w: %q", ErrUnknownContainer, f.Container)
		}
		owner = c
		if c.SharesNamespaceWith != "" {
			if o, ok := s.Container(c.SharesNamespaceWith); ok {
				owner = o
			}
		}
	}

	out := *s
	out.Containers = nil
	keepContainer := map[string]bool{}
	for _, c := range s.Containers {
		if owner != nil && !sameNamespace(c, owner) {
			continue
		}
		if network != nil && !onNetwork(c, network.Name, s) {
			continue
		}
		keepContainer[c.Name] = true
		out.Containers = append(out.Containers, c)
	}

	out.Pairs = nil
	keepHostLink := map[string]bool{}
	for _, p := range s.Pairs {
		if owner != nil && !keepContainer[p.Container] {
			continue
		}
		if network != nil && p.Network != network.Name && (p.Bridge == "" || p.Bridge != network.Bridge) {
			continue
		}
		out.Pairs = append(out.Pairs, p)
		keepHostLink[p.HostInterface] = true
	}

	keepNet := map[string]bool{}
	if network != nil {
		keepNet[network.Name] = true
	} else {
		for _, c := range out.Containers {
			for _, e := range c.Endpoints {
				keepNet[e.Network] = true
			}
		}
	}
	out.Networks = nil
	keepBridge := map[string]bool{}
	for _, n := range s.Networks {
		if !keepNet[n.Name] {
			continue
		}
		out.Networks = append(out.Networks, n)
		if n.Bridge != "" {
			keepBridge[n.Bridge] = true
		}
		if n.Parent != "" {
			keepHostLink[n.Parent] = true
		}
	}
	out.Bridges = nil
	for _, b := range s.Bridges {
		if keepBridge[b.Name] {
			b.Ports = slices.DeleteFunc(slices.Clone(b.Ports), func(p string) bool { return !keepHostLink[p] })
			out.Bridges = append(out.Bridges, b)
			keepHostLink[b.Name] = true
		}
	}
	for _, c := range out.Containers {
		for _, i := range c.Interfaces {
			if i.Parent != "" {
				keepHostLink[i.Parent] = true
			}
		}
	}
	keepHostLink[s.Host.Uplink] = true
	out.Interfaces = nil
	for _, i := range s.Interfaces {
		if keepHostLink[i.Name] || i.Kind == KindLoopback {
			out.Interfaces = append(out.Interfaces, i)
		}
	}

	keepNSID := map[string]bool{s.Host.Namespace: true}
	for _, c := range out.Containers {
		keepNSID[c.Namespace] = true
	}
	for _, p := range out.Pairs {
		keepNSID[p.Namespace] = true
	}
	out.Namespaces = nil
	for _, ns := range s.Namespaces {
		if keepNSID[ns.ID] {
			out.Namespaces = append(out.Namespaces, ns)
		}
	}
	out.Sort()
	return &out, nil
}

// sameNamespace reports whether c is owner or lives in owner's namespace.
func sameNamespace(c Container, owner *Container) bool {
	return c.Name == owner.Name || c.SharesNamespaceWith == owner.Name ||
		owner.Namespace != "" && c.Namespace == owner.Namespace
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
