// Package inspect turns raw facts about a host — a container runtime's
// containers and networks, the kernel's namespaces and links, the firewall —
// into one topo.Snapshot.
//
// It does no I/O of its own: it reads through the small interfaces below,
// named by the role of what answers them — a Runtime (inspect/docker, later
// others), the Kernel (inspect/kernel), a Firewall (inspect/netfilter) — and
// which tests fake. It reads everything first, then builds the model (see
// read.go and build.go). The pairing of veths happens here (see pair.go and
// docs/pairing.md).
package inspect

import (
	"context"
	"errors"
	"time"

	"github.com/netviz/netviz/topo"
)

// ErrDaemonUnreachable is wrapped by runtimes when their daemon does not answer.
var ErrDaemonUnreachable = errors.New("cannot reach the Docker daemon")

// ErrGone is wrapped by sources when the thing asked about no longer exists
// (a container removed between list and inspect, a process that exited
// before its namespace was opened). It is a warning, not a failure.
var ErrGone = errors.New("no longer exists")

// RuntimeInfo is what a container runtime says about itself.
type RuntimeInfo struct {
	Name       string // "docker"
	Version    string
	APIVersion string // the negotiated API version, if the runtime has one
	Hostname   string // the name of the host the runtime runs on
	Kernel     string
}

// ContainerInfo is the runtime's view of one container.
type ContainerInfo struct {
	ID    string
	Name  string // without Docker's leading "/"
	Image string
	State string // topo.State*
	// NetworkMode is how the runtime attached the container, in its words:
	// "bridge", "host", "none", a network name, or "container:<name or ID>"
	// for a container created in another's network namespace (Docker,
	// Podman and nerdctl all spell it so).
	NetworkMode string
	PID         int // 0 when not running
	Labels      map[string]string
	Endpoints   []topo.Endpoint
	Ports       []topo.Port
}

// Runtime is what the inspector needs from a container runtime: what it
// is, its containers (with the PIDs that lead to their namespaces, their
// endpoints, ports and labels) and its networks (with their bridges).
type Runtime interface {
	Describe(ctx context.Context) (RuntimeInfo, error)
	// Containers lists (all=true: also stopped and created) and inspects
	// containers. Containers that vanish in between are left out and named
	// in the warnings.
	Containers(ctx context.Context, all bool) ([]ContainerInfo, []topo.Warning, error)
	Networks(ctx context.Context) ([]topo.Network, error)
}

// ContainerStreamer is an optional capability of a Runtime: the same as
// Containers, and each container is also handed to each (possibly from
// several goroutines at once) as soon as it is known, so that its
// namespace can be read while the runtime still answers for the others.
type ContainerStreamer interface {
	StreamContainers(ctx context.Context, all bool, each func(ContainerInfo)) ([]ContainerInfo, []topo.Warning, error)
}

// NSRef identifies a network namespace: device and inode of its nsfs file.
type NSRef struct {
	Dev, Inode uint64
}

// Link is one link as netlink reports it, in the namespace it was read from.
type Link struct {
	Index     int
	Name      string
	Kind      string // topo.Kind* or the kernel's link type
	MAC       string // lower case
	MTU       int
	OperState string // "up", "down", "unknown", ...
	Up        bool   // administratively up
	Addresses []string
	// MasterIndex is the ifindex of the bridge (or bond, ...) this link is
	// enslaved to, 0 when none.
	MasterIndex int
	// ParentIndex is IFLA_LINK: a veth's peer ifindex, a macvlan's or
	// ipvlan's parent ifindex. It is an index in the namespace LinkNetNsID
	// names, or in this namespace when LinkNetNsID is -1.
	ParentIndex int
	// LinkNetNsID is IFLA_LINK_NETNSID: the nsid, as seen from the namespace
	// this link was read in, of the namespace where ParentIndex lives; -1 if
	// that is this same namespace.
	LinkNetNsID int
	// STP is the bridge's spanning-tree state (bridges only).
	STP bool
	// VXLAN is set for a VXLAN device (an overlay sandbox's tunnel).
	VXLAN *VXLANLink
}

// NamespaceFacts is what the kernel tells about one network namespace.
type NamespaceFacts struct {
	Ref NSRef
	// NsID is the namespace's nsid as seen from the host namespace, -1 when
	// none is assigned.
	NsID int
	// Name is the namespace's name under /run/netns, if it has one.
	Name   string
	Links  []Link
	Routes []topo.Route
	// Docker is set for one of Docker's own namespaces (see swarm.go).
	Docker *DockerNamespace
}

// HostFacts is the host namespace and the machine.
type HostFacts struct {
	Hostname  string
	Kernel    string
	Namespace NamespaceFacts
}

// Kernel is what the inspector needs from the kernel. Implementations must
// never move the calling goroutine's thread into another namespace without
// locking it (see inspect/kernel).
type Kernel interface {
	// Host reads the host namespace (the one netviz runs in).
	Host(ctx context.Context) (HostFacts, error)
	// NamespaceRef names the network namespace of process pid without
	// reading it. Errors wrap ErrGone or fs.ErrPermission where they apply.
	NamespaceRef(pid int) (NSRef, error)
	// ReadNamespace reads links, addresses and routes of the network
	// namespace of process pid and the namespace's nsid as seen from the host.
	ReadNamespace(ctx context.Context, pid int) (NamespaceFacts, error)
}

// NamespaceFinder is an optional capability of a Kernel: finding the
// namespaces no container claims, which hold the far ends of orphan veths.
type NamespaceFinder interface {
	// FindNamespaces looks for namespaces whose nsid (as seen from the host)
	// is one of nsids — named ones under /run/netns first, then those held
	// by any process — and reads them. Those not found are left out.
	FindNamespaces(ctx context.Context, nsids []int) ([]NamespaceFacts, error)
}

// Firewall is what the inspector needs to read the host's packet filter and
// forwarding settings (inspect/netfilter implements it). It is optional.
// What cannot be read is a warning; an error only means ctx ended.
type Firewall interface {
	Firewall(ctx context.Context) (topo.Firewall, []topo.Warning, error)
	// Sysctls reads the forwarding sysctls, including those of the named
	// interfaces.
	Sysctls(ctx context.Context, ifaces []string) (map[string]string, []topo.Warning)
}

// Kinds of Change.
const (
	ChangeContainer = "container" // a runtime's container event
	ChangeNetwork   = "network"   // a runtime's network event
	ChangeLink      = "link"      // a kernel link update
	ChangeAddress   = "address"   // a kernel address update
	ChangeRoute     = "route"     // a kernel route update
	ChangeFirewall  = "firewall"  // the packet filter's rules changed
)

// Change is one thing a source saw change. It says only what a new
// snapshot may show differently and where to look; it is no fact itself.
type Change struct {
	Time time.Time
	// Kind is one of the Change* kinds.
	Kind string
	// Action is what happened, in the source's words ("start", "die",
	// "connect", "new", "del", ...).
	Action string
	// ID names what changed in the source's terms: a container or network
	// ID, an interface index.
	ID string
	// Name is what people call it: a container's or network's name, an
	// interface's name, a route's destination.
	Name string
	// Container is the container the change concerns: the container of a
	// container event, the one connected or disconnected by a network
	// event.
	Container string
	// Up, for a link change, is the link's operational state after it.
	Up bool
}

// ChangeWatcher is an optional capability of a Runtime: following its
// containers' and networks' events. WatchChanges hands each change to each,
// in order, from now on (from since, when not zero, as far as the source
// remembers), until ctx ends (it returns nil) or the stream breaks (an
// error; changes may then have been lost).
type ChangeWatcher interface {
	WatchChanges(ctx context.Context, since time.Time, each func(Change)) error
}

// ContainerReader is an optional capability of a Runtime: inspecting one
// container by ID, so that an event re-reads only what it touches. A
// container that no longer exists gives an error wrapping ErrGone.
type ContainerReader interface {
	Container(ctx context.Context, id string) (ContainerInfo, error)
}
