package kernel

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/netviz/netviz/inspect"
)

// SocketPeer returns the process that answers on the unix socket at path:
// it connects, asks SO_PEERCRED and hangs up. The kernel gives the PID of
// the process that called listen(), translated into netviz's PID
// namespace (0 when that process is not visible from it). With socket
// activation that is the activator (systemd), and through a forwarder
// (socat, ssh -L) the forwarder: the daemon is behind it.
func (k *Kernel) SocketPeer(ctx context.Context, path string) (Peer, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return Peer{}, fmt.Errorf("connect to %q: %w", path, err)
	}
	defer c.Close()
	raw, err := c.(*net.UnixConn).SyscallConn()
	if err != nil {
		return Peer{}, fmt.Errorf("socket %q: %w", path, err)
	}
	var (
		cred *unix.Ucred
		gErr error
	)
	if err := raw.Control(func(fd uintptr) {
		cred, gErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Peer{}, fmt.Errorf("socket %q: %w", path, err)
	}
	if gErr != nil {
		return Peer{}, fmt.Errorf("SO_PEERCRED on %q: %w", path, gErr)
	}
	p := Peer{PID: int(cred.Pid)}
	if p.PID > 0 {
		comm, _ := os.ReadFile(filepath.Join(k.opts.ProcRoot, strconv.Itoa(p.PID), "comm"))
		p.Command = strings.TrimSpace(string(comm))
	}
	return p, nil
}

// NetnsFile is the path of process pid's network namespace file.
func (k *Kernel) NetnsFile(pid int) string {
	return filepath.Join(k.opts.ProcRoot, strconv.Itoa(pid), "ns", "net")
}

// PIDNamespaceRef names the PID namespace of process pid (0: netviz's
// own). A daemon in another PID namespace reports its containers' PIDs in
// that one, which mean other processes (or none) here.
func (k *Kernel) PIDNamespaceRef(pid int) (inspect.NSRef, error) {
	who := "self"
	if pid != 0 {
		who = strconv.Itoa(pid)
	}
	path := filepath.Join(k.opts.ProcRoot, who, "ns", "pid")
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return inspect.NSRef{}, pidErr(pid, path, err)
	}
	return refOf(&st), nil
}

// OwnNamespaceRef names the network namespace netviz runs in.
func (k *Kernel) OwnNamespaceRef() (inspect.NSRef, error) {
	path := filepath.Join(k.opts.ProcRoot, "thread-self", "ns", "net")
	var st unix.Stat_t
	if err := onThisThread(func() error { return unix.Stat(path, &st) }); err != nil {
		return inspect.NSRef{}, fmt.Errorf("network namespace of netviz %q: %w", path, err)
	}
	return refOf(&st), nil
}

// onThisThread runs f with the goroutine locked to its thread, so that
// ProcRoot/thread-self is the thread f runs on. Not self: that is the
// main thread's, which NewHandleAt, run by another goroutine, may have
// moved into another namespace for a moment. An unlocked thread never is.
func onThisThread(f func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return f()
}

// NetnsName is the name under NetnsDir (ip netns) of the namespace ref,
// "" when it has none.
func (k *Kernel) NetnsName(ref inspect.NSRef) string { return k.netnsName(ref) }

// ListensHere reports whether a socket listening on the unix socket path
// was made in netviz's own network namespace: ProcRoot/self/net/unix lists
// the unix sockets of the reader's namespace, with the path they were bound
// to. Unlike a process's ns/net file it needs no privilege, so it answers
// for a daemon of another user (dockerd run by root, netviz by a member of
// the docker group).
func (k *Kernel) ListensHere(path string) (bool, error) {
	var b []byte
	err := onThisThread(func() (err error) {
		b, err = os.ReadFile(filepath.Join(k.opts.ProcRoot, "thread-self", "net", "unix"))
		return err
	})
	if err != nil {
		return false, err
	}
	want := canonical(path)
	for _, line := range strings.Split(string(b), "\n") {
		// Num RefCount Protocol Flags Type St Inode Path; Flags 00010000 is
		// __SO_ACCEPTCON: a listening socket.
		f := strings.Fields(line)
		if len(f) == 8 && f[3] == "00010000" && (f[7] == path || canonical(f[7]) == want) {
			return true, nil
		}
	}
	return false, nil
}

// canonical resolves symlinks in path's directory (/var/run is /run).
func canonical(path string) string {
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return path
	}
	return filepath.Join(dir, filepath.Base(path))
}

// CanEnter reports, by trying, whether netviz may open netlink sockets in
// the network namespace of process pid (setns needs CAP_SYS_ADMIN, also
// over a user's own rootless namespace). Errors wrap fs.ErrPermission
// where they apply.
func (k *Kernel) CanEnter(pid int) error {
	path := k.NetnsFile(pid)
	ns, err := openNS(path)
	if err != nil {
		return pidErr(pid, path, err)
	}
	defer ns.close()
	h, err := newHandleAt(ns)
	if err != nil {
		return err
	}
	h.Close()
	return nil
}
