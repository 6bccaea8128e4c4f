package kernel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// maxDumpAttempts bounds how often one dump is retried when the kernel flags
// it as interrupted. A flagged dump raced with a change; on a host where
// containers start and stop, a retry or two normally sees a quiet table.
const maxDumpAttempts = 5

// waitSlice bounds how long one send or receive on a netlink socket waits.
// A socket timeout is the only way to stop a wait early: vishvananda/netlink
// gives no way to close a handle's sockets while a dump runs on it (Close
// rewrites the handle, and a request made after it would open a socket in
// the caller's namespace). So every wait ends after waitSlice at the latest
// with EAGAIN, and the request is made again unless ctx has ended: a
// cancelled read returns within a slice.
const waitSlice = 200 * time.Millisecond

// dumper is the part of *netlink.Handle that dumps whole tables. Only
// dumps (below) may call it: every dump can be interrupted.
type dumper interface {
	LinkList() ([]netlink.Link, error)
	AddrList(link netlink.Link, family int) ([]netlink.Addr, error)
	RouteListFiltered(family int, filter *netlink.Route, filterMask uint64) ([]netlink.Route, error)
}

var _ dumper = (*netlink.Handle)(nil)

// netHandle is a netlink handle open in one namespace, as readIn uses it.
type netHandle interface {
	dumper
	SetSocketTimeout(time.Duration) error
	Close()
}

var _ netHandle = (*netlink.Handle)(nil)

// dumps reads a namespace's tables through d, retrying interrupted dumps
// and waits that ran out, until ctx ends.
type dumps struct {
	ctx context.Context
	d   dumper
}

func (s dumps) links() ([]netlink.Link, error) {
	return retryDump(s.ctx, "list links", s.d.LinkList)
}

// addrs lists the addresses of every link, all families.
func (s dumps) addrs() ([]netlink.Addr, error) {
	return retryDump(s.ctx, "list addresses", func() ([]netlink.Addr, error) {
		return s.d.AddrList(nil, netlink.FAMILY_ALL)
	})
}

// routes lists the main table, all families.
func (s dumps) routes() ([]netlink.Route, error) {
	return retryDump(s.ctx, "list routes", func() ([]netlink.Route, error) {
		return s.d.RouteListFiltered(netlink.FAMILY_ALL,
			&netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	})
}

// retryDump runs dump until it is not interrupted, at most maxDumpAttempts
// times. The partial results of an interrupted dump are thrown away: a link
// list that misses the veth being created is worse than a warning. A wait
// that ran out (see waitSlice) is not an attempt: the dump is asked again
// until ctx ends. A dump asked again after such a wait may find the kernel
// still sending the abandoned one (EBUSY); that counts as an attempt.
func retryDump[T any](ctx context.Context, what string, dump func() ([]T, error)) ([]T, error) {
	for attempt := 1; ; {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out, err := dump()
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, unix.EAGAIN):
			continue
		case !errors.Is(err, netlink.ErrDumpInterrupted) && !errors.Is(err, unix.EBUSY):
			return nil, fmt.Errorf("%s: %w", what, err)
		case attempt == maxDumpAttempts:
			return nil, fmt.Errorf("%s: interrupted %d times in a row: %w", what, attempt, err)
		}
		attempt++
	}
}

// untilAnswered runs a request that is not a dump until it gets an answer
// or ctx ends: a wait that ran out (EAGAIN, see waitSlice) asks again.
func untilAnswered[T any](ctx context.Context, request func() (T, error)) (T, error) {
	for {
		out, err := request()
		if !errors.Is(err, unix.EAGAIN) {
			return out, err
		}
		if cerr := ctx.Err(); cerr != nil {
			return out, cerr
		}
	}
}

// waitFor is how long a socket may wait at once for ctx: waitSlice, or
// less when ctx's deadline is nearer. It fails when ctx has ended.
func waitFor(ctx context.Context) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	d := waitSlice
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if left <= 0 {
			return 0, context.DeadlineExceeded
		}
		d = min(d, max(left, time.Microsecond))
	}
	return d, nil
}
