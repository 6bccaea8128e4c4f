package diagnose

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/netviz/netviz/topo"
)

func checkBridges(s *topo.Snapshot) []Finding {
	var out []Finding
	for _, n := range s.Networks {
		if n.Driver != "bridge" || n.Bridge == "" {
			continue
		}
		i, ok := s.HostInterface(n.Bridge)
		switch {
		case !ok && len(s.Interfaces) > 0 && inUse(s, n.Name):
			out = append(out, Finding{ID: BridgeDown, Severity: topo.SeverityError, Subject: []topo.Ref{topo.BridgeRef(n.Bridge), topo.NetworkRef(n.Name)},
				Message: fmt.Sprintf("network %q should have the Linux bridge %s, but the host has no such interface", n.Name, n.Bridge),
				Fix:     "systemctl restart docker  (Docker recreates its bridges)"})
		case ok && !i.Up:
			sev := topo.SeverityWarning
			if inUse(s, n.Name) {
				sev = topo.SeverityError
			}
			out = append(out, Finding{ID: BridgeDown, Severity: sev, Subject: []topo.Ref{topo.BridgeRef(n.Bridge), topo.NetworkRef(n.Name)},
				Message: fmt.Sprintf("the bridge %s of network %q is administratively down: nothing crosses it, so its containers cannot talk to each other or leave the host", n.Bridge, n.Name),
				Fix:     fmt.Sprintf("ip link set %s up", n.Bridge)})
		}
	}
	return out
}

func checkVeths(s *topo.Snapshot) []Finding {
	var out []Finding
	bridges := dockerBridges(s)
	for _, p := range s.Pairs {
		if p.HostNamespace != "" {
			// A veth in one of Docker's own namespaces (an overlay
			// sandbox's br0): not a host link, and Docker's to manage.
			continue
		}
		if p.Container == "" {
			if _, docker := bridges[p.Bridge]; docker && !dockersOwn(s, p) {
				out = append(out, Finding{ID: OrphanVeth, Severity: topo.SeverityWarning, Subject: []topo.Ref{s.HostInterfaceRef(p.HostInterface), topo.BridgeRef(p.Bridge)},
					Message: fmt.Sprintf("%s is plugged into Docker's bridge %s, but its other end is in no container: a leftover of a crashed container or a hand-made link", p.HostInterface, p.Bridge),
					Fix:     fmt.Sprintf("ip link delete %s", p.HostInterface)})
			}
			continue
		}
		n, ok := s.Network(p.Network)
		if ok && n.Driver == "bridge" && n.Bridge != "" && p.Bridge != n.Bridge {
			where := "is attached to no bridge"
			if p.Bridge != "" {
				where = "is attached to " + p.Bridge
			}
			out = append(out, Finding{ID: VethNoMaster, Severity: topo.SeverityError, Subject: []topo.Ref{topo.ContainerRef(p.Container), s.HostInterfaceRef(p.HostInterface), topo.BridgeRef(n.Bridge)},
				Message: fmt.Sprintf("%s:%s's host end %s %s instead of %s, so %s is cut off from network %q", p.Container, p.ContainerInterface, p.HostInterface, where, n.Bridge, p.Container, n.Name),
				Fix:     fmt.Sprintf("ip link set %s master %s", p.HostInterface, n.Bridge)})
		}
		if h, ok := s.HostInterface(p.HostInterface); ok && !h.Up {
			out = append(out, Finding{ID: VethDown, Severity: topo.SeverityError, Subject: []topo.Ref{topo.ContainerRef(p.Container), s.HostInterfaceRef(p.HostInterface)},
				Message: fmt.Sprintf("the host end %s of %s:%s is down, so no packet passes between the container and its bridge", p.HostInterface, p.Container, p.ContainerInterface),
				Fix:     fmt.Sprintf("ip link set %s up", p.HostInterface)})
		}
		if c, ok := s.Container(p.Container); ok {
			for _, i := range c.Interfaces {
				if i.Name == p.ContainerInterface && i.Index == p.ContainerIfindex && !i.Up {
					out = append(out, Finding{ID: VethDown, Severity: topo.SeverityError, Subject: []topo.Ref{s.ContainerInterfaceRef(p.Container, p.ContainerInterface)},
						Message: fmt.Sprintf("%s is down inside %s, so the container cannot use network %q", p.ContainerInterface, p.Container, p.Network),
						Fix:     fmt.Sprintf("nsenter -t $(docker inspect -f '{{.State.Pid}}' %s) -n ip link set %s up", p.Container, p.ContainerInterface)})
				}
			}
		}
	}
	return out
}

// dockersOwn reports whether a veth with no container belongs to Docker
// itself: the leg of ingress_sbox or of a load balancer on
// docker_gwbridge. On a swarm node whose Docker namespaces could not be
// read, a docker_gwbridge veth with an unknown peer may be one of those:
// deleting it would break the routing mesh, so it is not called an
// orphan either.
func dockersOwn(s *topo.Snapshot, p topo.Pair) bool {
	if p.Sandbox != "" {
		return true
	}
	return s.Swarm != nil && p.Bridge == topo.NetworkGWBridge && p.Namespace == ""
}

func checkEndpoints(s *topo.Snapshot) []Finding {
	var out []Finding
	for i := range s.Containers {
		c := &s.Containers[i]
		// Only where the kernel's view was read: a running owner of its namespace.
		if !running(c) || c.Namespace == "" || c.SharesNamespaceWith != "" || len(c.Interfaces) == 0 || c.NetworkMode == "host" {
			continue
		}
		for _, e := range c.Endpoints {
			n, ok := s.Network(e.Network)
			if !ok || (n.Driver != "bridge" && n.Driver != "macvlan" && n.Driver != "ipvlan") {
				continue
			}
			if !slices.ContainsFunc(c.Interfaces, func(i topo.Interface) bool { return endpointIs(e, i) }) {
				out = append(out, Finding{ID: EndpointWithoutInterface, Severity: topo.SeverityError, Subject: []topo.Ref{topo.ContainerRef(c.Name), topo.NetworkRef(e.Network)},
					Message: fmt.Sprintf("Docker says %s is on network %q (%s), but the container has no interface with that address: the kernel side of the endpoint is gone", c.Name, e.Network, cmp.Or(e.IPv4, e.MAC)),
					Fix:     fmt.Sprintf("docker network disconnect -f %s %s && docker network connect %s %s  (or docker restart %s)", e.Network, c.Name, e.Network, c.Name, c.Name)})
			}
		}
	}
	return out
}

func endpointIs(e topo.Endpoint, i topo.Interface) bool {
	if e.MAC != "" && strings.EqualFold(e.MAC, i.MAC) {
		return true
	}
	return e.IPv4 != "" && slices.Contains(i.Addresses, e.IPv4)
}

func checkMTU(s *topo.Snapshot) []Finding {
	up, ok := s.UplinkInterface()
	if !ok || up.MTU == 0 {
		return nil
	}
	var out []Finding
	for _, b := range s.Bridges {
		if n := dockerBridges(s)[b.Name]; n != nil && b.MTU > up.MTU && len(b.Ports) > 0 {
			out = append(out, Finding{ID: MTUMismatch, Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.BridgeRef(b.Name), s.HostInterfaceRef(up.Name)},
				Message: fmt.Sprintf("bridge %s has MTU %d but the uplink %s only %d: large packets leaving the host are dropped or fragmented (TLS and big downloads hang)", b.Name, b.MTU, up.Name, up.MTU),
				Fix:     mtuFix(b.Name, n.Name, up.MTU)})
		}
	}
	for _, p := range s.Pairs {
		c, ok := s.Container(p.Container)
		if !ok {
			continue
		}
		// Said once per bridge above, unless the container's own MTU is larger still.
		brMTU := 0
		for _, b := range s.Bridges {
			if b.Name == p.Bridge {
				brMTU = b.MTU
			}
		}
		for _, i := range c.Interfaces {
			if i.Name == p.ContainerInterface && i.MTU > up.MTU && (brMTU <= up.MTU || i.MTU > brMTU) {
				fix := mtuFix(p.Bridge, p.Network, up.MTU)
				if brMTU != 0 {
					// Docker gives the container its network's MTU, so
					// one above the bridge's was raised inside it: a
					// network option would not lower it.
					fix = fmt.Sprintf("nsenter -t $(docker inspect -f '{{.State.Pid}}' %s) -n ip link set %s mtu %d  (and find what in the container raised it)", c.Name, i.Name, up.MTU)
				}
				out = append(out, Finding{ID: MTUMismatch, Severity: topo.SeverityWarning, Subject: []topo.Ref{s.ContainerInterfaceRef(c.Name, p.ContainerInterface), s.HostInterfaceRef(up.Name)},
					Message: fmt.Sprintf("%s:%s has MTU %d but the uplink %s only %d: large packets to the outside are dropped or fragmented", c.Name, i.Name, i.MTU, up.Name, up.MTU),
					Fix:     fix})
			}
		}
	}
	return out
}

func mtuFix(bridge, network string, mtu int) string {
	if bridge == "docker0" {
		return fmt.Sprintf("set \"mtu\": %d in /etc/docker/daemon.json and restart Docker", mtu)
	}
	return fmt.Sprintf("recreate network %q with -o com.docker.network.driver.mtu=%d", network, mtu)
}
