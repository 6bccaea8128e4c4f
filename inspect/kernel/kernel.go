package kernel

import (
	"errors"

	"github.com/netviz/netviz/inspect"
)

// ErrWatchBroken is wrapped by WatchNamespace when a subscription ended on
// its own: the kernel dropped notifications (ENOBUFS) or the socket failed.
// Changes may have been lost; the caller should read again.
var ErrWatchBroken = errors.New("netlink subscription ended")

var (
	_ inspect.Kernel          = (*Kernel)(nil)
	_ inspect.NamespaceFinder = (*Kernel)(nil)
)

// Options say where the kernel's files are. The zero value means the real
// ones; tests point them elsewhere.
type Options struct {
	// ProcRoot is procfs, "/proc" by default. The host namespace is
	// ProcRoot/self/ns/net, a process's is ProcRoot/PID/ns/net.
	ProcRoot string
	// NetnsDir holds named namespaces (ip netns add), "/run/netns" by default.
	NetnsDir string
	// HostNetns, when set, is the namespace file (/proc/PID/ns/net) taken as
	// the host instead of netviz's own: that of a Docker daemon living in
	// another namespace (rootless Docker, Docker-in-Docker). It is read, and
	// nsids are asked, through sockets opened in it, so what the containers
	// see of it is what the daemon's host sees.
	HostNetns string
	// ReceiveBuffer, when set, is the receive buffer (bytes) of the netlink
	// sockets WatchNamespace subscribes with, forced past rmem_max; 0 keeps
	// the kernel's default. Tests make it tiny to force ENOBUFS.
	ReceiveBuffer int
}

func (o Options) withDefaults() Options {
	if o.ProcRoot == "" {
		o.ProcRoot = "/proc"
	}
	if o.NetnsDir == "" {
		o.NetnsDir = "/run/netns"
	}
	return o
}

// Kernel reads namespaces from the running kernel. It holds no open handles
// between calls and is safe for concurrent use.
type Kernel struct {
	opts Options
}

// New returns a Kernel that reads the real /proc and /run/netns.
func New() *Kernel { return NewWithOptions(Options{}) }

// NewWithOptions returns a Kernel that reads the files opts name.
func NewWithOptions(opts Options) *Kernel { return &Kernel{opts: opts.withDefaults()} }

// Peer is the process at the other end of a unix socket.
type Peer struct {
	PID     int    // in netviz's PID namespace; 0 when not visible from it
	Command string // its /proc/PID/comm, "" when unreadable
}
