package kernel

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

// world is a small network built in throwaway namespaces:
//
//	a: lo, br0 (bridge, STP on, 10.99.0.1/24, 2001:db8:99::1/64, default
//	   routes) with port veth-a; vx0 (vxlan)
//	b: lo, veth-b (peer of veth-a; 10.99.0.2/24, 169.254.7.7/16,
//	   2001:db8:99::2/64), mv0 (macvlan on p's up0)
//	p: lo, up0/up1 (a veth pair, up0 is mv0's parent); no process
//
// a has one sleeping process, b two. All three have an nsid in the host.
type world struct {
	a, b, p            string
	pidA, pidB, pidB2  int
	nsidA, nsidB, nsid int
}

func newWorld(tb testing.TB) *world {
	tb.Helper()
	requireRoot(tb)
	w := &world{a: netnsAdd(tb), b: netnsAdd(tb), p: netnsAdd(tb)}
	for _, args := range [][]string{
		{"-n", w.a, "link", "add", "name", "br0", "type", "bridge", "stp_state", "1"},
		{"-n", w.a, "link", "add", "name", "veth-a", "type", "veth", "peer", "name", "veth-b", "netns", w.b},
		{"-n", w.a, "link", "set", "veth-a", "master", "br0", "up"},
		{"-n", w.a, "link", "set", "br0", "up"},
		{"-n", w.a, "addr", "add", "10.99.0.1/24", "dev", "br0"},
		{"-n", w.a, "addr", "add", "2001:db8:99::1/64", "dev", "br0", "nodad"},
		{"-n", w.a, "route", "add", "default", "via", "10.99.0.254", "dev", "br0", "onlink"},
		{"-n", w.a, "-6", "route", "add", "default", "via", "2001:db8:99::fe", "dev", "br0", "onlink"},
		{"-n", w.a, "link", "add", "name", "vx0", "type", "vxlan", "id", "42", "dstport", "4789"},
		{"-n", w.b, "link", "set", "veth-b", "up"},
		{"-n", w.b, "addr", "add", "10.99.0.2/24", "dev", "veth-b"},
		{"-n", w.b, "addr", "add", "169.254.7.7/16", "dev", "veth-b"},
		{"-n", w.b, "addr", "add", "2001:db8:99::2/64", "dev", "veth-b", "nodad"},
		{"-n", w.p, "link", "add", "name", "up0", "type", "veth", "peer", "name", "up1"},
		{"-n", w.p, "link", "set", "up0", "up"},
		{"-n", w.p, "link", "add", "name", "mv0", "link", "up0", "type", "macvlan", "mode", "bridge"},
		{"-n", w.p, "link", "set", "mv0", "netns", w.b},
		{"-n", w.b, "link", "set", "mv0", "mtu", "1400", "up"},
		{"-n", w.b, "addr", "add", "10.98.0.2/24", "dev", "mv0"},
	} {
		ip(tb, args...)
	}
	w.nsidA, w.nsidB, w.nsid = hostNsid(tb, w.a), hostNsid(tb, w.b), hostNsid(tb, w.p)
	w.pidA, w.pidB, w.pidB2 = startIn(tb, w.a), startIn(tb, w.b), startIn(tb, w.b)
	return w
}

func TestReadNamespaceMatchesIP(t *testing.T) {
	w := newWorld(t)
	k := New()
	for _, tc := range []struct {
		ns   string
		pid  int
		nsid int
	}{
		{w.a, w.pidA, w.nsidA},
		{w.b, w.pidB, w.nsidB},
	} {
		t.Run(tc.ns, func(t *testing.T) {
			before := groundTruth(t, tc.ns)
			got, err := k.ReadNamespace(t.Context(), tc.pid)
			if err != nil {
				t.Fatal(err)
			}
			after := groundTruth(t, tc.ns)

			if want := statRef(t, "/run/netns/"+tc.ns); got.Ref != want {
				t.Errorf("Ref = %v, want %v", got.Ref, want)
			}
			if got.NsID != tc.nsid {
				t.Errorf("NsID = %d, want %d", got.NsID, tc.nsid)
			}
			if got.Name != tc.ns {
				t.Errorf("Name = %q, want %q", got.Name, tc.ns)
			}
			// Carrier and STP port states settle asynchronously: what we
			// read must be what ip saw just before or just after.
			if !reflect.DeepEqual(got.Links, before.links) && !reflect.DeepEqual(got.Links, after.links) {
				t.Errorf("links differ from ip's\n got: %+v\nwant: %+v", got.Links, after.links)
			}
			routes := sortedRoutes(got.Routes)
			if !reflect.DeepEqual(routes, before.routes) && !reflect.DeepEqual(routes, after.routes) {
				t.Errorf("routes differ from ip's\n got: %+v\nwant: %+v", routes, after.routes)
			}
		})
	}
}

func TestReadNamespaceFacts(t *testing.T) {
	w := newWorld(t)
	k := New()
	a, err := k.ReadNamespace(t.Context(), w.pidA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.ReadNamespace(t.Context(), w.pidB)
	if err != nil {
		t.Fatal(err)
	}
	br0, vethA, vx0 := mustLink(t, a, "br0"), mustLink(t, a, "veth-a"), mustLink(t, a, "vx0")
	vethB, mv0 := mustLink(t, b, "veth-b"), mustLink(t, b, "mv0")

	for _, tc := range []struct {
		link inspect.Link
		kind string
	}{
		{mustLink(t, a, "lo"), topo.KindLoopback},
		{br0, topo.KindBridge},
		{vethA, topo.KindVeth},
		{vx0, "vxlan"},
		{mv0, topo.KindMacvlan},
	} {
		if tc.link.Kind != tc.kind {
			t.Errorf("%s: Kind = %q, want %q", tc.link.Name, tc.link.Kind, tc.kind)
		}
	}
	if !br0.STP {
		t.Error("br0: STP = false, want true")
	}
	if vethA.MasterIndex != br0.Index {
		t.Errorf("veth-a: MasterIndex = %d, want br0's %d", vethA.MasterIndex, br0.Index)
	}
	if want := []string{"10.99.0.1/24", "2001:db8:99::1/64"}; !slices.Equal(br0.Addresses, want) {
		t.Errorf("br0: Addresses = %q, want %q", br0.Addresses, want)
	}
	// IPv4 link-local stays; IPv6 link-local (which every up link has) goes.
	if want := []string{"10.99.0.2/24", "169.254.7.7/16", "2001:db8:99::2/64"}; !slices.Equal(vethB.Addresses, want) {
		t.Errorf("veth-b: Addresses = %q, want %q", vethB.Addresses, want)
	}
	if mv0.MTU != 1400 || !mv0.Up {
		t.Errorf("mv0: MTU %d, Up %v; want 1400, true", mv0.MTU, mv0.Up)
	}
	var defaults []topo.Route
	for _, r := range a.Routes {
		if r.Dst == "default" {
			defaults = append(defaults, r)
		}
	}
	wantDefaults := []topo.Route{
		{Dst: "default", Gateway: "10.99.0.254", Interface: "br0", Family: 4},
		{Dst: "default", Gateway: "2001:db8:99::fe", Interface: "br0", Family: 6, Metric: 1024},
	}
	if !reflect.DeepEqual(defaults, wantDefaults) {
		t.Errorf("default routes = %+v, want %+v", defaults, wantDefaults)
	}
}

// TestPairing checks the facts veths are paired by: each end's ParentIndex
// is the other's ifindex and its LinkNetNsID is the other's namespace as
// seen from its own; likewise for a macvlan and its parent.
func TestPairing(t *testing.T) {
	w := newWorld(t)
	k := New()
	a, err := k.ReadNamespace(t.Context(), w.pidA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.ReadNamespace(t.Context(), w.pidB)
	if err != nil {
		t.Fatal(err)
	}
	p, err := k.FindNamespaces(t.Context(), []int{w.nsid})
	if err != nil || len(p) != 1 {
		t.Fatalf("FindNamespaces(p) = %d namespaces, %v", len(p), err)
	}
	vethA, vethB := mustLink(t, a, "veth-a"), mustLink(t, b, "veth-b")
	mv0, up0 := mustLink(t, b, "mv0"), mustLink(t, p[0], "up0")
	up1 := mustLink(t, p[0], "up1")

	for _, tc := range []struct {
		name        string
		link        inspect.Link
		parentIndex int
		from, to    string // namespaces: LinkNetNsID is to's nsid seen from from
	}{
		{"veth-a", vethA, vethB.Index, w.a, w.b},
		{"veth-b", vethB, vethA.Index, w.b, w.a},
		{"mv0", mv0, up0.Index, w.b, w.p},
		{"up0", up0, up1.Index, "", ""}, // peer in the same namespace
	} {
		if tc.link.ParentIndex != tc.parentIndex {
			t.Errorf("%s: ParentIndex = %d, want %d", tc.name, tc.link.ParentIndex, tc.parentIndex)
		}
		want := -1
		if tc.from != "" {
			want = nsidSeenFrom(t, tc.from, tc.to)
		}
		if tc.link.LinkNetNsID != want {
			t.Errorf("%s: LinkNetNsID = %d, want %d", tc.name, tc.link.LinkNetNsID, want)
		}
	}
}

// TestHost reads the host namespace, with one veth whose other end is in a
// throwaway namespace: the pair the product exists to show.
func TestHost(t *testing.T) {
	requireRoot(t)
	c := netnsAdd(t)
	hostVeth := "netviz-t" + randomSuffix(t)
	t.Cleanup(func() { exec.Command("ip", "link", "del", hostVeth).Run() })
	ip(t, "link", "add", "name", hostVeth, "type", "veth", "peer", "name", "eth9", "netns", c)
	ip(t, "link", "set", hostVeth, "up")
	ip(t, "-n", c, "link", "set", "eth9", "up")
	pidC := startIn(t, c)

	k := New()
	host, err := k.Host(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	container, err := k.ReadNamespace(t.Context(), pidC)
	if err != nil {
		t.Fatal(err)
	}

	hostname, _ := os.Hostname()
	if host.Hostname != hostname {
		t.Errorf("Hostname = %q, want %q", host.Hostname, hostname)
	}
	if release := strings.TrimSpace(string(run(t, "uname", "-r"))); host.Kernel != release {
		t.Errorf("Kernel = %q, want %q", host.Kernel, release)
	}
	if want := statRef(t, "/proc/self/ns/net"); host.Namespace.Ref != want {
		t.Errorf("Ref = %v, want %v", host.Namespace.Ref, want)
	}
	if host.Namespace.NsID != -1 {
		t.Logf("the host namespace has an nsid for itself: %d", host.Namespace.NsID)
	}
	if lo := mustLink(t, host.Namespace, "lo"); lo.Kind != topo.KindLoopback || lo.Index != 1 {
		t.Errorf("lo = %+v", lo)
	}

	hv, eth9 := mustLink(t, host.Namespace, hostVeth), mustLink(t, container, "eth9")
	if hv.Kind != topo.KindVeth || !hv.Up {
		t.Errorf("%s: Kind %q, Up %v", hostVeth, hv.Kind, hv.Up)
	}
	if hv.ParentIndex != eth9.Index || hv.LinkNetNsID != container.NsID || container.NsID < 0 {
		t.Errorf("host veth points at (nsid %d, ifindex %d), want the container side (nsid %d, ifindex %d)",
			hv.LinkNetNsID, hv.ParentIndex, container.NsID, eth9.Index)
	}
	if want := ipLinkNetnsid(t, c, "eth9"); eth9.ParentIndex != hv.Index || eth9.LinkNetNsID != want {
		t.Errorf("eth9 points at (nsid %d, ifindex %d), want (%d, %d)", eth9.LinkNetNsID, eth9.ParentIndex, want, hv.Index)
	}

	// Bridges (docker0, ...) are only read: STP must agree with sysfs,
	// which for the host namespace is right.
	for _, l := range host.Namespace.Links {
		if l.Kind != topo.KindBridge {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/sys/class/net", l.Name, "bridge/stp_state"))
		if err != nil {
			continue // gone since
		}
		if want := strings.TrimSpace(string(b)) != "0"; l.STP != want {
			t.Errorf("bridge %s: STP = %v, sysfs says %s", l.Name, l.STP, b)
		}
	}

	for _, r := range ipJSON[[]ipRoute](t, "route", "show", "default") {
		want := topo.Route{Dst: "default", Gateway: r.Gateway, Interface: r.Dev, Src: r.Prefsrc, Family: 4, Metric: r.Metric}
		if !slices.Contains(host.Namespace.Routes, want) {
			t.Errorf("no route %+v in %+v", want, host.Namespace.Routes)
		}
	}
}

func TestNamespaceRef(t *testing.T) {
	w := newWorld(t)
	k := New()
	refB, err := k.NamespaceRef(w.pidB)
	if err != nil {
		t.Fatal(err)
	}
	refB2, err := k.NamespaceRef(w.pidB2)
	if err != nil {
		t.Fatal(err)
	}
	refA, err := k.NamespaceRef(w.pidA)
	if err != nil {
		t.Fatal(err)
	}
	if refB != refB2 {
		t.Errorf("two processes in one namespace: %v != %v", refB, refB2)
	}
	if want := statRef(t, "/run/netns/"+w.b); refB != want {
		t.Errorf("NamespaceRef = %v, want %v (the named file's)", refB, want)
	}
	if refA == refB {
		t.Errorf("two namespaces, one ref %v", refA)
	}
	facts, err := k.ReadNamespace(t.Context(), w.pidB2)
	if err != nil {
		t.Fatal(err)
	}
	if facts.Ref != refB {
		t.Errorf("ReadNamespace Ref = %v, NamespaceRef %v", facts.Ref, refB)
	}
}

func TestGoneAndInvalid(t *testing.T) {
	requireRoot(t)
	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	dead := exited.Process.Pid
	k := New()
	if _, err := k.NamespaceRef(dead); !errors.Is(err, inspect.ErrGone) {
		t.Errorf("NamespaceRef(exited) = %v, want ErrGone", err)
	}
	if _, err := k.ReadNamespace(t.Context(), dead); !errors.Is(err, inspect.ErrGone) {
		t.Errorf("ReadNamespace(exited) = %v, want ErrGone", err)
	}
	for _, pid := range []int{0, -1} {
		if _, err := k.NamespaceRef(pid); err == nil || errors.Is(err, inspect.ErrGone) {
			t.Errorf("NamespaceRef(%d) = %v, want an invalid-pid error", pid, err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := k.ReadNamespace(ctx, os.Getpid()); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadNamespace(canceled) = %v", err)
	}
}

func TestFindNamespaces(t *testing.T) {
	w := newWorld(t)
	// u has no name: only its process holds it.
	u := exec.Command("sleep", "300")
	u.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	if err := u.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { u.Process.Kill(); u.Wait() })
	pidU := u.Process.Pid
	if err := netlink.SetNetNsIdByPid(pidU, -1); err != nil { // -1: any free nsid
		t.Fatal(err)
	}
	nsidU, err := netlink.GetNetNsIdByPid(pidU)
	if err != nil || nsidU < 0 {
		t.Fatalf("nsid of the unnamed namespace: %d, %v", nsidU, err)
	}
	refU := statRef(t, fmt.Sprintf("/proc/%d/ns/net", pidU))
	unused := 1<<31 - 7

	k := New()
	t.Run("named, unnamed and missing", func(t *testing.T) {
		got, err := k.FindNamespaces(t.Context(), []int{w.nsid, nsidU, w.nsidA, unused, nsidU})
		if err != nil {
			t.Fatal(err)
		}
		type found struct {
			NsID int
			Name string
			Ref  inspect.NSRef
		}
		var gotIDs []found
		for _, f := range got {
			gotIDs = append(gotIDs, found{f.NsID, f.Name, f.Ref})
			if len(f.Links) == 0 {
				t.Errorf("nsid %d: no links read", f.NsID)
			}
		}
		want := []found{
			{w.nsid, w.p, statRef(t, "/run/netns/"+w.p)},
			{w.nsidA, w.a, statRef(t, "/run/netns/"+w.a)},
			{nsidU, "", refU},
		}
		slices.SortFunc(want, func(a, b found) int { return cmp.Compare(a.NsID, b.NsID) })
		if !reflect.DeepEqual(gotIDs, want) {
			t.Errorf("found %+v, want %+v", gotIDs, want)
		}
	})
	t.Run("none wanted", func(t *testing.T) {
		got, err := k.FindNamespaces(t.Context(), nil)
		if err != nil || got != nil {
			t.Errorf("FindNamespaces(nil) = %v, %v", got, err)
		}
	})
	t.Run("skips what is not a namespace", func(t *testing.T) {
		proc, netnsDir := t.TempDir(), t.TempDir()
		must(t, os.Symlink("/proc/self", filepath.Join(proc, "self")))
		must(t, os.Symlink("/proc/thread-self", filepath.Join(proc, "thread-self")))
		must(t, os.Mkdir(filepath.Join(proc, "sys"), 0o755))
		must(t, os.MkdirAll(filepath.Join(proc, "999999999"), 0o755)) // exited
		must(t, os.MkdirAll(filepath.Join(proc, "42", "ns"), 0o755))
		must(t, os.Symlink(fmt.Sprintf("/proc/%d/ns/net", pidU), filepath.Join(proc, "42", "ns", "net")))
		must(t, os.WriteFile(filepath.Join(netnsDir, "stale"), nil, 0o644)) // a name whose mount is gone
		must(t, os.Symlink(fmt.Sprintf("/proc/%d/ns/uts", pidU), filepath.Join(netnsDir, "uts")))

		got, err := NewWithOptions(Options{ProcRoot: proc, NetnsDir: netnsDir}).FindNamespaces(t.Context(), []int{nsidU})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Ref != refU || got[0].Name != "" {
			t.Errorf("found %+v, want only the unnamed namespace %v", got, refU)
		}
	})
}

// TestNoThreadChangesNamespace reads namespaces from many goroutines while
// others keep checking that the thread they run on is in the host
// namespace. A setns without a locked thread would leave some thread in a
// container's namespace for the checkers to land on.
func TestNoThreadChangesNamespace(t *testing.T) {
	w := newWorld(t)
	host := statRef(t, "/proc/self/ns/net")

	t.Run("the check sees a moved thread", func(t *testing.T) {
		// The thread is locked and never unlocked: the runtime throws it
		// away when the goroutine ends, whatever namespace it is in.
		seen := make(chan inspect.NSRef)
		go func() {
			var ref inspect.NSRef
			defer func() { seen <- ref }()
			runtime.LockOSThread()
			fd, err := unix.Open("/run/netns/"+w.a, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return
			}
			defer unix.Close(fd)
			if unix.Setns(fd, unix.CLONE_NEWNET) != nil {
				return
			}
			ref = threadRef(t)
		}()
		if got := <-seen; got == host || got == (inspect.NSRef{}) {
			t.Fatalf("a thread moved into %s still looks like the host: %v", w.a, got)
		}
	})

	k := New()
	var (
		stop    atomic.Bool
		wrong   atomic.Int64
		checks  atomic.Int64
		readers sync.WaitGroup
		checker sync.WaitGroup
	)
	for range 8 {
		checker.Add(1)
		go func() {
			defer checker.Done()
			for !stop.Load() {
				if threadRef(t) != host {
					wrong.Add(1)
				}
				checks.Add(1)
			}
		}()
	}
	errs := make(chan error, 16)
	for i := range 16 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			pid := []int{w.pidA, w.pidB, w.pidB2}[i%3]
			for range 40 {
				if _, err := k.ReadNamespace(t.Context(), pid); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	readers.Wait()
	stop.Store(true)
	checker.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := wrong.Load(); n > 0 {
		t.Errorf("%d of %d checks found a thread outside the host namespace", n, checks.Load())
	}
	t.Logf("%d checks", checks.Load())
}

// TestUnprivileged runs a copy of this test binary as nobody: it must read
// the host, and say fs.ErrPermission, not fail otherwise, for namespaces it
// may not enter.
func TestUnprivileged(t *testing.T) {
	w := newWorld(t)
	// A namespace whose process belongs to nobody: nobody may open it, but
	// not setns into it.
	own := exec.Command("sleep", "300")
	own.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNET,
		Credential: &syscall.Credential{Uid: 65534, Gid: 65534},
	}
	if err := own.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { own.Process.Kill(); own.Wait() })

	dir, err := os.MkdirTemp("", "netviz-kernel-test")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	must(t, os.Chmod(dir, 0o755))
	self, err := os.ReadFile(os.Args[0])
	must(t, err)
	bin := filepath.Join(dir, "kernel.test")
	must(t, os.WriteFile(bin, self, 0o755))

	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+strconv.Itoa(w.pidA)+","+strconv.Itoa(own.Process.Pid))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("unprivileged helper: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

const helperEnv = "NETVIZ_KERNEL_TEST_UNPRIVILEGED"

func TestMain(m *testing.M) {
	if pids := os.Getenv(helperEnv); pids != "" {
		os.Exit(unprivileged(pids))
	}
	os.Exit(m.Run())
}

// unprivileged is TestUnprivileged's other half, run as nobody.
func unprivileged(pids string) int {
	rootPid, ownPid, _ := strings.Cut(pids, ",")
	root, _ := strconv.Atoi(rootPid)
	own, _ := strconv.Atoi(ownPid)
	ctx := context.Background()
	k := New()
	var failed []string
	check := func(what string, err error, wantPermission bool) {
		switch {
		case wantPermission && !errors.Is(err, fs.ErrPermission):
			failed = append(failed, fmt.Sprintf("%s: %v, want fs.ErrPermission", what, err))
		case !wantPermission && err != nil:
			failed = append(failed, fmt.Sprintf("%s: %v", what, err))
		default:
			fmt.Printf("%s: %v\n", what, err)
		}
	}
	host, err := k.Host(ctx)
	check("Host", err, false)
	if err == nil && len(host.Namespace.Links) == 0 {
		failed = append(failed, "Host: no links")
	}
	_, err = k.NamespaceRef(root)
	check("NamespaceRef(root's process)", err, true)
	_, err = k.ReadNamespace(ctx, root)
	check("ReadNamespace(root's process)", err, true)
	_, err = k.NamespaceRef(own)
	check("NamespaceRef(own process)", err, false)
	_, err = k.ReadNamespace(ctx, own)
	check("ReadNamespace(own process), no CAP_SYS_ADMIN", err, true)
	// Named namespaces can be opened by anyone but not entered.
	_, err = k.FindNamespaces(ctx, []int{0, 1, 2})
	check("FindNamespaces", err, err != nil)
	if len(failed) > 0 {
		fmt.Println(strings.Join(failed, "\n"))
		return 1
	}
	return 0
}

// BenchmarkReadNamespace reads a namespace with a bridge (whose STP state
// costs a second socket) and one shaped like a container's.
func BenchmarkReadNamespace(b *testing.B) {
	w := newWorld(b)
	k := New()
	for _, bc := range []struct {
		name string
		pid  int
	}{
		{"bridge", w.pidA},
		{"container", w.pidB},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := b.Context()
			for b.Loop() {
				if _, err := k.ReadNamespace(ctx, bc.pid); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkHost(b *testing.B) {
	requireRoot(b)
	k := New()
	ctx := b.Context()
	for b.Loop() {
		if _, err := k.Host(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func mustLink(tb testing.TB, f inspect.NamespaceFacts, name string) inspect.Link {
	tb.Helper()
	for _, l := range f.Links {
		if l.Name == name {
			return l
		}
	}
	tb.Fatalf("no link %q in namespace %v", name, f.Ref)
	return inspect.Link{}
}

func threadRef(tb testing.TB) inspect.NSRef {
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		tb.Error(err)
	}
	return refOf(&st)
}

// nsidSeenFrom is the nsid namespace `from` has for namespace `to`, as
// `ip netns list-id` run in `from` tells.
func nsidSeenFrom(tb testing.TB, from, to string) int {
	tb.Helper()
	for _, e := range ipJSON[[]struct {
		Nsid int    `json:"nsid"`
		Name string `json:"name"`
	}](tb, "-n", from, "netns", "list-id") {
		if e.Name == to {
			return e.Nsid
		}
	}
	tb.Fatalf("%s has no nsid for %s", from, to)
	return 0
}

func ipLinkNetnsid(tb testing.TB, ns, link string) int {
	tb.Helper()
	for _, l := range ipJSON[[]ipLink](tb, "-n", ns, "link", "show", link) {
		if l.LinkNetnsid != nil {
			return *l.LinkNetnsid
		}
	}
	return -1
}

type truth struct {
	links  []inspect.Link
	routes []topo.Route
}

// groundTruth is what iproute2 says about a named namespace, in this
// package's terms.
func groundTruth(tb testing.TB, ns string) truth {
	tb.Helper()
	links := ipJSON[[]ipLink](tb, "-n", ns, "-d", "addr", "show")
	index := map[string]int{}
	for _, l := range links {
		index[l.Ifname] = l.Ifindex
	}
	var t truth
	for _, l := range links {
		il := inspect.Link{
			Index:       l.Ifindex,
			Name:        l.Ifname,
			Kind:        l.Linkinfo.InfoKind,
			MAC:         strings.TrimPrefix(l.Address, "00:00:00:00:00:00"), // netlink drops all-zero addresses
			MTU:         l.MTU,
			OperState:   strings.ToLower(l.Operstate),
			Up:          slices.Contains(l.Flags, "UP"),
			MasterIndex: index[l.Master],
			ParentIndex: l.LinkIndex,
			LinkNetNsID: -1,
			STP:         l.Linkinfo.InfoData.STPState != nil && *l.Linkinfo.InfoData.STPState != 0,
		}
		if il.Kind == "vxlan" {
			d := l.Linkinfo.InfoData
			il.VXLAN = &inspect.VXLANLink{VNI: d.ID, Port: d.Port, Local: d.Local, Group: d.Group}
		}
		switch {
		case slices.Contains(l.Flags, "LOOPBACK"):
			il.Kind = topo.KindLoopback
		case il.Kind == "":
			il.Kind = topo.KindDevice
		}
		if l.Link != nil {
			il.ParentIndex = index[*l.Link]
		}
		if l.LinkNetnsid != nil {
			il.LinkNetNsID = *l.LinkNetnsid
		}
		for _, family := range []string{"inet", "inet6"} {
			for _, a := range l.AddrInfo {
				if a.Family != family || family == "inet6" && net.ParseIP(a.Local).IsLinkLocalUnicast() {
					continue
				}
				il.Addresses = append(il.Addresses, a.Local+"/"+strconv.Itoa(a.Prefixlen))
			}
		}
		t.links = append(t.links, il)
	}
	slices.SortFunc(t.links, func(a, b inspect.Link) int { return cmp.Compare(a.Index, b.Index) })

	for family, flag := range map[int]string{4: "-4", 6: "-6"} {
		for _, r := range ipJSON[[]ipRoute](tb, "-n", ns, flag, "route", "show", "table", "main") {
			dst := r.Dst
			if dst != "default" && !strings.Contains(dst, "/") {
				dst += map[int]string{4: "/32", 6: "/128"}[family]
			}
			base := topo.Route{Dst: dst, Src: r.Prefsrc, Family: family, Metric: r.Metric}
			if len(r.Nexthops) == 0 {
				base.Gateway, base.Interface = r.Gateway, r.Dev
				t.routes = append(t.routes, base)
			}
			for _, h := range r.Nexthops {
				base.Gateway, base.Interface = h.Gateway, h.Dev
				t.routes = append(t.routes, base)
			}
		}
	}
	t.routes = sortedRoutes(t.routes)
	return t
}

func sortedRoutes(rs []topo.Route) []topo.Route {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b topo.Route) int {
		return cmp.Or(cmp.Compare(a.Family, b.Family), cmp.Compare(a.Dst, b.Dst),
			cmp.Compare(a.Gateway, b.Gateway), cmp.Compare(a.Interface, b.Interface), cmp.Compare(a.Metric, b.Metric))
	})
	return rs
}
