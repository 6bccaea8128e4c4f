package kernel

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

var _ inspect.DockerNamespaceReader = (*Kernel)(nil)

// procNetns matches the namespace file of a daemon living elsewhere, whose
// mount namespace is reached through /proc/<pid>/root.
var procNetns = regexp.MustCompile(`^(.*/[0-9]+)/ns/net$`)

// daemonPath is where path, as the daemon sees it, is for netviz: under
// the daemon's root when the host namespace is a daemon's (HostNetns is
// /proc/<pid>/ns/net), so that its exec root is found even when it lives
// in a mount namespace of its own.
func (k *Kernel) daemonPath(path string) string {
	if m := procNetns.FindStringSubmatch(k.opts.HostNetns); m != nil {
		return filepath.Join(m[1], "root", path)
	}
	return path
}

// DockerNamespaces reads the namespaces bound under dir, one at a time
// (there are a few per overlay network, not per container).
func (k *Kernel) DockerNamespaces(ctx context.Context, dir string, keep func(string) bool, pids []int) ([]inspect.NamespaceFacts, error) {
	real := k.daemonPath(dir)
	entries, err := os.ReadDir(real)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list Docker's namespaces: %w", err)
	}
	host, err := k.openHost(ctx)
	if err != nil {
		return nil, err
	}
	defer host.close()
	var (
		out   []inspect.NamespaceFacts
		paths []string
	)
	for _, e := range entries {
		if keep(e.Name()) {
			paths = append(paths, filepath.Join(real, e.Name()))
		}
	}
	// Their veths point at containers' namespaces and at each other
	// (lb_ and ingress_sbox on an overlay's br0).
	others := make([]string, 0, len(pids)+len(paths))
	for _, pid := range pids {
		others = append(others, filepath.Join(k.opts.ProcRoot, strconv.Itoa(pid), "ns", "net"))
	}
	others = append(others, paths...)
	for _, path := range paths {
		f, err := k.readDockerNS(ctx, host, path, others)
		if errors.Is(err, inspect.ErrGone) {
			continue // removed since the listing: nothing to show
		}
		if err != nil {
			return out, fmt.Errorf("namespace %q: %w", filepath.Base(path), err)
		}
		f.Name = filepath.Base(path)
		out = append(out, f)
	}
	return out, nil
}

func (k *Kernel) readDockerNS(ctx context.Context, host *hostNS, path string, others []string) (inspect.NamespaceFacts, error) {
	ns, err := openNS(path)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return inspect.NamespaceFacts{}, fmt.Errorf("%q: %w", path, inspect.ErrGone)
		}
		return inspect.NamespaceFacts{}, fmt.Errorf("open %q: %w", path, err)
	}
	defer ns.close()
	if !isNsfs(ns.fd) {
		// The bind mount is gone and the file is the empty placeholder
		// Docker leaves until it removes it.
		return inspect.NamespaceFacts{}, fmt.Errorf("%q is not a namespace: %w", path, inspect.ErrGone)
	}
	facts, err := host.read(ctx, ns)
	if err != nil {
		return inspect.NamespaceFacts{}, err
	}
	h, err := handleAt(ctx, ns)
	if err != nil {
		return facts, err
	}
	defer h.Close()
	d := &inspect.DockerNamespace{Path: path}
	if d.FDB, err = readFDB(ctx, h, facts.Links); err != nil {
		return facts, err
	}
	if d.Neighbours, err = readNeighbours(ctx, h); err != nil {
		return facts, err
	}
	d.PeerNsIDs = peerNsIDs(h, others)
	// Only the routing mesh and the load balancers hold IPVS services;
	// an overlay sandbox never does.
	if role := inspect.DockerRole(filepath.Base(path)); role == topo.RoleIngressSandbox || role == topo.RoleLoadBalancer {
		d.IPVS, d.IPVSErr = readIPVS(ns)
	}
	facts.Docker = d
	return facts, nil
}

// isNsfs reports whether fd is a namespace file (not the empty file a bind
// mount sits on).
func isNsfs(fd int) bool {
	var st unix.Statfs_t
	return unix.Fstatfs(fd, &st) == nil && st.Type == unix.NSFS_MAGIC
}

// readFDB lists the forwarding database of each VXLAN device.
func readFDB(ctx context.Context, h *netlink.Handle, links []inspect.Link) ([]inspect.FDBEntry, error) {
	var out []inspect.FDBEntry
	for _, l := range links {
		if l.VXLAN == nil {
			continue
		}
		idx := l.Index
		ns, err := retryDump(ctx, "list forwarding database", func() ([]netlink.Neigh, error) {
			return h.NeighList(idx, unix.AF_BRIDGE)
		})
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			if n.HardwareAddr == nil {
				continue
			}
			e := inspect.FDBEntry{LinkIndex: n.LinkIndex, MAC: strings.ToLower(n.HardwareAddr.String())}
			if n.IP != nil && !n.IP.IsUnspecified() {
				e.Dst = n.IP.String()
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// readNeighbours lists the IPv4 and IPv6 neighbour entries that name a MAC.
func readNeighbours(ctx context.Context, h *netlink.Handle) ([]inspect.Neighbour, error) {
	ns, err := retryDump(ctx, "list neighbours", func() ([]netlink.Neigh, error) {
		return h.NeighList(0, netlink.FAMILY_ALL)
	})
	if err != nil {
		return nil, err
	}
	var out []inspect.Neighbour
	for _, n := range ns {
		if n.IP == nil || n.HardwareAddr == nil || n.Family == unix.AF_BRIDGE {
			continue
		}
		out = append(out, inspect.Neighbour{LinkIndex: n.LinkIndex, IP: n.IP.String(), MAC: strings.ToLower(n.HardwareAddr.String())})
	}
	return out, nil
}

// peerNsIDs asks the namespace h is open in which nsid it gives each of
// the namespace files paths. Those gone, or given none, are left out: no
// veth of it can point there.
func peerNsIDs(h *netlink.Handle, paths []string) map[int]inspect.NSRef {
	out := map[int]inspect.NSRef{}
	for _, p := range slices.Compact(slices.Sorted(slices.Values(paths))) {
		ns, err := openNS(p)
		if err != nil {
			continue
		}
		id, err := h.GetNetNsIdByFd(ns.fd)
		if err == nil && id >= 0 {
			out[id] = ns.ref
		}
		ns.close()
	}
	return out
}

// vxlanOf is the VXLAN part of a link, nil for other kinds.
func vxlanOf(l netlink.Link) *inspect.VXLANLink {
	v, ok := l.(*netlink.Vxlan)
	if !ok {
		return nil
	}
	out := &inspect.VXLANLink{VNI: v.VxlanId, Port: v.Port}
	if v.SrcAddr != nil && !v.SrcAddr.IsUnspecified() {
		out.Local = v.SrcAddr.String()
	}
	if v.Group != nil && !v.Group.IsUnspecified() {
		out.Group = v.Group.String()
	}
	return out
}
