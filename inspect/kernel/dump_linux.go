package kernel

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// maxDumpAttempts bounds how often one dump is retried when the kernel flags
// it as interrupted. A flagged dump raced with a change; on a host where
// containers start and stop, a retry or two normally sees a quiet table.
const maxDumpAttempts = 5

// dumper is the part of *netlink.Handle that dumps whole tables. Only
// dumps (below) may call it: every dump can be interrupted.
type dumper interface {
	LinkList() ([]netlink.Link, error)
	AddrList(link netlink.Link, family int) ([]netlink.Addr, error)
	RouteListFiltered(family int, filter *netlink.Route, filterMask uint64) ([]netlink.Route, error)
}

var _ dumper = (*netlink.Handle)(nil)

// dumps reads a namespace's tables through d, retrying interrupted dumps.
type dumps struct{ d dumper }

func (s dumps) links() ([]netlink.Link, error) {
	return retryDump("list links", s.d.LinkList)
}

// addrs lists the addresses of every link, all families.
func (s dumps) addrs() ([]netlink.Addr, error) {
	return retryDump("list addresses", func() ([]netlink.Addr, error) {
		return s.d.AddrList(nil, netlink.FAMILY_ALL)
	})
}

// routes lists the main table, all families.
func (s dumps) routes() ([]netlink.Route, error) {
	return retryDump("list routes", func() ([]netlink.Route, error) {
		return s.d.RouteListFiltered(netlink.FAMILY_ALL,
			&netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	})
}

// retryDump runs dump until it is not interrupted, at most maxDumpAttempts
// times. The partial results of an interrupted dump are thrown away: a link
// list that misses the veth being created is worse than a warning.
func retryDump[T any](what string, dump func() ([]T, error)) ([]T, error) {
	for attempt := 1; ; attempt++ {
		out, err := dump()
		switch {
		case err == nil:
			return out, nil
		case !errors.Is(err, netlink.ErrDumpInterrupted):
			return nil, fmt.Errorf("%s: %w", what, err)
		case attempt == maxDumpAttempts:
			return nil, fmt.Errorf("%s: interrupted %d times in a row: %w", what, attempt, err)
		}
	}
}
