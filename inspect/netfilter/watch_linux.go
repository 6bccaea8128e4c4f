package netfilter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"syscall"

	"golang.org/x/sys/unix"
)

// nfnlgrpNftables is NFNLGRP_NFTABLES: the multicast group on which the
// kernel announces every nftables change (tables, chains, rules, sets),
// also those iptables-nft makes. iptables-legacy's changes are not sent.
const nfnlgrpNftables = 7

// WatchRules calls subscribed once it listens, then changed for each batch
// of nftables changes the kernel announces,
// until ctx ends (nil) or the socket fails (an error: ENOBUFS means
// announcements were lost). A socket that cannot be opened or joined gives
// an error wrapping errors.ErrUnsupported at once.
func (r *Reader) WatchRules(ctx context.Context, subscribed, changed func()) error {
	f, err := r.nftSocket()
	if err != nil {
		return fmt.Errorf("nftables events: %w (%w)", errors.ErrUnsupported, err)
	}
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer func() {
		if stop() {
			f.Close()
		}
	}()
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	buf := make([]byte, 64*1024)
	subscribed()
	for {
		var (
			n    int
			rerr error
		)
		err := rc.Read(func(fd uintptr) bool {
			n, _, rerr = unix.Recvfrom(int(fd), buf, 0)
			return rerr != unix.EAGAIN
		})
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			err = rerr
		}
		if err != nil {
			return fmt.Errorf("nftables events: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil || len(msgs) == 0 {
			continue
		}
		changed()
	}
}

// nftSocket opens a netfilter netlink socket in the reader's namespace
// (netviz's own, or Netns entered on a locked thread that is moved back
// before it is unlocked) and joins the nftables group.
func (r *Reader) nftSocket() (*os.File, error) {
	var fd int
	open := func() error {
		var err error
		fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_NETFILTER)
		if err != nil {
			return err
		}
		if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			unix.Close(fd)
			return err
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, nfnlgrpNftables); err != nil {
			unix.Close(fd)
			return err
		}
		return nil
	}
	var err error
	if r.o.Netns == "" {
		err = open()
	} else {
		err = inNetns(r.o.Netns, open)
	}
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "nftables-events"), nil
}

// inNetns runs f on a locked thread moved into the namespace at path, then
// moves the thread back. A thread that cannot be moved back is left
// locked, so the runtime retires it instead of reusing it elsewhere.
func inNetns(path string, f func() error) error {
	runtime.LockOSThread()
	self, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer self.Close()
	target, err := os.Open(path)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("enter %s: %w", path, err)
	}
	ferr := f()
	if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
		return errors.Join(ferr, fmt.Errorf("return from %s: %w", path, err))
	}
	runtime.UnlockOSThread()
	return ferr
}
