package kernel

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/netviz/netviz/inspect"
)

// watchQueue is how many notifications each subscription holds for the
// caller; the socket's receive buffer holds the rest.
const watchQueue = 64

// WatchNamespace follows the links, addresses and routes of the network
// namespace of process pid (0: the host, HostNetns when set): it calls
// subscribed (when not nil) once it listens, so that a caller can read the
// namespace knowing nothing after that read is missed, then hands each
// change to each, from one goroutine. It returns nil when ctx ends and an
// error wrapping ErrWatchBroken when any of the three subscriptions ends
// (ENOBUFS included); all three are then closed and drained, so no
// goroutine of the netlink library stays behind.
//
// The sockets are opened in the namespace by the netlink library on a
// locked thread; the namespace file is closed as soon as they are, so a
// subscription holds no namespace handle of netviz's.
func (k *Kernel) WatchNamespace(ctx context.Context, pid int, subscribed func(), each func(inspect.Change)) error {
	ns, err := k.watchNS(pid)
	if err != nil {
		return err
	}
	s := newSubscription(k.opts.ReceiveBuffer)
	err = s.subscribe(ns)
	ns.close()
	defer s.close()
	if err != nil {
		return err
	}
	if subscribed != nil {
		subscribed()
	}
	return s.follow(ctx, each)
}

// watchNS opens the namespace to subscribe in; for netviz's own (the host
// without HostNetns) none is opened: sockets are made where the thread is.
func (k *Kernel) watchNS(pid int) (nsFile, error) {
	switch {
	case pid == 0 && k.opts.HostNetns == "":
		return nsFile{fd: -1, current: true}, nil
	case pid == 0:
		ns, err := openNS(k.opts.HostNetns)
		if err != nil {
			return nsFile{fd: -1}, fmt.Errorf("open host network namespace %q: %w", k.opts.HostNetns, err)
		}
		return ns, nil
	}
	path := filepath.Join(k.opts.ProcRoot, strconv.Itoa(pid), "ns", "net")
	ns, err := openNS(path)
	if err != nil {
		return nsFile{fd: -1}, pidErr(pid, path, err)
	}
	return ns, nil
}

// subscription is the three netlink subscriptions of one namespace.
type subscription struct {
	rcvbuf int
	done   chan struct{}
	links  chan netlink.LinkUpdate
	addrs  chan netlink.AddrUpdate
	routes chan netlink.RouteUpdate
	// started says which channels the library will close.
	started [3]bool

	mu       sync.Mutex
	firstErr error
	closed   bool
}

func newSubscription(rcvbuf int) *subscription {
	return &subscription{
		rcvbuf: rcvbuf,
		done:   make(chan struct{}),
		links:  make(chan netlink.LinkUpdate, watchQueue),
		addrs:  make(chan netlink.AddrUpdate, watchQueue),
		routes: make(chan netlink.RouteUpdate, watchQueue),
	}
}

// onError keeps the first receive error, which is why a channel closes.
// Errors after close are the library noticing its socket was closed.
func (s *subscription) onError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.firstErr == nil && !s.closed {
		s.firstErr = err
	}
}

func (s *subscription) subscribe(ns nsFile) error {
	at := ns.at()
	var h *netns.NsHandle
	if at.IsOpen() {
		h = &at
	}
	force := s.rcvbuf > 0 // past rmem_max: root may, and needs it to be exact
	err := netlink.LinkSubscribeWithOptions(s.links, s.done, netlink.LinkSubscribeOptions{
		Namespace: h, ErrorCallback: s.onError, ReceiveBufferSize: s.rcvbuf, ReceiveBufferForceSize: force})
	if err != nil {
		return fmt.Errorf("subscribe to links: %w", err)
	}
	s.started[0] = true
	err = netlink.AddrSubscribeWithOptions(s.addrs, s.done, netlink.AddrSubscribeOptions{
		Namespace: h, ErrorCallback: s.onError, ReceiveBufferSize: s.rcvbuf, ReceiveBufferForceSize: force})
	if err != nil {
		return fmt.Errorf("subscribe to addresses: %w", err)
	}
	s.started[1] = true
	err = netlink.RouteSubscribeWithOptions(s.routes, s.done, netlink.RouteSubscribeOptions{
		Namespace: h, ErrorCallback: s.onError, ReceiveBufferSize: s.rcvbuf, ReceiveBufferForceSize: force})
	if err != nil {
		return fmt.Errorf("subscribe to routes: %w", err)
	}
	s.started[2] = true
	return nil
}

// close ends the subscriptions and drains their channels until the
// library closes them: its goroutines block on a full channel otherwise.
func (s *subscription) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	close(s.done)
	if s.started[0] {
		for range s.links {
		}
	}
	if s.started[1] {
		for range s.addrs {
		}
	}
	if s.started[2] {
		for range s.routes {
		}
	}
}

func (s *subscription) broken(what string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.firstErr != nil {
		return fmt.Errorf("%w: %s: %w", ErrWatchBroken, what, s.firstErr)
	}
	return fmt.Errorf("%w: %s", ErrWatchBroken, what)
}

func (s *subscription) follow(ctx context.Context, each func(inspect.Change)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case u, ok := <-s.links:
			if !ok {
				return s.broken("links")
			}
			// AF_BRIDGE updates repeat the link's own for bridge ports.
			if u.Family != unix.AF_BRIDGE {
				each(linkChange(u))
			}
		case u, ok := <-s.addrs:
			if !ok {
				return s.broken("addresses")
			}
			each(addrChange(u))
		case u, ok := <-s.routes:
			if !ok {
				return s.broken("routes")
			}
			each(routeChange(u))
		}
	}
}

func action(msgType uint16) string {
	switch msgType {
	case unix.RTM_NEWLINK, unix.RTM_NEWADDR, unix.RTM_NEWROUTE:
		return "new"
	case unix.RTM_DELLINK, unix.RTM_DELADDR, unix.RTM_DELROUTE:
		return "del"
	}
	return strconv.Itoa(int(msgType))
}

func linkChange(u netlink.LinkUpdate) inspect.Change {
	a := u.Link.Attrs()
	return inspect.Change{Time: time.Now(), Kind: inspect.ChangeLink, Action: action(u.Header.Type),
		ID: strconv.Itoa(a.Index), Name: a.Name, Up: a.OperState == netlink.OperUp || u.Flags&unix.IFF_LOWER_UP != 0}
}

func addrChange(u netlink.AddrUpdate) inspect.Change {
	act := "del"
	if u.NewAddr {
		act = "new"
	}
	return inspect.Change{Time: time.Now(), Kind: inspect.ChangeAddress, Action: act,
		ID: strconv.Itoa(u.LinkIndex), Name: u.LinkAddress.String()}
}

func routeChange(u netlink.RouteUpdate) inspect.Change {
	dst := "default"
	if u.Dst != nil {
		dst = u.Dst.String()
	}
	return inspect.Change{Time: time.Now(), Kind: inspect.ChangeRoute, Action: action(u.Type),
		ID: strconv.Itoa(u.LinkIndex), Name: dst}
}
