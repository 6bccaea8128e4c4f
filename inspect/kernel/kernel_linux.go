package kernel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

// Host reads the namespace netviz runs in (ProcRoot/self/ns/net) and names
// the machine.
func (k *Kernel) Host(ctx context.Context) (inspect.HostFacts, error) {
	hostname, err := os.Hostname()
	if err != nil {
		return inspect.HostFacts{}, fmt.Errorf("hostname: %w", err)
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return inspect.HostFacts{}, fmt.Errorf("uname: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return inspect.HostFacts{}, err
	}
	host, err := k.openHost(ctx)
	if err != nil {
		return inspect.HostFacts{}, err
	}
	defer host.close()
	facts, err := readTables(ctx, host.ns, host.handle)
	if err != nil {
		return inspect.HostFacts{}, fmt.Errorf("read host network namespace: %w", err)
	}
	if facts.NsID, err = host.nsid(ctx, host.ns); err != nil {
		return inspect.HostFacts{}, err
	}
	facts.Name = k.netnsName(host.ns.ref)
	return inspect.HostFacts{
		Hostname:  hostname,
		Kernel:    unix.ByteSliceToString(uts.Release[:]),
		Namespace: facts,
	}, nil
}

// NamespaceRef stats ProcRoot/PID/ns/net. A process that has exited gives
// an error wrapping inspect.ErrGone; one we may not look at, an error
// wrapping fs.ErrPermission.
func (k *Kernel) NamespaceRef(pid int) (inspect.NSRef, error) {
	path, err := k.pidNSPath(pid)
	if err != nil {
		return inspect.NSRef{}, err
	}
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return inspect.NSRef{}, pidErr(pid, path, err)
	}
	return refOf(&st), nil
}

// ReadNamespace reads the links, addresses and main-table routes of the
// network namespace of process pid, and its nsid as seen from the host.
// Errors wrap inspect.ErrGone or fs.ErrPermission where they apply.
func (k *Kernel) ReadNamespace(ctx context.Context, pid int) (inspect.NamespaceFacts, error) {
	if err := ctx.Err(); err != nil {
		return inspect.NamespaceFacts{}, err
	}
	path, err := k.pidNSPath(pid)
	if err != nil {
		return inspect.NamespaceFacts{}, err
	}
	ns, err := openNS(path)
	if err != nil {
		return inspect.NamespaceFacts{}, pidErr(pid, path, err)
	}
	defer ns.close()
	host, err := k.openHost(ctx)
	if err != nil {
		return inspect.NamespaceFacts{}, err
	}
	defer host.close()
	facts, err := host.read(ctx, ns)
	if err != nil {
		return inspect.NamespaceFacts{}, fmt.Errorf("read network namespace of process %d: %w", pid, err)
	}
	facts.Name = k.netnsName(ns.ref)
	return facts, nil
}

func (k *Kernel) pidNSPath(pid int) (string, error) {
	if pid <= 0 {
		return "", fmt.Errorf("invalid process id %d", pid)
	}
	return filepath.Join(k.opts.ProcRoot, strconv.Itoa(pid), "ns", "net"), nil
}

// pidErr says what went wrong opening a process's namespace file. A missing
// file, or ESRCH from a process between exit and reaping, means the process
// is gone. EACCES and EPERM already satisfy errors.Is(err, fs.ErrPermission).
func pidErr(pid int, path string, err error) error {
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("process %d: %w: %q: %w", pid, inspect.ErrGone, path, err)
	}
	return fmt.Errorf("network namespace of process %d: %q: %w", pid, path, err)
}

// netnsName returns the name under NetnsDir of the namespace ref, if any.
func (k *Kernel) netnsName(ref inspect.NSRef) string {
	entries, _ := os.ReadDir(k.opts.NetnsDir)
	for _, e := range entries {
		var st unix.Stat_t
		if unix.Stat(filepath.Join(k.opts.NetnsDir, e.Name()), &st) == nil && refOf(&st) == ref {
			return e.Name()
		}
	}
	return ""
}

// nsFile is an open namespace file. The descriptor keeps the namespace
// alive while it is read, even if its last process exits.
type nsFile struct {
	fd  int
	ref inspect.NSRef
	// current is set for the host: sockets for it are opened where the
	// calling thread is, without a setns (see openHost).
	current bool
}

// at is where netlink should open sockets to read ns.
func (ns nsFile) at() netns.NsHandle {
	if ns.current {
		return netns.None()
	}
	return netns.NsHandle(ns.fd)
}

func openNS(path string) (nsFile, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nsFile{fd: -1}, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nsFile{fd: -1}, err
	}
	return nsFile{fd: fd, ref: refOf(&st)}, nil
}

func (ns nsFile) close() {
	if ns.fd >= 0 {
		unix.Close(ns.fd)
	}
}

func refOf(st *unix.Stat_t) inspect.NSRef {
	return inspect.NSRef{Dev: uint64(st.Dev), Inode: uint64(st.Ino)} //nolint:unconvert // Dev is uint32 on some GOARCHes
}

// hostNS is the host namespace, open, with a netlink handle in it. Nsids
// are relative: only a socket in the host namespace can say what another
// namespace's nsid is as the host sees it.
type hostNS struct {
	ns     nsFile
	handle *netlink.Handle
}

// openHost opens ProcRoot/self/ns/net, for its device and inode and its own
// nsid, and a handle whose socket is opened in the calling thread's
// namespace, without a setns: setns needs CAP_SYS_ADMIN even into the
// namespace one is already in, and reading the host must work unprivileged.
// Nothing in netviz moves a thread without locking it, so the calling
// thread's namespace is the process's.
//
// With HostNetns set, that namespace is the host and its handle is opened
// in it by NewHandleAt (which needs CAP_SYS_ADMIN).
func (k *Kernel) openHost(ctx context.Context) (*hostNS, error) {
	// thread-self on a locked thread, not self: see onThisThread.
	path := filepath.Join(k.opts.ProcRoot, "thread-self", "ns", "net")
	if k.opts.HostNetns != "" {
		path = k.opts.HostNetns
	}
	var ns nsFile
	err := onThisThread(func() (err error) {
		ns, err = openNS(path)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open host network namespace %q: %w", path, err)
	}
	ns.current = k.opts.HostNetns == ""
	h, err := handleAt(ctx, ns)
	if err != nil {
		ns.close()
		return nil, fmt.Errorf("host network namespace: %w", err)
	}
	return &hostNS{ns: ns, handle: h}, nil
}

func (h *hostNS) close() {
	h.handle.Close()
	h.ns.close()
}

// nsid returns ns's nsid as the host sees it, -1 when none is assigned.
func (h *hostNS) nsid(ctx context.Context, ns nsFile) (int, error) {
	id, err := untilAnswered(ctx, func() (int, error) { return h.handle.GetNetNsIdByFd(ns.fd) })
	if err != nil {
		return -1, fmt.Errorf("get nsid: %w", err)
	}
	return id, nil
}

// read reads ns fully through a handle opened in it.
func (h *hostNS) read(ctx context.Context, ns nsFile) (inspect.NamespaceFacts, error) {
	id, err := h.nsid(ctx, ns)
	if err != nil {
		return inspect.NamespaceFacts{}, err
	}
	facts, err := readIn(ctx, ns, openHandle)
	if err != nil {
		return inspect.NamespaceFacts{}, err
	}
	facts.NsID = id
	return facts, nil
}

// handleAt opens a netlink route socket inside ns whose waits are cut
// into slices (see waitSlice), so that reads through it notice when ctx
// ends.
func handleAt(ctx context.Context, ns nsFile) (*netlink.Handle, error) {
	if _, err := waitFor(ctx); err != nil {
		return nil, err
	}
	h, err := newHandleAt(ns)
	if err != nil {
		return nil, err
	}
	if err := limitWaits(ctx, h); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// newHandleAt opens a netlink route socket inside ns. NewHandleAt does the
// setns on a locked OS thread and moves it back before it returns; the
// socket then belongs to ns for good.
func newHandleAt(ns nsFile) (*netlink.Handle, error) {
	h, err := netlink.NewHandleAt(ns.at(), unix.NETLINK_ROUTE)
	if err != nil {
		// netlink formats the setns error with %v, which drops its errno.
		if strings.Contains(err.Error(), unix.EPERM.Error()) {
			return nil, fmt.Errorf("open netlink socket in namespace: %w (%v)", fs.ErrPermission, err)
		}
		return nil, fmt.Errorf("open netlink socket in namespace: %w", err)
	}
	return h, nil
}

// limitWaits gives h's sockets the timeout waitFor says.
func limitWaits(ctx context.Context, h netHandle) error {
	wait, err := waitFor(ctx)
	if err != nil {
		return err
	}
	if err := h.SetSocketTimeout(wait); err != nil {
		return fmt.Errorf("set netlink socket timeout: %w", err)
	}
	return nil
}

// readIn reads ns through a handle that open opens in it, and closes the
// handle.
func readIn(ctx context.Context, ns nsFile, open func(nsFile) (netHandle, error)) (inspect.NamespaceFacts, error) {
	if _, err := waitFor(ctx); err != nil {
		return inspect.NamespaceFacts{}, err
	}
	h, err := open(ns)
	if err != nil {
		return inspect.NamespaceFacts{}, err
	}
	defer h.Close()
	if err := limitWaits(ctx, h); err != nil {
		return inspect.NamespaceFacts{}, err
	}
	return readTables(ctx, ns, h)
}

func openHandle(ns nsFile) (netHandle, error) { return newHandleAt(ns) }

// readTables dumps links, addresses and routes through h, which is open in
// ns, and the STP state of ns's bridges. NsID and Name are left to the
// caller.
func readTables(ctx context.Context, ns nsFile, h dumper) (inspect.NamespaceFacts, error) {
	facts := inspect.NamespaceFacts{Ref: ns.ref, NsID: -1}
	d := dumps{ctx, h}
	links, err := d.links()
	if err != nil {
		return facts, err
	}
	if err := ctx.Err(); err != nil {
		return facts, err
	}
	addrs, err := d.addrs()
	if err != nil {
		return facts, err
	}
	if err := ctx.Err(); err != nil {
		return facts, err
	}
	routes, err := d.routes()
	if err != nil {
		return facts, err
	}
	var bridges []int
	for _, l := range links {
		if l.Type() == topo.KindBridge {
			bridges = append(bridges, l.Attrs().Index)
		}
	}
	stp, err := bridgeSTP(ctx, ns, bridges)
	if err != nil {
		return facts, err
	}

	byLink := addressesByLink(addrs)
	names := make(map[int]string, len(links))
	facts.Links = make([]inspect.Link, 0, len(links))
	for _, l := range links {
		a := l.Attrs()
		names[a.Index] = a.Name
		facts.Links = append(facts.Links, inspect.Link{
			Index:       a.Index,
			Name:        a.Name,
			Kind:        kindOf(l),
			MAC:         strings.ToLower(a.HardwareAddr.String()),
			MTU:         a.MTU,
			OperState:   operState(a.OperState),
			Up:          a.Flags&net.FlagUp != 0,
			Addresses:   byLink[a.Index],
			MasterIndex: a.MasterIndex,
			ParentIndex: a.ParentIndex,
			LinkNetNsID: linkNetNsID(a.NetNsID),
			STP:         stp[a.Index],
			VXLAN:       vxlanOf(l),
		})
	}
	slices.SortFunc(facts.Links, func(a, b inspect.Link) int { return cmp.Compare(a.Index, b.Index) })
	facts.Routes = toRoutes(routes, names)
	return facts, nil
}

// linkNetNsID normalises IFLA_LINK_NETNSID. netlink v1.3.1 sets -1 when the
// attribute is absent (the peer or parent is in this same namespace) but
// reads a present one as uint32 into an int, so the kernel's s32 -1 (peer
// namespace has no id and none could be assigned) arrives as 4294967295.
// 0 is a valid nsid.
func linkNetNsID(v int) int {
	return int(int32(v))
}

func kindOf(l netlink.Link) string {
	a := l.Attrs()
	if a.Flags&net.FlagLoopback != 0 || a.Name == "lo" {
		return topo.KindLoopback
	}
	switch t := l.Type(); t {
	case "", "device":
		return topo.KindDevice
	default:
		// veth, bridge, macvlan, ipvlan are spelled as topo.Kind*; others
		// (dummy, vxlan, wireguard, ...) keep the kernel's name.
		return t
	}
}

// operState spells IF_OPER_* as iproute2 does, in lower case. (netlink's
// String says "lower-layer-down" and "not-present".)
func operState(s netlink.LinkOperState) string {
	switch s {
	case netlink.OperNotPresent:
		return "notpresent"
	case netlink.OperDown:
		return "down"
	case netlink.OperLowerLayerDown:
		return "lowerlayerdown"
	case netlink.OperTesting:
		return "testing"
	case netlink.OperDormant:
		return "dormant"
	case netlink.OperUp:
		return "up"
	default:
		return "unknown"
	}
}

// addressesByLink groups addresses by ifindex as CIDR strings, IPv4 first,
// each family in the kernel's order (primary first). IPv6 link-local
// addresses (fe80::/10) are left out: every up link has one, derived from
// its MAC, and they say nothing about the topology. Nothing else is.
func addressesByLink(addrs []netlink.Addr) map[int][]string {
	v4 := map[int][]string{}
	v6 := map[int][]string{}
	for _, a := range addrs {
		if a.IPNet == nil {
			continue
		}
		if a.IP.To4() != nil {
			v4[a.LinkIndex] = append(v4[a.LinkIndex], a.IPNet.String())
		} else if !a.IP.IsLinkLocalUnicast() {
			v6[a.LinkIndex] = append(v6[a.LinkIndex], a.IPNet.String())
		}
	}
	for idx, s := range v6 {
		v4[idx] = append(v4[idx], s...)
	}
	return v4
}

// toRoutes turns IPv4 and IPv6 routes into topo.Routes, one per next hop
// for multipath routes.
func toRoutes(rs []netlink.Route, names map[int]string) []topo.Route {
	var out []topo.Route
	for _, r := range rs {
		var family int
		switch r.Family {
		case netlink.FAMILY_V4:
			family = 4
		case netlink.FAMILY_V6:
			family = 6
		default:
			continue
		}
		dst := "default"
		if r.Dst != nil {
			if ones, _ := r.Dst.Mask.Size(); ones > 0 {
				dst = r.Dst.String()
			}
		}
		base := topo.Route{Dst: dst, Src: ipString(r.Src), Family: family, Metric: r.Priority}
		if len(r.MultiPath) == 0 {
			base.Gateway = gateway(r.Gw, r.Via)
			base.Interface = names[r.LinkIndex]
			out = append(out, base)
			continue
		}
		for _, hop := range r.MultiPath {
			rt := base
			rt.Gateway = gateway(hop.Gw, hop.Via)
			rt.Interface = names[hop.LinkIndex]
			out = append(out, rt)
		}
	}
	return out
}

// gateway is gw, or the RTA_VIA address of an IPv4 route via IPv6.
func gateway(gw net.IP, via netlink.Destination) string {
	if gw != nil {
		return gw.String()
	}
	if v, ok := via.(*netlink.Via); ok && v != nil {
		return ipString(v.Addr)
	}
	return ""
}

func ipString(ip net.IP) string {
	if ip == nil {
		return ""
	}
	return ip.String()
}
