// Package diagnose finds what is misconfigured in a host's container
// networking. Each check is a pure function of a topo.Snapshot; it sends no
// packet and changes nothing. Finding IDs are stable: scripts and the docs
// (docs/troubleshooting.md) refer to them.
package diagnose

import (
	"net/netip"
	"slices"

	"github.com/netviz/netviz/topo"
)

// Finding IDs.
const (
	IPForwardDisabled        = "ip-forward-disabled"
	BridgeDown               = "bridge-down"
	VethNoMaster             = "veth-no-master"
	VethDown                 = "veth-down"
	OrphanVeth               = "orphan-veth"
	EndpointWithoutInterface = "endpoint-without-interface"
	MTUMismatch              = "mtu-mismatch"
	SubnetOverlap            = "subnet-overlap"
	MissingMasquerade        = "missing-masquerade"
	ForwardDrop              = "forward-drop"
	PublishedPortMismatch    = "published-port-mismatch"
	IptablesBackendSplit     = "iptables-backend-split"
	NoDefaultRoute           = "no-default-route"
	OverlayMTU               = "overlay-mtu"
	SwarmPortsBlocked        = "swarm-ports-blocked"
	OverlayPartitioned       = "overlay-partitioned"
)

// Finding is the model's finding: diagnose makes them, render draws them.
type Finding = topo.Finding

// Check is one check.
type Check func(s *topo.Snapshot) []Finding

// checks are all checks, in the order they run.
func checks() []Check {
	return []Check{
		checkIPForward, checkBridges, checkVeths, checkEndpoints, checkMTU, checkSubnets,
		checkMasquerade, checkForward, checkPublishedPorts, checkBackendSplit, checkDefaultRoute,
		checkOverlayMTU, checkSwarmPorts, checkOverlayPartitioned,
	}
}

// Run runs every check and returns the findings sorted by severity, ID, subject.
func Run(s *topo.Snapshot) []Finding {
	out := []Finding{}
	for _, c := range checks() {
		out = append(out, c(s)...)
	}
	slices.SortFunc(out, topo.CompareFindings)
	return out
}

// HasErrors reports whether any finding is at error level.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == topo.SeverityError })
}

// Within keeps the findings that concern what sub holds — sub being a
// filtered view (topo.Filter) of the snapshot the findings were made from —
// and those about the whole host (the host itself, its settings such as
// ip_forward and the firewall backends, the uplink), which concern every
// part of it. Checks must see the whole host: a DNAT rule to another
// network's container is not stale just because that container was
// filtered out.
func Within(fs []Finding, sub *topo.Snapshot) []Finding {
	v := newView(sub)
	var out []Finding
	for _, f := range fs {
		if (len(f.Subject) > 0 && v.hostWide(f.Subject[0])) || slices.ContainsFunc(f.Subject, v.has) {
			out = append(out, f)
		}
	}
	return out
}

// view is what a filtered snapshot draws, to tell which refs it holds.
type view struct {
	hostNS, uplink string
	containers     map[string]bool
	networks       map[string]bool
	// links are the host namespace's links in the view, bridges included.
	links   map[string]bool
	subnets []netip.Prefix
}

func newView(sub *topo.Snapshot) *view {
	v := &view{hostNS: sub.Host.Namespace, uplink: sub.Host.Uplink,
		containers: map[string]bool{}, networks: map[string]bool{}, links: map[string]bool{}}
	for _, c := range sub.Containers {
		v.containers[c.Name] = true
	}
	for _, n := range sub.Networks {
		v.networks[n.Name] = true
		if n.Bridge != "" {
			v.links[n.Bridge] = true
		}
		for _, sn := range n.Subnets {
			if p, err := netip.ParsePrefix(sn.Subnet); err == nil {
				v.subnets = append(v.subnets, p.Masked())
			}
		}
	}
	for _, p := range sub.Pairs {
		v.links[p.HostInterface] = true
	}
	for _, i := range sub.Interfaces {
		// Every view keeps the uplink; a finding that merely mentions it
		// (an MTU below another bridge's) is not about this view.
		if i.Name != sub.Host.Uplink {
			v.links[i.Name] = true
		}
	}
	return v
}

// hostWide reports whether a finding whose first subject is r concerns the
// whole host.
func (v *view) hostWide(r topo.Ref) bool {
	switch r.Kind {
	case topo.RefHost, topo.RefSetting:
		return true
	case topo.RefInterface:
		return r.InHost(v.hostNS) && r.Name == v.uplink && r.Name != ""
	}
	return false
}

// has reports whether the view draws what r points at.
func (v *view) has(r topo.Ref) bool {
	switch r.Kind {
	case topo.RefContainer:
		return v.containers[r.Name]
	case topo.RefNetwork:
		return v.networks[r.Name]
	case topo.RefBridge:
		return v.links[r.Name]
	case topo.RefInterface:
		if r.Container != "" {
			return v.containers[r.Container]
		}
		return r.InHost(v.hostNS) && v.links[r.Name]
	case topo.RefAddress:
		a, err := netip.ParseAddr(r.Name)
		return err == nil && slices.ContainsFunc(v.subnets, func(p netip.Prefix) bool { return p.Contains(a) })
	}
	return false
}

// ifaceRef points at a host link by name: a bridge when it is one.
func ifaceRef(s *topo.Snapshot, name string) topo.Ref {
	if slices.ContainsFunc(s.Bridges, func(b topo.Bridge) bool { return b.Name == name }) {
		return topo.BridgeRef(name)
	}
	if _, docker := dockerBridges(s)[name]; docker {
		return topo.BridgeRef(name)
	}
	return s.HostInterfaceRef(name)
}

// dockerBridges maps bridge name → network, for bridge-driver networks.
func dockerBridges(s *topo.Snapshot) map[string]*topo.Network {
	m := map[string]*topo.Network{}
	for i := range s.Networks {
		if n := &s.Networks[i]; n.Driver == "bridge" && n.Bridge != "" {
			m[n.Bridge] = n
		}
	}
	return m
}

func running(c *topo.Container) bool {
	return c.State == topo.StateRunning || c.State == topo.StatePaused
}

// inUse reports whether a running container has an endpoint on the network.
func inUse(s *topo.Snapshot, network string) bool {
	for i := range s.Containers {
		c := &s.Containers[i]
		if !running(c) {
			continue
		}
		for _, e := range c.Endpoints {
			if e.Network == network {
				return true
			}
		}
	}
	return false
}
