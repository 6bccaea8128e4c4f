package inspect

import (
	"context"
	"strings"

	"github.com/netviz/netviz/topo"
)

// On a Swarm node Docker keeps namespaces of its own that no process holds
// open: they are bind-mounted under <exec-root>/netns, next to the files
// of the containers' sandboxes. Their veths carry the far ends of the
// overlay legs of containers (in "1-<netid>", on its br0) and of
// ingress_sbox's leg on docker_gwbridge, so without them those veths look
// like orphans. The Runtime says where the files are (SwarmReader), the
// Kernel reads them (DockerNamespaceReader).

// VXLANLink is what the kernel says of a VXLAN device.
type VXLANLink struct {
	VNI  int
	Port int
	// Local is the tunnel's source address, Group its fixed remote or
	// multicast group; "" when not set.
	Local, Group string
}

// FDBEntry is one entry of a VXLAN device's forwarding database: frames
// for MAC go through the tunnel to the remote VTEP Dst.
type FDBEntry struct {
	LinkIndex int
	MAC       string // lower case
	Dst       string // the remote VTEP; "" for a local entry
}

// Neighbour is one IPv4/IPv6 neighbour (ARP/NDP) entry.
type Neighbour struct {
	LinkIndex int
	IP        string
	MAC       string // lower case
}

// DockerNamespace is what is read of one of Docker's own namespaces
// beyond its links and routes.
type DockerNamespace struct {
	// Path is the namespace file's path as netviz opened it.
	Path string
	FDB  []FDBEntry
	// Neighbours are the namespace's neighbour entries that name a MAC.
	Neighbours []Neighbour
	// PeerNsIDs names, by the nsid this namespace gives them, the
	// namespaces of the processes the reader was asked about (container
	// sandboxes): how a veth here that points elsewhere is paired.
	PeerNsIDs map[int]NSRef
	// IPVS are the namespace's IPVS virtual services; IPVSErr why they
	// could not be read (nil when read, even if there are none).
	IPVS    []topo.VirtualService
	IPVSErr error
}

// SwarmFacts is what a runtime says of the swarm this node is in.
type SwarmFacts struct {
	// Node is nil when the daemon is in no swarm.
	Node *topo.SwarmNode
	// NetnsDir is the directory of the daemon's sandbox files
	// (<exec-root>/netns), as the daemon sees it; "" when unknown.
	NetnsDir string
	// Services are the service VIPs on each swarm-scoped network, by
	// network ID (with published ports on the ingress network's).
	Services map[string][]topo.ServiceVIP
	// Warnings say what could not be asked.
	Warnings []topo.Warning
}

// SwarmReader is an optional capability of a Runtime: its swarm, where it
// keeps its namespaces and its services' VIPs.
type SwarmReader interface {
	Swarm(ctx context.Context) (SwarmFacts, error)
}

// DockerNamespaceReader is an optional capability of a Kernel: reading the
// namespaces bound under Docker's netns directory.
type DockerNamespaceReader interface {
	// DockerNamespaces reads the namespaces bound under dir (a path as the
	// daemon sees it) whose file names keep accepts, with their VXLAN
	// forwarding databases, neighbours and IPVS services, and the nsids
	// they give to the namespaces of processes pids. A missing dir is no
	// error: there is nothing to read.
	DockerNamespaces(ctx context.Context, dir string, keep func(name string) bool, pids []int) ([]NamespaceFacts, error)
}

// DefaultNetnsDir is where Docker keeps its sandbox files with the default
// exec root.
const DefaultNetnsDir = "/var/run/docker/netns"

// DockerRole says what one of Docker's own namespaces is for, from its
// file name under the netns directory; "" for a container's sandbox
// (named by the first 12 digits of its ID) or anything else.
func DockerRole(name string) string {
	switch {
	case name == "ingress_sbox":
		return topo.RoleIngressSandbox
	case strings.HasPrefix(name, "lb_"):
		return topo.RoleLoadBalancer
	case strings.HasPrefix(name, "1-") || strings.HasPrefix(name, "2-"):
		// "<version>-<netid>": the overlay driver's sandboxes.
		return topo.RoleOverlaySandbox
	}
	return ""
}
