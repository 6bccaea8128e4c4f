package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"time"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/inspect/kernel"
	"github.com/netviz/netviz/topo"
)

// Warning codes for where the daemon's host namespace was found.
const (
	// codeDaemonNamespace says the host shown is the daemon's namespace,
	// not netviz's own (rootless Docker, Docker-in-Docker, a dockerd in a
	// namespace of its own).
	codeDaemonNamespace = "daemon-namespace"
	// codeKernelUnavailable says the daemon's namespace cannot be reached:
	// the snapshot holds only what its API says, and doctor and path refuse
	// it.
	codeKernelUnavailable = "kernel-unavailable"
)

// daemonHost is where the daemon's host network namespace is.
type daemonHost struct {
	// netns is the namespace file to read as the host; "" for netviz's own.
	netns string
	// warn, when set, goes into the snapshot: codeDaemonNamespace when netns
	// is set, codeKernelUnavailable when no kernel may be read.
	warn *topo.Warning
}

// unavailable reports whether the kernel must not be read.
func (h daemonHost) unavailable() bool {
	return h.warn != nil && h.warn.Code == codeKernelUnavailable
}

// nsProber is what locating the daemon's namespace asks of the kernel
// (kernel.Kernel; tests fake it).
type nsProber interface {
	SocketPeer(ctx context.Context, path string) (kernel.Peer, error)
	// NamespaceRef, PIDNamespaceRef and OwnNamespaceRef name namespaces by
	// device and inode; pid 0 is netviz itself for PIDNamespaceRef.
	NamespaceRef(pid int) (inspect.NSRef, error)
	PIDNamespaceRef(pid int) (inspect.NSRef, error)
	OwnNamespaceRef() (inspect.NSRef, error)
	NetnsFile(pid int) string
	NetnsName(ref inspect.NSRef) string
	// ListensHere reports whether the listener on a unix socket path was
	// made in netviz's namespace, without privilege.
	ListensHere(path string) (bool, error)
	// CanEnter tries to open a netlink socket in process pid's namespace.
	CanEnter(pid int) error
}

var _ nsProber = (*kernel.Kernel)(nil)

// peerTimeout bounds the connection made to ask the socket who listens.
const peerTimeout = 2 * time.Second

// locateDaemon finds the network namespace of the Docker daemon at addr
// (the client's resolved address, e.g. unix:///var/run/docker.sock): the
// process listening on a unix socket (SO_PEERCRED) and its
// /proc/PID/ns/net, compared by device and inode with netviz's own. A daemon
// reached over the network, or whose namespace netviz may not open, has no
// kernel view.
func locateDaemon(ctx context.Context, p nsProber, addr string) daemonHost {
	u, err := url.Parse(addr)
	if err != nil || u.Scheme != "unix" {
		return noKernel(fmt.Sprintf("the Docker daemon at %s is reached over the network", addr))
	}
	path := u.Path
	ctx, cancel := context.WithTimeout(ctx, peerTimeout)
	defer cancel()
	peer, err := p.SocketPeer(ctx, path)
	if err != nil {
		// The runtime will fail to connect too and say so (exit 3); should it
		// not, nothing is known of where its daemon lives.
		return noKernel(fmt.Sprintf("netviz cannot tell which process answers on %s (%v)", path, err))
	}
	if peer.PID == 0 {
		return noKernel(fmt.Sprintf("the process answering on %s is in a PID namespace netviz cannot see", path))
	}
	who := fmt.Sprintf("%s, pid %d", cmp.Or(peer.Command, "the daemon"), peer.PID)
	ref, err := p.NamespaceRef(peer.PID)
	if errors.Is(err, fs.ErrPermission) {
		// Not root: the daemon's ns/net is not ours to open, but whether its
		// socket was made in our namespace can still be told. If so, netviz
		// reads its own namespace, as far as it may, and says what it could
		// not (root, as before).
		if here, lerr := p.ListensHere(path); lerr == nil && here {
			return daemonHost{}
		}
	}
	if err != nil {
		why := fmt.Sprintf("netviz cannot open the network namespace of the process answering on %s (%s): %v", path, who, err)
		if errors.Is(err, fs.ErrPermission) {
			why += "; run netviz as root"
		}
		return noKernel(why)
	}
	ownPID, err1 := p.PIDNamespaceRef(0)
	peerPID, err2 := p.PIDNamespaceRef(peer.PID)
	if err := errors.Join(err1, err2); err != nil {
		return noKernel(fmt.Sprintf("netviz cannot compare its PID namespace with that of %s: %v", who, err))
	}
	if ownPID != peerPID {
		return noKernel(fmt.Sprintf("the daemon answering on %s (%s) runs in another PID namespace: the container PIDs it reports are not this one's", path, who))
	}
	own, err := p.OwnNamespaceRef()
	if err != nil {
		return noKernel(fmt.Sprintf("netviz cannot name its own network namespace: %v", err))
	}
	if ref == own {
		return daemonHost{}
	}
	if err := p.CanEnter(peer.PID); err != nil {
		why := fmt.Sprintf("the Docker daemon answering on %s (%s) lives in another network namespace, which netviz may not enter: %v", path, who, err)
		if errors.Is(err, fs.ErrPermission) {
			why += "; run netviz as root"
		}
		return noKernel(why)
	}
	name := "an unnamed network namespace"
	if n := p.NetnsName(ref); n != "" {
		name = "network namespace " + n
	}
	return daemonHost{netns: p.NetnsFile(peer.PID), warn: &topo.Warning{Code: codeDaemonNamespace,
		Message: fmt.Sprintf("host is the Docker daemon's %s (%s, answering on %s), not the namespace netviz runs in", name, who, path)}}
}

func noKernel(why string) daemonHost {
	return daemonHost{warn: &topo.Warning{Code: codeKernelUnavailable,
		Message: why + ": its kernel view (links, bridges, veth pairs, routes, firewall) is unavailable, only what the Docker API says is shown; " +
			"for the full picture run netviz on the daemon's host, inside its network namespace (nsenter --net=/proc/<dockerd pid>/ns/net), or with -H at its local unix socket"}}
}

// errKernelUnavailable is what doctor and path return for a snapshot
// without a kernel view: they would be guessing.
var errKernelUnavailable = errors.New("the kernel view of the daemon's host is unavailable")

// refuseWithoutKernel returns an exitNoKernel error when s has no kernel
// view (see codeKernelUnavailable), saying what to do instead.
func refuseWithoutKernel(s *topo.Snapshot, command string) error {
	for _, w := range s.Warnings {
		if w.Code == codeKernelUnavailable {
			return withCode(exitNoKernel, fmt.Errorf("%s refuses to guess: %w (see the warning)", command, errKernelUnavailable))
		}
	}
	return nil
}
