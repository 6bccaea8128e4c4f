// Package topo is netviz's topology model: what a Docker host's network looks
// like, as plain, sorted, JSON-tagged data. It is also the snapshot format that
// `netviz docker --format json` writes and every command reads back with
// --from, so its JSON keys are a contract (see docs/snapshot.md).
//
// The model knows nothing of Docker's SDK, netlink, Graphviz or terminals.
package topo

import "time"

// SchemaVersion is the version of the snapshot format written by this build.
// It changes only when a key is renamed or removed or its meaning changes;
// adding keys does not change it. Version 2 replaced host.dockerVersion and
// host.dockerAPIVersion with host.runtime; Decode still reads version 1.
const SchemaVersion = 2

// Interface kinds. Kind is the kernel's link type where there is one.
const (
	KindVeth     = "veth"
	KindBridge   = "bridge"
	KindMacvlan  = "macvlan"
	KindIpvlan   = "ipvlan"
	KindLoopback = "loopback"
	KindDevice   = "device" // a physical or virtual NIC with no link type
)

// Container states as Docker reports them.
const (
	StateRunning = "running"
	StateCreated = "created"
	StateExited  = "exited"
	StatePaused  = "paused"
)

// Snapshot is everything netviz knows about one host at one moment.
type Snapshot struct {
	SchemaVersion int       `json:"schemaVersion"`
	GeneratedAt   time.Time `json:"generatedAt"`
	NetvizVersion string    `json:"netvizVersion,omitempty"`
	Host          Host      `json:"host"`
	// Containers, sorted by name.
	Containers []Container `json:"containers"`
	// Networks are Docker's networks, sorted by name.
	Networks []Network `json:"networks"`
	// Bridges are the Linux bridges in the host namespace, sorted by name.
	Bridges []Bridge `json:"bridges"`
	// Interfaces are the host namespace's links, sorted by ifindex.
	Interfaces []Interface `json:"interfaces"`
	// Routes are the host namespace's routes (main table).
	Routes []Route `json:"routes,omitempty"`
	// Namespaces are the network namespaces found, sorted by ID, the host's first.
	Namespaces []Namespace `json:"namespaces"`
	// Pairs are the veth pairs with one end in the host namespace (or, on a
	// Swarm node, in one of Docker's own namespaces: see Pair.HostNamespace),
	// sorted by container name, container interface, host interface.
	Pairs []Pair `json:"pairs"`
	// Swarm is what this host is in a swarm; nil when it is in none.
	Swarm *SwarmNode `json:"swarm,omitempty"`
	// Overlays are the overlay networks this node holds a sandbox of,
	// sorted by network name (see overlay.go).
	Overlays []Overlay `json:"overlays,omitempty"`
	// IPVS are the kernel's IPVS virtual services in Docker's namespaces,
	// when they could be read (a warning says when not).
	IPVS []VirtualService `json:"ipvs,omitempty"`
	// Firewall is the host namespace's iptables rules (see netfilter.go).
	Firewall Firewall `json:"firewall"`
	// Sysctls are the host namespace's kernel settings that decide whether
	// packets are forwarded, by sysctl name ("net.ipv4.ip_forward": "1").
	// A setting that could not be read is absent.
	Sysctls map[string]string `json:"sysctls"`
	// Warnings say what is missing or uncertain; the rest is still right.
	Warnings []Warning `json:"warnings"`
}

// Host describes the machine itself.
type Host struct {
	Hostname string `json:"hostname"`
	Kernel   string `json:"kernel"`
	// Runtime is the container runtime the snapshot was read from.
	Runtime Runtime `json:"runtime"`
	// Uplink is the name of the interface that holds the host's default route
	// ("" when there is none).
	Uplink string `json:"uplink"`
	// Namespace is the ID of the host's network namespace.
	Namespace string `json:"namespace"`
}

// Runtime describes a container runtime.
type Runtime struct {
	// Name is the runtime's name: "docker".
	Name    string `json:"name"`
	Version string `json:"version"`
	// APIVersion is the API version netviz and the runtime agreed on.
	APIVersion string `json:"apiVersion,omitempty"`
}

// Container is one Docker container and, when it runs, its network namespace.
type Container struct {
	Name  string `json:"name"`
	ID    string `json:"id"`
	Image string `json:"image"`
	State string `json:"state"`
	// NetworkMode is Docker's HostConfig.NetworkMode: "bridge", "host",
	// "none", "container:<id>", or a network name.
	NetworkMode string `json:"networkMode"`
	PID         int    `json:"pid,omitempty"`
	// Namespace is the stable ID of the container's network namespace, or ""
	// when it is not running.
	Namespace string `json:"namespace"`
	// SharesNamespaceWith names the container whose namespace this one joined
	// (network mode container:X); "" otherwise.
	SharesNamespaceWith string            `json:"sharesNamespaceWith"`
	Labels              map[string]string `json:"labels,omitempty"`
	// Compose is set for a container Docker Compose made (from its labels).
	Compose *Compose `json:"compose,omitempty"`
	// Endpoints are Docker's view of the container's network attachments.
	Endpoints []Endpoint `json:"endpoints"`
	// Ports are the published ports.
	Ports []Port `json:"ports,omitempty"`
	// Interfaces are the kernel's view of the container's namespace, sorted by
	// ifindex. Containers that share another's namespace have none: they are
	// listed on the owner.
	Interfaces []Interface `json:"interfaces"`
}

// Endpoint is one network attachment as Docker reports it.
type Endpoint struct {
	Network    string   `json:"network"`
	NetworkID  string   `json:"networkID"`
	EndpointID string   `json:"endpointID,omitempty"`
	MAC        string   `json:"mac,omitempty"`
	IPv4       string   `json:"ipv4,omitempty"` // CIDR
	IPv6       []string `json:"ipv6,omitempty"` // CIDR
	Gateway    string   `json:"gateway,omitempty"`
}

// Port is a published port: HostIP:HostPort on the host to ContainerPort.
type Port struct {
	HostIP        string `json:"hostIP"`
	HostPort      int    `json:"hostPort"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
}

// Interface is one network link as the kernel reports it, in whatever
// namespace it lives.
type Interface struct {
	Name  string `json:"name"`
	Index int    `json:"ifindex"`
	Kind  string `json:"kind"`
	MAC   string `json:"mac"`
	MTU   int    `json:"mtu"`
	// State is the operational state: "up", "down", "unknown", ...
	State string `json:"state"`
	// Up is the administrative flag (ip link set up).
	Up        bool     `json:"up"`
	Addresses []string `json:"addresses"` // CIDR, IPv4 then IPv6
	// Master is the bridge (or other master) this link is enslaved to.
	Master string `json:"master,omitempty"`
	// HostPeer is, for a container-side veth, the host-side veth's name.
	HostPeer string `json:"hostPeer,omitempty"`
	// Parent is, for macvlan/ipvlan, the host link it sits on.
	Parent string `json:"parent,omitempty"`
	// PeerNamespace is, for a host-side veth, the namespace of its peer.
	PeerNamespace string `json:"peerNamespace,omitempty"`
	// PeerIndex is, for a veth, the ifindex of its peer in PeerNamespace (or
	// in the host namespace for a container-side veth).
	PeerIndex int `json:"peerIndex,omitempty"`
	// Network is the Docker network this interface attaches to, when known.
	Network string `json:"network,omitempty"`
}

// Route is one route of the main table.
type Route struct {
	Dst       string `json:"dst"` // CIDR, "default" for the default route
	Gateway   string `json:"gateway,omitempty"`
	Interface string `json:"interface,omitempty"`
	Src       string `json:"src,omitempty"`
	Family    int    `json:"family"` // 4 or 6
	Metric    int    `json:"metric,omitempty"`
}

// Network is one Docker network.
type Network struct {
	Name     string   `json:"name"`
	ID       string   `json:"id"`
	Driver   string   `json:"driver"`
	Scope    string   `json:"scope,omitempty"`
	Internal bool     `json:"internal"`
	IPv6     bool     `json:"ipv6"`
	Subnets  []Subnet `json:"subnets"`
	// Bridge is the Linux bridge of a bridge-driver network.
	Bridge string `json:"bridge,omitempty"`
	// Parent is the host link of a macvlan/ipvlan network.
	Parent string            `json:"parent,omitempty"`
	Labels map[string]string `json:"labels,omitempty"`
	// Compose is set for a network Docker Compose made (from its labels).
	Compose *ComposeNetwork `json:"compose,omitempty"`
	// Options are the driver options (`docker network create -o`), with
	// those of a --config-from network under the network's own.
	Options map[string]string `json:"options,omitempty"`
}

// Bridge driver options that change what Docker programs in the firewall.
const (
	OptMasquerade      = "com.docker.network.bridge.enable_ip_masquerade"
	OptICC             = "com.docker.network.bridge.enable_icc"
	OptHostBindingIPv4 = "com.docker.network.bridge.host_binding_ipv4"
	OptHostIPv4        = "com.docker.network.host_ipv4"
	OptGatewayModeIPv4 = "com.docker.network.bridge.gateway_mode_ipv4"
	OptGatewayModeIPv6 = "com.docker.network.bridge.gateway_mode_ipv6"
)

// Gateway modes of a bridge network (Docker 27 and later); "nat" when the
// option is not set.
const (
	GatewayNAT            = "nat"
	GatewayNATUnprotected = "nat-unprotected"
	GatewayRouted         = "routed"
	GatewayIsolated       = "isolated"
)

// GatewayMode is the network's gateway mode for an IP family (4 or 6).
func (n *Network) GatewayMode(family int) string {
	key := OptGatewayModeIPv4
	if family == 6 {
		key = OptGatewayModeIPv6
	}
	if m := n.Options[key]; m != "" {
		return m
	}
	return GatewayNAT
}

// NoMasquerade says why Docker does not masquerade what the network's
// containers send out over IPv4 — the option that turns it off — or ""
// when Docker masquerades it as usual.
func (n *Network) NoMasquerade() string {
	switch {
	case n.Options[OptMasquerade] == "false":
		return OptMasquerade + "=false"
	case n.GatewayMode(4) == GatewayRouted || n.GatewayMode(4) == GatewayIsolated:
		return OptGatewayModeIPv4 + "=" + n.GatewayMode(4)
	}
	return ""
}

// Subnet is one IPAM pool of a network.
type Subnet struct {
	Subnet  string `json:"subnet"`
	Gateway string `json:"gateway,omitempty"`
}

// Bridge is a Linux bridge in the host namespace: what `brctl show` tells.
type Bridge struct {
	Name string `json:"name"`
	// Network is the Docker network that owns the bridge, "" if none.
	Network   string   `json:"network"`
	Index     int      `json:"ifindex"`
	MAC       string   `json:"mac"`
	Addresses []string `json:"addresses"`
	MTU       int      `json:"mtu"`
	State     string   `json:"state"`
	STP       bool     `json:"stp"`
	// Ports are the names of the links enslaved to the bridge, sorted.
	Ports []string `json:"ports"`
}

// Namespace is one network namespace.
type Namespace struct {
	// ID is stable for the namespace's life: "ns-<inode>".
	ID    string `json:"id"`
	Inode uint64 `json:"inode"`
	Dev   uint64 `json:"dev"`
	// NsID is the namespace's id as seen from the host namespace (what a host
	// veth's link-netnsid refers to); -1 when none is assigned.
	NsID int  `json:"nsid"`
	Host bool `json:"host,omitempty"`
	// Name is the namespace's name under /run/netns, if it has one, or,
	// for one of Docker's own (Role set), its name under Docker's exec root.
	Name string `json:"name,omitempty"`
	// Role is, for a namespace Docker made for itself on a Swarm node, what
	// it is for: RoleOverlaySandbox, RoleIngressSandbox, RoleLoadBalancer.
	Role string `json:"role,omitempty"`
	// Owner is the container whose namespace this is.
	Owner string `json:"owner,omitempty"`
	// Containers are all containers in the namespace (owner and sharers), sorted.
	Containers []string `json:"containers,omitempty"`
	// Interfaces are listed here for namespaces that belong to no container;
	// a container's namespace lists its interfaces on the container.
	Interfaces []Interface `json:"interfaces,omitempty"`
	// Routes of the namespace's main table.
	Routes []Route `json:"routes,omitempty"`
}

// Pair is one veth pair with one end in the host namespace. Its JSON keys are
// what `netviz veth --format json` prints.
type Pair struct {
	// Container owning the namespace of the peer; "" for an orphan veth.
	Container          string `json:"container"`
	ContainerID        string `json:"containerID"`
	ContainerInterface string `json:"containerInterface"`
	ContainerIfindex   int    `json:"containerIfindex"`
	HostInterface      string `json:"hostInterface"`
	HostIfindex        int    `json:"hostIfindex"`
	// Bridge is the host veth's master, "" when it has none.
	Bridge string `json:"bridge"`
	// Network is the Docker network name, "" when unknown.
	Network string `json:"network"`
	// Project and Service are the container's compose project and service,
	// "" when compose did not make it.
	Project string `json:"project,omitempty"`
	Service string `json:"service,omitempty"`
	// MAC of the container side, lower case.
	MAC  string   `json:"mac"`
	IPv4 string   `json:"ipv4"`
	IPv6 []string `json:"ipv6"`
	// Ports are the container's published ports when this pair's interface
	// carries the namespace's default route: Docker programs port mappings
	// for the endpoint that gives the container its gateway, and no other.
	Ports []Port `json:"ports"`
	// Namespace is the ID of the peer's namespace.
	Namespace string `json:"namespace"`
	// NamespaceName is the /run/netns name of the peer's namespace, if any.
	NamespaceName string `json:"namespaceName,omitempty"`
	// SharedWith lists other containers that share the peer's namespace.
	SharedWith []string `json:"sharedWith,omitempty"`
	// HostNamespace is, when the "host" end is not in the host namespace,
	// the ID of the namespace it is in: an overlay sandbox whose br0 it is
	// a port of, or ingress_sbox for that sandbox's leg on docker_gwbridge
	// (then Container is "" and Sandbox names it).
	HostNamespace string `json:"hostNamespace,omitempty"`
	// Sandbox names Docker's own namespace at the far end of a pair that
	// belongs to no container ("ingress_sbox", "lb_<netid>"), so that it
	// is not taken for an orphan.
	Sandbox string `json:"sandbox,omitempty"`
	// Verified is true when the container side's own peer attributes point
	// back at the host veth.
	Verified bool `json:"verified"`
}

// Warning is something netviz could not see or is not sure of.
type Warning struct {
	// Code is a stable identifier, e.g. "container-gone", "namespace-denied".
	Code    string `json:"code"`
	Subject string `json:"subject,omitempty"`
	Message string `json:"message"`
}
