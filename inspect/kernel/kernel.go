package kernel

import "github.com/netviz/netviz/inspect"

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
