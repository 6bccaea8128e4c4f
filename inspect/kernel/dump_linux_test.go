package kernel

import (
	"errors"
	"slices"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

var _ dumper = (*fakeDumper)(nil)

// fakeDumper fails each dump with err for its first fails calls, then
// returns one item.
type fakeDumper struct {
	fails int
	err   error
	calls int
	// routeFilter records what routes() asked for.
	routeFamily int
	routeFilter *netlink.Route
	routeMask   uint64
}

func (f *fakeDumper) next() error {
	f.calls++
	if f.calls <= f.fails {
		return f.err
	}
	return nil
}

func (f *fakeDumper) LinkList() ([]netlink.Link, error) {
	if err := f.next(); err != nil {
		// netlink returns partial results with ErrDumpInterrupted.
		return []netlink.Link{&netlink.Dummy{}}, err
	}
	return []netlink.Link{&netlink.Veth{}}, nil
}

func (f *fakeDumper) AddrList(netlink.Link, int) ([]netlink.Addr, error) {
	if err := f.next(); err != nil {
		return nil, err
	}
	return []netlink.Addr{{LinkIndex: 7}}, nil
}

func (f *fakeDumper) RouteListFiltered(family int, filter *netlink.Route, mask uint64) ([]netlink.Route, error) {
	f.routeFamily, f.routeFilter, f.routeMask = family, filter, mask
	if err := f.next(); err != nil {
		return nil, err
	}
	return []netlink.Route{{LinkIndex: 7}}, nil
}

func TestDumpRetries(t *testing.T) {
	other := errors.New("netlink socket closed")
	for _, tc := range []struct {
		name      string
		fails     int
		err       error
		wantCalls int
		wantErr   error // nil: success
	}{
		{"clean", 0, netlink.ErrDumpInterrupted, 1, nil},
		{"interrupted once", 1, netlink.ErrDumpInterrupted, 2, nil},
		{"interrupted until the last try", maxDumpAttempts - 1, netlink.ErrDumpInterrupted, maxDumpAttempts, nil},
		{"interrupted every time", maxDumpAttempts, netlink.ErrDumpInterrupted, maxDumpAttempts, netlink.ErrDumpInterrupted},
		{"interrupted forever", 1000, netlink.ErrDumpInterrupted, maxDumpAttempts, netlink.ErrDumpInterrupted},
		{"other errors are not retried", 1, other, 1, other},
		{"nor are errnos", 3, unix.ENOBUFS, 1, unix.ENOBUFS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, dump := range []struct {
				name string
				run  func(dumps) (int, error)
			}{
				{"links", func(d dumps) (int, error) { l, err := d.links(); return len(l), err }},
				{"addrs", func(d dumps) (int, error) { a, err := d.addrs(); return len(a), err }},
				{"routes", func(d dumps) (int, error) { r, err := d.routes(); return len(r), err }},
			} {
				f := &fakeDumper{fails: tc.fails, err: tc.err}
				n, err := dump.run(dumps{f})
				if f.calls != tc.wantCalls {
					t.Errorf("%s: %d calls, want %d", dump.name, f.calls, tc.wantCalls)
				}
				switch {
				case tc.wantErr == nil && (err != nil || n != 1):
					t.Errorf("%s: %d items, %v; want 1, nil", dump.name, n, err)
				case tc.wantErr != nil && (!errors.Is(err, tc.wantErr) || n != 0):
					t.Errorf("%s: %d items, %v; want no items, an error wrapping %v", dump.name, n, err, tc.wantErr)
				}
			}
		})
	}
}

func TestDumpRoutesAsksForMainTableAllFamilies(t *testing.T) {
	f := &fakeDumper{}
	if _, err := (dumps{f}).routes(); err != nil {
		t.Fatal(err)
	}
	if f.routeFamily != netlink.FAMILY_ALL || f.routeMask != netlink.RT_FILTER_TABLE ||
		f.routeFilter == nil || f.routeFilter.Table != unix.RT_TABLE_MAIN {
		t.Errorf("RouteListFiltered(%d, %+v, %#x)", f.routeFamily, f.routeFilter, f.routeMask)
	}
}

func TestRetryDumpReturnsFinalResult(t *testing.T) {
	calls := 0
	got, err := retryDump("list things", func() ([]int, error) {
		calls++
		if calls < 3 {
			return []int{calls}, netlink.ErrDumpInterrupted
		}
		return []int{1, 2, 3}, nil
	})
	if err != nil || !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("retryDump = %v, %v; want the third, uninterrupted dump", got, err)
	}
}
