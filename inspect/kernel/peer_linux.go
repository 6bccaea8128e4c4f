package kernel

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
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
	path := filepath.Join(k.opts.ProcRoot, "self", "ns", "net")
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return inspect.NSRef{}, fmt.Errorf("network namespace of netviz %q: %w", path, err)
	}
	return refOf(&st), nil
}

// NetnsName is the name under NetnsDir (ip netns) of the namespace ref,
// "" when it has none.
func (k *Kernel) NetnsName(ref inspect.NSRef) string { return k.netnsName(ref) }
