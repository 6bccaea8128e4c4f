// Package kernel reads network namespaces, links, addresses and routes from
// the Linux kernel for netviz. It implements inspect.Kernel and
// inspect.NamespaceFinder.
//
// # Handles opened in namespaces, never setns
//
// The obvious way to read another namespace — netns.Set into it, dump,
// netns.Set back — is wrong in Go: setns(2) moves one OS thread, and the
// scheduler runs other goroutines on that thread unless it is locked. A
// goroutine that setns'es without runtime.LockOSThread leaks the namespace
// to whoever runs on that thread next, and a failed switch back poisons the
// thread for good. So the package never calls netns.Set or unix.Setns
// (only its leak test does, once, on a thread it locks and throws away). Each
// namespace is read through netlink.NewHandleAt, which opens its netlink
// socket inside the namespace on a locked thread and returns at once; the
// socket stays bound to that namespace for its whole life, and every dump
// through it is answered from there, on whatever thread it runs. The host's
// socket is opened where the caller is, with no setns at all, since setns
// needs CAP_SYS_ADMIN even into one's own namespace and the host must be
// readable without it.
//
// This also gives the right meaning to IFLA_LINK_NETNSID: the kernel
// reports a link's peer namespace as an nsid seen from the socket's
// namespace, which is the namespace being read.
//
// # Namespaces are keyed by device and inode
//
// A network namespace has no name of its own. Its identity is the inode of
// its nsfs file (/proc/PID/ns/net, or a bind mount under /run/netns) on the
// nsfs device; containers that share a namespace give the same pair. The
// nsid is not an identity: it is only a per-observer alias, assigned lazily
// (dumping a veth whose peer lives elsewhere assigns one), and 0 is a valid
// nsid.
//
// # Dumps may be interrupted
//
// A netlink dump that races with a change (a container starting) comes back
// flagged NLM_F_DUMP_INTR; vishvananda/netlink then returns
// netlink.ErrDumpInterrupted with possibly inconsistent results. Every dump
// here goes through one wrapper (dump_linux.go) that retries a few times and
// otherwise fails rather than report a half-changed namespace.
//
// On other operating systems every method returns an error wrapping
// errors.ErrUnsupported.
package kernel
