// Package inspect turns raw facts about a host — Docker's containers and
// networks, the kernel's namespaces and links — into one topo.Snapshot.
//
// It does no I/O of its own: it reads through the small interfaces below,
// which inspect/docker and inspect/kernel implement, and which tests fake.
// The pairing of veths happens here (see pair.go and docs/pairing.md).
package inspect

import (
	"context"
	"errors"

	"github.com/netviz/netviz/topo"
)

// ErrDaemonUnreachable is wrapped by Docker sources when no daemon answers.
var ErrDaemonUnreachable = errors.New("cannot reach the Docker daemon")

// ErrGone is wrapped by sources when the thing asked about no longer exists
// (a container removed between list and inspect, a process that exited
// before its namespace was opened). It is a warning, not a failure.
var ErrGone = errors.New("no longer exists")

// Engine is what the Docker daemon says about itself.
type Engine struct {
	Version    string
	APIVersion string // the negotiated API version
	Hostname   string // the daemon host's name
	Kernel     string
}

// ContainerInfo is Docker's view of one container.
type ContainerInfo struct {
	ID          string
	Name        string // without the leading "/"
	Image       string
	State       string
	NetworkMode string // HostConfig.NetworkMode
	PID         int    // 0 when not running
	Labels      map[string]string
	Endpoints   []topo.Endpoint
	Ports       []topo.Port
}

// Docker is what the inspector needs from the Docker Engine API.
type Docker interface {
	Engine(ctx context.Context) (Engine, error)
	// Containers lists (all=true: also stopped and created) and inspects
	// containers. Containers that vanish in between are left out and named
	// in the warnings.
	Containers(ctx context.Context, all bool) ([]ContainerInfo, []topo.Warning, error)
	Networks(ctx context.Context) ([]topo.Network, error)
}

// ContainerStreamer is an optional capability of a Docker source: the same
// as Containers, and each container is also handed to each (possibly from
// several goroutines at once) as soon as it is inspected, so that its
// namespace can be read while Docker still answers for the others.
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
	// FindNamespaces looks for namespaces whose nsid (as seen from the host)
	// is one of nsids — named ones under /run/netns first, then those held
	// by any process — and reads them. Those not found are left out.
	FindNamespaces(ctx context.Context, nsids []int) ([]NamespaceFacts, error)
}

// Netfilter is what the inspector needs to read the host's packet filter and
// forwarding settings (inspect/netfilter implements it). It is optional.
// What cannot be read is a warning; an error only means ctx ended.
type Netfilter interface {
	Firewall(ctx context.Context) (topo.Firewall, []topo.Warning, error)
	// Sysctls reads the forwarding sysctls, including those of the named
	// interfaces.
	Sysctls(ctx context.Context, ifaces []string) (map[string]string, []topo.Warning)
}
