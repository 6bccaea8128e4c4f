package topo

import (
	"slices"
	"strings"
)

// Swarm and overlay networks (Docker's overlay driver).
//
// On a Swarm node Docker keeps network namespaces of its own that no
// process holds open, under <exec-root>/netns (/var/run/docker/netns): one
// sandbox per overlay network, "1-<first 10 of the network ID>", holding a
// bridge (br0), a VXLAN device and the far ends of the veths of the
// containers on that network; "ingress_sbox", the routing mesh's sandbox;
// and "lb_<network ID>" load balancers. They are listed in
// Snapshot.Namespaces with their Role; the overlays themselves, with what
// the kernel says of their tunnels, in Snapshot.Overlays.

// Roles of Docker's own network namespaces (Namespace.Role).
const (
	RoleOverlaySandbox = "overlay-sandbox" // 1-<netid>: br0, vxlan, container veths
	RoleIngressSandbox = "ingress-sandbox" // ingress_sbox: the routing mesh
	RoleLoadBalancer   = "load-balancer"   // lb_<netid>: a network's service VIPs
)

// Network drivers and names Swarm uses.
const (
	DriverOverlay   = "overlay"
	NetworkIngress  = "ingress"         // the routing mesh's overlay network
	NetworkGWBridge = "docker_gwbridge" // gives overlay containers their way out
	// OptOverlayEncrypted is set ("" or "true") on an encrypted overlay.
	OptOverlayEncrypted = "encrypted"
	// DefaultVXLANPort is the UDP port of Docker's VXLAN tunnels unless
	// `docker swarm init --data-path-port` chose another.
	DefaultVXLANPort = 4789
)

// SwarmNode is what this host is in a swarm; nil when it is in none.
type SwarmNode struct {
	NodeID    string `json:"nodeID"`
	ClusterID string `json:"clusterID,omitempty"`
	// Addr is the address the node advertises to the others, the local end
	// of its VXLAN tunnels unless a data path address was given.
	Addr     string `json:"addr"`
	DataAddr string `json:"dataAddr,omitempty"`
	Manager  bool   `json:"manager"`
	// State is the node's local state: "active", "pending", "error", ...
	State string `json:"state"`
	// Nodes and Managers count the swarm's nodes, as a manager knows them
	// (0 on a worker, which is not told).
	Nodes    int `json:"nodes,omitempty"`
	Managers int `json:"managers,omitempty"`
	// DataPathPort is the UDP port of the VXLAN tunnels when the swarm
	// chose one (0: DefaultVXLANPort).
	DataPathPort int `json:"dataPathPort,omitempty"`
	// NetnsDir is where the daemon keeps its own namespaces
	// (<exec-root>/netns), so that commands can enter them by file; ""
	// when unknown (then /var/run/docker/netns, the default).
	NetnsDir string `json:"netnsDir,omitempty"`
}

// VXLANPort is the UDP port the swarm's tunnels use.
func (n *SwarmNode) VXLANPort() int {
	if n == nil || n.DataPathPort == 0 {
		return DefaultVXLANPort
	}
	return n.DataPathPort
}

// Overlay is the part of one overlay network this node holds: its sandbox
// namespace with the bridge and the VXLAN tunnel to the other nodes.
type Overlay struct {
	Network   string `json:"network"`
	NetworkID string `json:"networkID"`
	// Ingress is true for the routing mesh's network.
	Ingress   bool `json:"ingress,omitempty"`
	Encrypted bool `json:"encrypted,omitempty"`
	// Namespace is the ID of the sandbox namespace (Snapshot.Namespaces),
	// NamespaceName its file name under the exec root ("1-abcdef0123").
	Namespace     string `json:"namespace"`
	NamespaceName string `json:"namespaceName"`
	// Bridge is the sandbox's bridge ("br0") and its MTU.
	Bridge string `json:"bridge"`
	MTU    int    `json:"mtu"`
	VXLAN  VXLAN  `json:"vxlan"`
	// Peers are the other nodes this node tunnels to, from the VXLAN
	// device's forwarding database and the sandbox's neighbour table.
	Peers []VTEPPeer `json:"peers"`
	// Services are the Swarm services with a virtual IP on this network.
	Services []ServiceVIP `json:"services,omitempty"`
}

// VXLAN is an overlay's tunnel device in its sandbox.
type VXLAN struct {
	Name string `json:"name"` // "vxlan0", or "vx-<vni>-<id>" on newer engines
	VNI  int    `json:"vni"`
	Port int    `json:"port"`
	// Local is the source address of the tunnel ("" when the kernel picks).
	Local string `json:"local,omitempty"`
	MTU   int    `json:"mtu"`
	State string `json:"state"`
}

// VTEPPeer is another node's end of an overlay's tunnel.
type VTEPPeer struct {
	// VTEP is the remote node's address.
	VTEP string `json:"vtep"`
	// MACs are the container MACs the forwarding database sends there.
	MACs []string `json:"macs,omitempty"`
	// IPs are the overlay addresses the neighbour table maps to those MACs.
	IPs []string `json:"ips,omitempty"`
}

// ServiceVIP is a Swarm service's virtual IP on one network, with the
// tasks behind it as far as this node knows them.
type ServiceVIP struct {
	Service   string `json:"service"`
	ServiceID string `json:"serviceID"`
	VIP       string `json:"vip"` // CIDR; "" in endpoint mode dnsrr
	// EndpointMode is EndpointDNSRR when Docker's DNS answers the
	// service's name with its tasks' addresses rather than a VIP; ""
	// (read on workers, which are not told) or "vip" otherwise.
	EndpointMode string `json:"endpointMode,omitempty"`
	// Ports are the service's published ports (ingress network only).
	Ports []ServicePort `json:"ports,omitempty"`
	// Tasks are the addresses of the service's tasks on this network.
	Tasks []string `json:"tasks,omitempty"`
}

// EndpointDNSRR is ServiceVIP.EndpointMode of a service without a VIP.
const EndpointDNSRR = "dnsrr"

// ServicePort is a port a Swarm service publishes through the routing mesh
// ("ingress") or on the node itself ("host").
type ServicePort struct {
	Published int    `json:"published"`
	Target    int    `json:"target"`
	Protocol  string `json:"protocol"`
	Mode      string `json:"mode"`
}

// VirtualService is one IPVS virtual service as the kernel holds it in a
// namespace (ingress_sbox, lb_<netid>, or a container's for a VIP).
type VirtualService struct {
	Namespace string `json:"namespace"`
	// Address:Port/Protocol, or FWMark for Docker's firewall-mark services.
	Address  string   `json:"address,omitempty"`
	Port     int      `json:"port,omitempty"`
	Protocol string   `json:"protocol,omitempty"`
	FWMark   int      `json:"fwmark,omitempty"`
	Reals    []string `json:"reals"` // "10.0.0.5:80"
}

// sortOverlays puts the overlays, their peers and services in their
// documented order.
func (s *Snapshot) sortOverlays() {
	slices.SortFunc(s.Overlays, func(a, b Overlay) int { return strings.Compare(a.Network, b.Network) })
	for i := range s.Overlays {
		o := &s.Overlays[i]
		o.Peers = nonNil(o.Peers)
		slices.SortFunc(o.Peers, func(a, b VTEPPeer) int { return strings.Compare(a.VTEP, b.VTEP) })
		slices.SortFunc(o.Services, func(a, b ServiceVIP) int { return strings.Compare(a.Service, b.Service) })
	}
	slices.SortFunc(s.IPVS, func(a, b VirtualService) int {
		if d := strings.Compare(a.Namespace, b.Namespace); d != 0 {
			return d
		}
		if d := a.FWMark - b.FWMark; d != 0 {
			return d
		}
		if d := strings.Compare(a.Address, b.Address); d != 0 {
			return d
		}
		return a.Port - b.Port
	})
}

// DrawnOverlays are the overlays to draw: Overlays, and a stand-in for
// each sandbox namespace that pairs name as their "host" end but no
// overlay does (its VXLAN device unknown, VNI 0), so that the veths on
// its bridge are drawn there rather than lost or taken for the host's.
func (s *Snapshot) DrawnOverlays() []Overlay {
	out := slices.Clone(s.Overlays)
	known := map[string]bool{}
	for _, o := range out {
		known[o.Namespace] = true
	}
	for _, p := range s.Pairs {
		if p.HostNamespace == "" || p.HostNamespace == s.Host.Namespace || known[p.HostNamespace] {
			continue
		}
		known[p.HostNamespace] = true
		o := Overlay{Network: p.Network, Namespace: p.HostNamespace, NamespaceName: p.HostNamespace, Bridge: p.Bridge, Peers: []VTEPPeer{}}
		if ns, ok := s.Namespace(p.HostNamespace); ok && ns.Name != "" {
			o.NamespaceName = ns.Name
		}
		if n, ok := s.Network(p.Network); ok {
			o.NetworkID = n.ID
		}
		out = append(out, o)
	}
	return out
}

// overlays keeps the overlays of the networks kept.
func (k *keeper) overlays(networks []Network) []Overlay {
	var kept []Overlay
	for _, o := range k.s.Overlays {
		if slices.ContainsFunc(networks, func(n Network) bool { return n.ID == o.NetworkID || n.Name == o.Network }) {
			kept = append(kept, o)
		}
	}
	return kept
}

// ipvs keeps the virtual services of the namespaces kept.
func (k *keeper) ipvs(namespaces []Namespace) []VirtualService {
	var kept []VirtualService
	for _, v := range k.s.IPVS {
		if slices.ContainsFunc(namespaces, func(ns Namespace) bool { return ns.ID == v.Namespace }) {
			kept = append(kept, v)
		}
	}
	return kept
}
