package pathfind

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/netviz/netviz/topo"
)

// endpoint is a resolved SRC or DST.
type endpoint struct {
	input     string
	container *topo.Container
	host      bool
	addr      netip.Addr // the address used (a container's chosen one)
	port      int
}

func (e endpoint) label() string {
	switch {
	case e.container != nil:
		return e.container.Name
	case e.host:
		return "host"
	}
	return e.addr.String()
}

func resolve(s *topo.Snapshot, in string) (endpoint, error) {
	e := endpoint{input: in}
	if in == "host" {
		e.host = true
		return e, nil
	}
	if c, ok := s.Container(in); ok {
		e.container = c
		return e, nil
	}
	addrText := in
	if ap, err := netip.ParseAddrPort(in); err == nil {
		addrText, e.port = ap.Addr().String(), int(ap.Port())
	}
	a, err := netip.ParseAddr(addrText)
	if err != nil {
		return e, fmt.Errorf("%w %q: want a container name or ID, a Swarm service, an IP, IP:port, or host", ErrUnknownEndpoint, in)
	}
	e.addr = a.Unmap()
	for i := range s.Containers {
		c := &s.Containers[i]
		for _, ep := range c.Endpoints {
			for _, cidr := range append([]string{ep.IPv4}, ep.IPv6...) {
				if p, err := netip.ParsePrefix(cidr); err == nil && p.Addr() == e.addr {
					e.container = c
					return e, nil
				}
			}
		}
	}
	if hostOwns(s, e.addr) {
		e.host = true
	}
	return e, nil
}

func hostOwns(s *topo.Snapshot, a netip.Addr) bool {
	if a.IsLoopback() || a.IsUnspecified() {
		return true
	}
	for _, i := range s.Interfaces {
		for _, cidr := range i.Addresses {
			if p, err := netip.ParsePrefix(cidr); err == nil && p.Addr() == a {
				return true
			}
		}
	}
	return false
}

// attachment is one container interface on a network.
type attachment struct {
	network  *topo.Network
	addr     netip.Addr
	iface    string // inside the container
	hostVeth string
	bridge   string // the host veth's actual master
	// hostNS is, for an overlay leg, the sandbox namespace its veth is in.
	hostNS string
}

func (w *walker) attachments(c *topo.Container) []attachment {
	var out []attachment
	for _, ep := range c.Endpoints {
		n, ok := w.s.Network(ep.Network)
		if !ok {
			continue
		}
		a := attachment{network: n}
		if w.family == 6 {
			for _, cidr := range ep.IPv6 {
				if p, err := netip.ParsePrefix(cidr); err == nil && !p.Addr().IsLinkLocalUnicast() && !a.addr.IsValid() {
					a.addr = p.Addr()
				}
			}
		} else if p, err := netip.ParsePrefix(ep.IPv4); err == nil {
			a.addr = p.Addr()
		}
		for _, p := range w.s.Pairs {
			if p.Container == c.Name && strings.EqualFold(p.MAC, ep.MAC) {
				a.iface, a.hostVeth, a.bridge, a.hostNS = p.ContainerInterface, p.HostInterface, p.Bridge, p.HostNamespace
			}
		}
		if a.iface == "" {
			for _, i := range c.Interfaces {
				if ep.MAC != "" && strings.EqualFold(i.MAC, ep.MAC) {
					a.iface = i.Name
				}
			}
		}
		out = append(out, a)
	}
	return out
}
