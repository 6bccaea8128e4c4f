package kernel

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

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
		{"a dump the kernel still sends is an attempt", 1, unix.EBUSY, 2, nil},
		{"waits that ran out are not attempts", maxDumpAttempts + 3, unix.EAGAIN, maxDumpAttempts + 4, nil},
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
				n, err := dump.run(dumps{context.Background(), f})
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
	if _, err := (dumps{context.Background(), f}).routes(); err != nil {
		t.Fatal(err)
	}
	if f.routeFamily != netlink.FAMILY_ALL || f.routeMask != netlink.RT_FILTER_TABLE ||
		f.routeFilter == nil || f.routeFilter.Table != unix.RT_TABLE_MAIN {
		t.Errorf("RouteListFiltered(%d, %+v, %#x)", f.routeFamily, f.routeFilter, f.routeMask)
	}
}

func TestRetryDumpReturnsFinalResult(t *testing.T) {
	calls := 0
	got, err := retryDump(context.Background(), "list things", func() ([]int, error) {
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

var _ netHandle = (*blockedHandle)(nil)

// blockedHandle is a handle whose every dump waits as a real socket does
// when the kernel does not answer: for its socket timeout, then EAGAIN.
type blockedHandle struct {
	mu       sync.Mutex
	timeout  time.Duration // 0: wait forever, as a socket without one
	inFlight int
	calls    int
	closed   bool
}

func (h *blockedHandle) SetSocketTimeout(d time.Duration) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.timeout = d
	return nil
}

func (h *blockedHandle) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
}

func (h *blockedHandle) block() error {
	h.mu.Lock()
	h.inFlight++
	h.calls++
	d := h.timeout
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.inFlight--
		h.mu.Unlock()
	}()
	if d == 0 {
		select {} // the test fails on its deadline: nothing would end this wait
	}
	time.Sleep(d)
	return unix.EAGAIN
}

func (h *blockedHandle) LinkList() ([]netlink.Link, error) { return nil, h.block() }
func (h *blockedHandle) AddrList(netlink.Link, int) ([]netlink.Addr, error) {
	return nil, h.block()
}
func (h *blockedHandle) RouteListFiltered(int, *netlink.Route, uint64) ([]netlink.Route, error) {
	return nil, h.block()
}

// A namespace read whose dump never gets an answer returns soon after ctx
// is cancelled, and leaves no handle open and no goroutine behind.
func TestBlockedDumpReturnsOnCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	h := &blockedHandle{}
	open := func(nsFile) (netHandle, error) { return h, nil }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := readIn(ctx, nsFile{fd: -1}, open)
		done <- err
	}()
	time.Sleep(3 * waitSlice / 2) // the first slice ran out, the dump is asked again
	cancel()
	cancelled := time.Now()
	select {
	case err := <-done:
		if took := time.Since(cancelled); took > time.Second {
			t.Errorf("returned %v after cancel, want within 1s", took)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("readIn still blocked 5s after cancel")
	}
	h.mu.Lock()
	if !h.closed || h.inFlight != 0 || h.calls < 2 {
		t.Errorf("handle closed %v, %d calls in flight, %d calls; want closed, 0, at least 2", h.closed, h.inFlight, h.calls)
	}
	h.mu.Unlock()
	for deadline := time.Now().Add(time.Second); runtime.NumGoroutine() > before; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, %d before the read", runtime.NumGoroutine(), before)
		}
	}
}

// A ctx that has ended opens no handle.
func TestNoHandleForAnEndedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := handleAt(ctx, nsFile{fd: -1, current: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("handleAt = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := handleAt(ctx, nsFile{fd: -1, current: true}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("handleAt = %v, want context.DeadlineExceeded", err)
	}
}
