package main

// Integration tests: netviz against a real dockerd, with ground truth from
// outside netviz (the docker CLI, and `ip -j -d link` run in each container's
// namespace with nsenter). Each test builds its own containers and networks
// with a test label and removes them, one at a time, in cleanup. Under CI=true
// a missing daemon fails them; elsewhere they skip and say how to enable.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/pathfind"
	"github.com/netviz/netviz/topo"
)

// runNetviz runs the CLI in-process against the live host.
func runNetviz(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	d := deps{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		live:      liveSnapshot,
		colorable: func(io.Writer) bool { return false },
		now:       time.Now,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code = run(ctx, args, d)
	return out.String(), errb.String(), code
}

func vethJSON(t *testing.T, args ...string) []topo.Pair {
	t.Helper()
	out, errOut, code := runNetviz(t, append([]string{"veth", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("netviz veth exit %d: %s", code, errOut)
	}
	var pairs []topo.Pair
	if err := json.Unmarshal([]byte(out), &pairs); err != nil {
		t.Fatalf("veth json: %v\n%s", err, out)
	}
	return pairs
}

func snapshotJSON(t *testing.T, args ...string) *topo.Snapshot {
	t.Helper()
	out, errOut, code := runNetviz(t, append([]string{"docker", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("netviz docker exit %d: %s", code, errOut)
	}
	s, err := topo.Decode(strings.NewReader(out))
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return s
}

// truth is one veth pair as iproute2 and docker inspect see it.
type truth struct {
	container, iface, hostVeth, mac, ipv4, network, bridge string
	ifindex, hostIfindex                                   int
}

// groundTruth reads a container's veths from inside its namespace and finds
// each one's host end by the container side's link_index.
func groundTruth(t *testing.T, w *dockertest.World, name string) []truth {
	t.Helper()
	in := w.InspectContainer(name)
	if in.State.Pid == 0 {
		t.Fatalf("%s is not running", name)
	}
	host := map[int]dockertest.IPLink{}
	for _, l := range dockertest.LinksIn(t, 0) {
		host[l.Ifindex] = l
	}
	var out []truth
	for _, l := range dockertest.LinksIn(t, in.State.Pid) {
		if l.LinkInfo.InfoKind != "veth" {
			continue
		}
		h, ok := host[l.LinkIdx]
		if !ok {
			t.Fatalf("%s:%s: host ifindex %d not in host namespace", name, l.Ifname, l.LinkIdx)
		}
		tr := truth{container: name, iface: l.Ifname, ifindex: l.Ifindex, hostVeth: h.Ifname, hostIfindex: h.Ifindex, mac: strings.ToLower(l.Address), bridge: h.Master}
		for net, ep := range in.NetworkSettings.Networks {
			if strings.EqualFold(ep.MacAddress, l.Address) {
				tr.network = net
				if ep.IPAddress != "" {
					tr.ipv4 = fmt.Sprintf("%s/%d", ep.IPAddress, ep.IPPrefixLen)
				}
			}
		}
		out = append(out, tr)
	}
	return out
}

// checkPairs compares netviz's pairs for a container with the ground truth.
func checkPairs(t *testing.T, pairs []topo.Pair, want []truth) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("no ground truth veths")
	}
	for _, tr := range want {
		var got *topo.Pair
		for i := range pairs {
			if pairs[i].Container == tr.container && pairs[i].ContainerInterface == tr.iface {
				if got != nil {
					t.Errorf("%s:%s listed twice", tr.container, tr.iface)
				}
				got = &pairs[i]
			}
		}
		if got == nil {
			t.Errorf("%s:%s missing from netviz veth; truth %+v", tr.container, tr.iface, tr)
			continue
		}
		if got.HostInterface != tr.hostVeth || got.HostIfindex != tr.hostIfindex || got.ContainerIfindex != tr.ifindex ||
			got.MAC != tr.mac || got.IPv4 != tr.ipv4 || got.Network != tr.network || got.Bridge != tr.bridge || !got.Verified {
			t.Errorf("%s:%s: netviz says %+v\nground truth %+v", tr.container, tr.iface, *got, tr)
		}
	}
}

func pairsOf(pairs []topo.Pair, container string) []topo.Pair {
	var out []topo.Pair
	for _, p := range pairs {
		if p.Container == container {
			out = append(out, p)
		}
	}
	return out
}

func TestIntegrationBridgesAndCustomBridgeName(t *testing.T) {
	w := dockertest.New(t, "br")
	custom := w.IfName("br") // bridge names are at most 15 characters
	appnet := w.Network("appnet")
	named := w.Network("named", "-o", "com.docker.network.bridge.name="+custom)
	web1 := w.Run("web1", nil)
	web2 := w.Run("web2", []string{"--network", appnet})
	web3 := w.Run("web3", []string{"--network", named})

	s := snapshotJSON(t)
	for _, c := range []string{web1, web2, web3} {
		checkPairs(t, s.Pairs, groundTruth(t, w, c))
	}
	netID := w.Docker("network", "inspect", "-f", "{{.Id}}", appnet)
	for _, tc := range []struct{ network, bridge string }{{"bridge", "docker0"}, {appnet, "br-" + netID[:12]}, {named, custom}} {
		n, ok := s.Network(tc.network)
		if !ok || n.Bridge != tc.bridge {
			t.Errorf("network %s: bridge %q, want %q", tc.network, n.Bridge, tc.bridge)
		}
		var br *topo.Bridge
		for i := range s.Bridges {
			if s.Bridges[i].Name == tc.bridge {
				br = &s.Bridges[i]
			}
		}
		if br == nil || br.Network != tc.network || len(br.Addresses) == 0 {
			t.Errorf("bridge %s: %+v", tc.bridge, br)
		}
	}
	// The tree names bridges, networks and containers.
	out, _, code := runNetviz(t, "docker", "--network", named)
	if code != 0 || !strings.Contains(out, custom) || !strings.Contains(out, web3) || strings.Contains(out, web2) {
		t.Errorf("tree for --network %s (exit %d):\n%s", named, code, out)
	}
	// The uplink is the interface of the default route.
	route, err := exec.Command("ip", "-j", "route", "show", "default").Output()
	if err == nil && strings.Contains(string(route), `"dev"`) {
		var rs []struct{ Dev string }
		_ = json.Unmarshal(route, &rs)
		if len(rs) > 0 && s.Host.Uplink != rs[0].Dev {
			t.Errorf("uplink %q, want %q", s.Host.Uplink, rs[0].Dev)
		}
	}
}

// The uplink is the uplink whatever its kind. Inside an engine's namespace
// (scripts/engines.sh), as in Docker in LXC or Docker-in-Docker, it is a veth
// whose peer is in the namespace outside: not a pair, not an orphan veth.
func TestIntegrationVethUplink(t *testing.T) {
	w := dockertest.New(t, "up")
	w.Run("c", nil)
	route, err := exec.Command("ip", "-j", "route", "show", "default").Output()
	if err != nil {
		t.Fatalf("ip route show default: %v", err)
	}
	var rs []struct{ Dev string }
	if err := json.Unmarshal(route, &rs); err != nil || len(rs) == 0 || rs[0].Dev == "" {
		t.Fatalf("this host has no default route (%s); the suite needs one", route)
	}
	dev := rs[0].Dev
	var kind string
	for _, l := range dockertest.LinksIn(t, 0) {
		if l.Ifname == dev {
			kind = l.LinkInfo.InfoKind
		}
	}
	t.Logf("uplink %s is a %q link", dev, kind)
	s := snapshotJSON(t)
	if s.Host.Uplink != dev {
		t.Errorf("uplink %q, want %q", s.Host.Uplink, dev)
	}
	for _, p := range vethJSON(t) {
		if p.HostInterface == dev {
			t.Errorf("netviz veth lists the uplink as a pair: %+v", p)
		}
	}
	out, _, _ := runNetviz(t, "docker")
	if i := strings.Index(out, "orphan veths"); i >= 0 && strings.Contains(out[i:], "─ "+dev+" ") {
		t.Errorf("the tree lists the uplink %s among the orphan veths:\n%s", dev, out)
	}
	if kind == "veth" && !strings.Contains(out, dev+"  uplink (veth, peer in the namespace outside)") {
		t.Errorf("the tree does not say the uplink %s is a veth:\n%s", dev, out)
	}
	// Other orphans may exist on a busy host (someone's half-made veth):
	// only one naming the uplink is wrong.
	out, _, _ = runNetviz(t, "doctor", "--format", "json")
	var findings []topo.Finding
	if err := json.Unmarshal([]byte(out), &findings); err != nil {
		t.Fatalf("doctor --format json: %v\n%s", err, out)
	}
	for _, f := range findings {
		if f.ID == "orphan-veth" && slices.ContainsFunc(f.Subject, func(r topo.Ref) bool { return r.Name == dev }) {
			t.Errorf("doctor calls the uplink %s an orphan: %+v", dev, f)
		}
	}
}

func TestIntegrationContainerOnThreeNetworks(t *testing.T) {
	w := dockertest.New(t, "multi")
	a := w.Network("a")
	b := w.Network("b")
	c := w.Network("c")
	multi := w.Run("multi", []string{"--network", a, "-p", "80"})
	w.Docker("network", "connect", b, multi)
	w.Docker("network", "connect", c, multi)
	pairs := pairsOf(vethJSON(t, "--container", multi), multi)
	if len(pairs) != 3 {
		t.Fatalf("got %d pairs for %s, want 3: %+v", len(pairs), multi, pairs)
	}
	checkPairs(t, pairs, groundTruth(t, w, multi))

	// The published port sits on the pair whose address Docker's DNAT rule
	// targets, and on no other.
	// Docker may bind IPv6 on another ephemeral port than IPv4 when the first
	// was taken meanwhile: every binding it lists is a right answer.
	bindings := w.Bindings(multi, "80/tcp")
	hostPort := w.HostPort(multi, "80/tcp")
	target := dnatTarget(t, hostPort)
	targeted := 0
	for _, p := range pairs {
		onTarget := strings.HasPrefix(p.IPv4, target+"/")
		if onTarget {
			targeted++
		}
		if got := len(p.Ports) > 0; got != onTarget {
			t.Errorf("%s:%s (%s) ports %v; the DNAT for host port %s goes to %s", p.Container, p.ContainerInterface, p.IPv4, p.Ports, hostPort, target)
		}
		for _, port := range p.Ports {
			bound := slices.Contains(bindings, dockertest.Binding{HostIP: port.HostIP, HostPort: strconv.Itoa(port.HostPort)})
			if !bound || port.ContainerPort != 80 || port.Protocol != "tcp" {
				t.Errorf("%s:%s port %+v, want one of %v -> 80/tcp", p.Container, p.ContainerInterface, port, bindings)
			}
		}
	}
	if targeted != 1 {
		t.Errorf("%d of %s's pairs have the DNAT target %s, want 1", targeted, multi, target)
	}
	var nets []string
	for _, p := range pairs {
		nets = append(nets, p.Network)
	}
	slices.Sort(nets)
	if !slices.Equal(nets, []string{a, b, c}) {
		t.Errorf("networks %v", nets)
	}
}

func TestIntegrationSharedNamespace(t *testing.T) {
	w := dockertest.New(t, "pod")
	web := w.Run("web", nil)
	side := w.Run("side", []string{"--network", "container:" + web})
	s := snapshotJSON(t, "--container", side)
	sc, ok := s.Container(side)
	wc, ok2 := s.Container(web)
	if !ok || !ok2 {
		t.Fatalf("--container %s should select %s and %s: %+v", side, side, web, s.Containers)
	}
	if sc.SharesNamespaceWith != web || sc.Namespace != wc.Namespace || sc.Namespace == "" {
		t.Errorf("sidecar %+v, web namespace %q", sc, wc.Namespace)
	}
	ns, ok := s.Namespace(wc.Namespace)
	if !ok || ns.Owner != web || !slices.Contains(ns.Containers, side) {
		t.Errorf("namespace %+v", ns)
	}
	pairs := pairsOf(s.Pairs, web)
	checkPairs(t, pairs, groundTruth(t, w, web))
	if len(pairs) != 1 || !slices.Equal(pairs[0].SharedWith, []string{side}) {
		t.Errorf("pairs %+v", pairs)
	}
	if len(pairsOf(s.Pairs, side)) != 0 {
		t.Errorf("sidecar should own no pair")
	}
	out, _, _ := runNetviz(t, "docker", "--container", web)
	if !strings.Contains(out, side) {
		t.Errorf("tree does not mention the sidecar:\n%s", out)
	}
}

func TestIntegrationHostAndNoneModes(t *testing.T) {
	w := dockertest.New(t, "modes")
	hostC := w.Run("hostnet", []string{"--network", "host"})
	noneC := w.Run("nonet", []string{"--network", "none"})
	s := snapshotJSON(t)
	h, _ := s.Container(hostC)
	if h.Namespace != s.Host.Namespace || h.Namespace == "" || len(h.Interfaces) != 0 || len(pairsOf(s.Pairs, hostC)) != 0 {
		t.Errorf("host mode container %+v (host ns %q)", h, s.Host.Namespace)
	}
	n, _ := s.Container(noneC)
	if len(n.Interfaces) != 1 || n.Interfaces[0].Kind != topo.KindLoopback || len(pairsOf(s.Pairs, noneC)) != 0 {
		t.Errorf("none mode container %+v", n)
	}
	in := w.InspectContainer(noneC)
	if links := dockertest.LinksIn(t, in.State.Pid); len(links) != len(n.Interfaces) {
		t.Errorf("none mode: ip link shows %d links, netviz %d", len(links), len(n.Interfaces))
	}
	out, _, _ := runNetviz(t, "docker")
	if !strings.Contains(out, hostC) || !strings.Contains(out, noneC) {
		t.Errorf("tree lacks host/none containers:\n%s", out)
	}
}

func TestIntegrationMacvlanAndIpvlan(t *testing.T) {
	w := dockertest.New(t, "mv")
	// The parent: one end of a short-lived veth whose peer sits in a
	// throwaway namespace (this kernel may lack the dummy driver Docker would
	// otherwise use), removed in cleanup.
	parent := w.IfName("m")
	nsName := w.Prefix + "-mvns"
	ip(t, "netns", "add", nsName)
	t.Cleanup(func() { ipQuiet("netns", "del", nsName) })
	ip(t, "link", "add", parent, "type", "veth", "peer", "name", "p0", "netns", nsName)
	t.Cleanup(func() { ipQuiet("link", "del", parent) })
	ip(t, "link", "set", parent, "up")

	cases := []struct{ name, kind, network string }{}
	mvnet := w.Network("mv", "-d", "macvlan", "-o", "parent="+parent, "--internal")
	cases = append(cases, struct{ name, kind, network string }{w.Run("mv", []string{"--network", mvnet}), topo.KindMacvlan, mvnet})
	if kernelHasIpvlan(t) {
		ipnet := w.Network("ipv", "-d", "ipvlan", "-o", "parent="+parent, "--internal")
		cases = append(cases, struct{ name, kind, network string }{w.Run("iv", []string{"--network", ipnet}), topo.KindIpvlan, ipnet})
	} else {
		t.Log("this kernel has no ipvlan driver: ipvlan is covered by the inspect unit tests only")
	}
	s := snapshotJSON(t)
	for _, tc := range cases {
		c, _ := s.Container(tc.name)
		n, _ := s.Network(tc.network)
		if n.Parent != parent {
			t.Errorf("network %s: parent %q, want %q", tc.network, n.Parent, parent)
		}
		var found bool
		for _, i := range c.Interfaces {
			if i.Kind != tc.kind {
				continue
			}
			found = true
			if i.Parent != parent {
				t.Errorf("%s: interface parent %q, want %q", tc.name, i.Parent, parent)
			}
			ep := w.InspectContainer(tc.name).NetworkSettings.Networks[tc.network]
			if !slices.Contains(i.Addresses, fmt.Sprintf("%s/%d", ep.IPAddress, ep.IPPrefixLen)) || !strings.EqualFold(i.MAC, ep.MacAddress) && ep.MacAddress != "" {
				t.Errorf("%s: interface %+v, docker says %s %s", tc.name, i, ep.IPAddress, ep.MacAddress)
			}
		}
		if !found || len(pairsOf(s.Pairs, tc.name)) != 0 {
			t.Errorf("%s: want a %s interface and no veth pair: %+v", tc.name, tc.kind, c.Interfaces)
		}
	}
	out, _, _ := runNetviz(t, "docker", "--network", mvnet)
	if !strings.Contains(out, parent) || !strings.Contains(out, cases[0].name) {
		t.Errorf("tree does not show the macvlan container under its parent:\n%s", out)
	}
}

// kernelHasIpvlan tries to make an ipvlan link inside a throwaway namespace.
func kernelHasIpvlan(t *testing.T) bool {
	ns := fmt.Sprintf("nvt-ipvchk-%d", os.Getpid())
	ip(t, "netns", "add", ns)
	defer ipQuiet("netns", "del", ns)
	ip(t, "-n", ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	return exec.Command("ip", "-n", ns, "link", "add", "link", "v0", "name", "iv0", "type", "ipvlan").Run() == nil
}

func TestIntegrationIPv6(t *testing.T) {
	w := dockertest.New(t, "v6")
	net6 := w.Network("v6", "--ipv6", "--subnet", dockertest.FreeSubnet6(t).String())
	c := w.Run("c", []string{"--network", net6})
	pairs := pairsOf(vethJSON(t, "--container", c), c)
	checkPairs(t, pairs, groundTruth(t, w, c))
	ep := w.InspectContainer(c).NetworkSettings.Networks[net6]
	want := fmt.Sprintf("%s/%d", ep.GlobalIPv6Address, ep.GlobalIPv6PrefixLen)
	if len(pairs) != 1 || !slices.Contains(pairs[0].IPv6, want) {
		t.Errorf("pairs %+v, want ipv6 %s", pairs, want)
	}
	n, _ := snapshotJSON(t).Network(net6)
	if !n.IPv6 {
		t.Errorf("network %+v not marked IPv6", n)
	}
}

// An --internal bridge network: its pairs as for any other, the network
// marked internal, the gateway Docker reports (Docker 29 gives an internal
// network none), no missing-masquerade for it, and no way out.
func TestIntegrationInternalNetwork(t *testing.T) {
	w := dockertest.New(t, "int")
	n := w.Network("n", "--internal")
	c := w.Run("c", []string{"--network", n})
	checkPairs(t, pairsOf(vethJSON(t, "--container", c), c), groundTruth(t, w, c))
	gw := w.Docker("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", n)
	s := snapshotJSON(t)
	net, ok := s.Network(n)
	if !ok || !net.Internal || len(net.Subnets) != 1 || net.Subnets[0].Gateway != gw {
		t.Errorf("network %+v, want internal with gateway %q", net, gw)
	}
	for _, ct := range s.Containers {
		if ct.Name != c {
			continue
		}
		if len(ct.Endpoints) != 1 || ct.Endpoints[0].Gateway != "" && ct.Endpoints[0].Gateway != gw {
			t.Errorf("endpoints %+v, network gateway %q", ct.Endpoints, gw)
		}
	}
	for _, f := range about(doctorJSON(t, ""), n) {
		if f.ID == diagnose.MissingMasquerade {
			t.Errorf("missing-masquerade for an internal network: %s", f.Message)
		}
	}
	// path says why it cannot leave, and why another network's container
	// cannot reach in: the network is internal, whichever chain or table
	// the engine keeps that rule in, and never "different bridge networks
	// are isolated".
	internal := fmt.Sprintf("network %q is internal", n)
	checkInternal := func(r pathfind.Result, src, dst string) {
		t.Helper()
		if r.Verdict != pathfind.Blocked || !strings.Contains(r.Reason, internal) || strings.Contains(r.Reason, "isolated") {
			t.Errorf("path %s %s: %s: %s, want blocked: %s…", src, dst, r.Verdict, r.Reason, internal)
		}
	}
	checkInternal(pathJSON(t, c, "198.51.100.7"), c, "198.51.100.7")

	httpd := []string{"sh", "-c", "busybox mkdir -p /www && echo netviz-ok > /www/index.html && exec httpd -f -p 80 -h /www"}
	web := w.Run("web", []string{"--network", n}, httpd...)
	o := w.Network("o")
	oc := w.Run("oc", []string{"--network", o})
	webIP := w.InspectContainer(web).NetworkSettings.Networks[n].IPAddress
	time.Sleep(300 * time.Millisecond) // httpd binding
	checkInternal(pathJSON(t, oc, web), oc, web)
	if err := fetch(oc, webIP); err == nil {
		t.Errorf("ground truth: %s fetched from %s on internal network %s", oc, web, n)
	}
	// Inside the internal network all is as usual.
	if r := pathJSON(t, c, web); r.Verdict != pathfind.Reachable {
		t.Errorf("path %s %s on one internal network: %+v", c, web, r)
	}
	if err := fetch(c, webIP); err != nil {
		t.Errorf("ground truth: %s cannot fetch from %s: %v", c, web, err)
	}
}

func TestIntegrationStoppedAndRestarted(t *testing.T) {
	w := dockertest.New(t, "life")
	created := w.Create("created", nil)
	stopped := w.Run("stopped", nil)
	w.Docker("stop", "-t", "0", stopped)
	re := w.Run("re", nil)

	s := snapshotJSON(t)
	if _, ok := s.Container(created); ok {
		t.Errorf("created container listed without --all")
	}
	s = snapshotJSON(t, "--all")
	for name, state := range map[string]string{created: "created", stopped: "exited"} {
		c, ok := s.Container(name)
		if !ok || c.State != state || c.Namespace != "" || len(pairsOf(s.Pairs, name)) != 0 {
			t.Errorf("%s: %+v", name, c)
		}
	}
	before := pairsOf(s.Pairs, re)
	w.Docker("restart", "-t", "0", re)
	after := pairsOf(vethJSON(t), re)
	checkPairs(t, after, groundTruth(t, w, re))
	if len(before) != 1 || len(after) != 1 || before[0].HostInterface == after[0].HostInterface {
		t.Errorf("restart should give a new host veth: before %+v after %+v", before, after)
	}
}

func TestIntegrationOrphanVeths(t *testing.T) {
	w := dockertest.New(t, "orph")
	netName := w.Network("o")
	netID := w.Docker("network", "inspect", "-f", "{{.Id}}", netName)
	bridge := "br-" + netID[:12]
	// A named namespace whose veth sits on the Docker bridge.
	nsName := w.Prefix + "-ns"
	hostA := w.IfName("o")
	netnsWithVeth(t, nsName, hostA)
	ip(t, "link", "set", hostA, "master", bridge, "up")
	// An unnamed namespace held only by a process.
	holder := exec.Command("unshare", "--net", "sleep", "300")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	hostB := w.IfName("p")
	waitForNS(t, holder.Process.Pid)
	ip(t, "link", "add", hostB, "type", "veth", "peer", "name", "peer0", "netns", fmt.Sprint(holder.Process.Pid))
	t.Cleanup(func() { ipQuiet("link", "del", hostB) })
	ip(t, "link", "set", hostB, "master", bridge)

	pairs := vethJSON(t, "--network", netName)
	var named, unnamed *topo.Pair
	for i := range pairs {
		switch pairs[i].HostInterface {
		case hostA:
			named = &pairs[i]
		case hostB:
			unnamed = &pairs[i]
		}
	}
	if named == nil || named.Container != "" || named.NamespaceName != nsName || named.ContainerInterface != "eth0" || named.Bridge != bridge || !named.Verified {
		t.Errorf("veth into named namespace: %+v", named)
	}
	inode := statInoPath(t, fmt.Sprintf("/proc/%d/ns/net", holder.Process.Pid))
	if unnamed == nil || unnamed.Container != "" || unnamed.Namespace != fmt.Sprintf("ns-%d", inode) || unnamed.ContainerInterface != "peer0" {
		t.Errorf("veth into unnamed namespace (inode %d): %+v", inode, unnamed)
	}
	table, _, code := runNetviz(t, "veth", "--network", netName)
	if code != 0 || !strings.Contains(table, nsName) || !strings.Contains(table, fmt.Sprint(inode)) {
		t.Errorf("table does not show the orphans' namespaces:\n%s", table)
	}
}

func TestIntegrationManyContainersAndEqualIfindexes(t *testing.T) {
	w := dockertest.New(t, "many")
	net := w.Network("n")
	const n = 24
	names := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			names[i] = w.Prefix + fmt.Sprintf("-c%02d", i)
			if _, err := dockertest.Docker("run", "-d", "--name", names[i], "--label", dockertest.Label+"="+w.Prefix, "--network", net, dockertest.Image, "sleep", "3600"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, name := range names {
		t.Cleanup(func() { w.Remove(name) })
	}
	pairs := vethJSON(t, "--network", net)
	idx := map[int]int{}
	for _, name := range names {
		tr := groundTruth(t, w, name)
		checkPairs(t, pairs, tr)
		for _, x := range tr {
			idx[x.ifindex]++
		}
	}
	if len(pairsOf(pairs, "")) != 0 || len(pairs) != n {
		t.Errorf("got %d pairs, want %d", len(pairs), n)
	}
	// Docker on this kernel may keep each container end's ifindex distinct;
	// namespaces made fresh give every peer the same one (2, after lo), the
	// case that defeats pairing by ifindex alone.
	netID := w.Docker("network", "inspect", "-f", "{{.Id}}", net)
	const k = 6
	want := map[string]string{} // host veth → namespace
	for i := range k {
		ns := fmt.Sprintf("%s-same%d", w.Prefix, i)
		hostEnd := w.IfName(fmt.Sprintf("s%d", i))
		netnsWithVeth(t, ns, hostEnd)
		ip(t, "link", "set", hostEnd, "master", "br-"+netID[:12])
		want[hostEnd] = ns
	}
	got := map[string]topo.Pair{}
	for _, p := range vethJSON(t, "--network", net) {
		if p.Container == "" {
			got[p.HostInterface] = p
		}
	}
	for hostEnd, ns := range want {
		p, ok := got[hostEnd]
		inNS := map[string]dockertest.IPLink{}
		for _, l := range linksInNamed(t, ns) {
			inNS[l.Ifname] = l
		}
		if !ok || p.NamespaceName != ns || p.ContainerInterface != "eth0" || p.ContainerIfindex != inNS["eth0"].Ifindex || !p.Verified {
			t.Errorf("%s: got %+v, want peer eth0 (ifindex %d) in netns %s", hostEnd, p, inNS["eth0"].Ifindex, ns)
		}
		idx[inNS["eth0"].Ifindex]++
	}
	if max := maxCount(idx); max < k {
		t.Errorf("expected %d peers sharing one ifindex, ifindex counts %v", k, idx)
	}
}

func maxCount(m map[int]int) int {
	best := 0
	for _, v := range m {
		best = max(best, v)
	}
	return best
}

// linksInNamed runs `ip -j -d link` in a named namespace.
func linksInNamed(t *testing.T, ns string) []dockertest.IPLink {
	t.Helper()
	out, err := exec.Command("ip", "-n", ns, "-j", "-d", "link").Output()
	if err != nil {
		t.Fatalf("ip -n %s link: %v", ns, err)
	}
	var links []dockertest.IPLink
	if err := json.Unmarshal(out, &links); err != nil {
		t.Fatal(err)
	}
	return links
}

func TestIntegrationContainersExitingDuringScan(t *testing.T) {
	w := dockertest.New(t, "churn")
	net := w.Network("n")
	stable := w.Run("stable", []string{"--network", net})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // keep starting containers that exit at once
		defer wg.Done()
		for i := 0; ctx.Err() == nil && i < 40; i++ {
			name := fmt.Sprintf("%s-eph%02d", w.Prefix, i)
			_, _ = dockertest.Docker("run", "-d", "--rm", "--name", name, "--label", dockertest.Label+"="+w.Prefix, "--network", net, dockertest.Image, "sleep", "0.2")
		}
	}()
	for range 8 {
		pairs := vethJSON(t, "--network", net)
		checkPairs(t, pairs, groundTruth(t, w, stable))
		for _, p := range pairs {
			if p.Container != "" && !p.Verified {
				t.Errorf("unverified pair during churn: %+v", p)
			}
		}
	}
	cancel()
	wg.Wait()
}

func TestIntegrationErrors(t *testing.T) {
	dockertest.New(t, "err")
	for _, tc := range []struct {
		name string
		args []string
		env  string
		code int
		msg  string
	}{
		{"unreachable daemon", []string{"veth"}, "unix:///nonexistent/docker.sock", exitDaemon, "unix:///nonexistent/docker.sock"},
		{"unknown container", []string{"veth", "--container", "no-such-container-xyz"}, "", exitNotFound, `"no-such-container-xyz"`},
		{"unknown network", []string{"docker", "--network", "no-such-net-xyz"}, "", exitNotFound, `"no-such-net-xyz"`},
		{"bad template", []string{"veth", "--format", "{{.Nope"}, "", exitUsage, "template"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("DOCKER_HOST", tc.env)
			}
			out, errOut, code := runNetviz(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.msg) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || out != "" {
				t.Errorf("exit %d (want %d), stderr %q, stdout %q", code, tc.code, errOut, out)
			}
		})
	}
}

func TestIntegrationWithoutRootIsOneWarning(t *testing.T) {
	w := dockertest.New(t, "nonroot")
	c := w.Run("c", nil)
	bin := buildNetviz(t)
	gid := strings.TrimSpace(mustOutput(t, "getent", "group", "docker"))
	parts := strings.Split(gid, ":")
	if len(parts) < 3 {
		t.Skipf("no docker group on this host (%q)", gid)
	}
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--groups="+parts[2], "--inh-caps=-all", bin, "veth", "--format", "json")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("netviz as nobody: %v\n%s", err, errb.String())
	}
	if n := strings.Count(errb.String(), "warning"); n != 1 || !strings.Contains(errb.String(), "sudo") {
		t.Errorf("want exactly one warning saying to use sudo, got:\n%s", errb.String())
	}
	var pairs []topo.Pair
	if err := json.Unmarshal(out.Bytes(), &pairs); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	host := groundTruth(t, w, c)[0].hostVeth
	if !slices.ContainsFunc(pairs, func(p topo.Pair) bool { return p.HostInterface == host }) {
		t.Errorf("host veth %s should still be listed without root: %+v", host, pairs)
	}
}

func TestIntegrationSnapshotRoundTrip(t *testing.T) {
	w := dockertest.New(t, "snap")
	c := w.Run("c", nil)
	out, _, code := runNetviz(t, "docker", "--format", "json")
	if code != 0 {
		t.Fatal("snapshot failed")
	}
	// The contract keys scripts rely on.
	var raw map[string]any
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schemaVersion", "host", "containers", "networks", "bridges", "interfaces", "namespaces", "pairs", "warnings"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("snapshot lacks %q", k)
		}
	}
	f := t.TempDir() + "/host.json"
	if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	// The file gives what was read into it. Against a live read only this
	// test's container is compared: on a busy host other containers come
	// and go between the two reads.
	saved, err := topo.Decode(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if fromFile := vethJSON(t, "--from", f); len(fromFile) != len(saved.Pairs) {
		t.Errorf("--from gives %d pairs, the snapshot holds %d", len(fromFile), len(saved.Pairs))
	}
	live := vethJSON(t, "--container", c)
	fromFile := vethJSON(t, "--from", f, "--container", c)
	if len(live) != 1 || !reflect.DeepEqual(live, fromFile) {
		t.Errorf("%s: --from gives %+v, live %+v", c, fromFile, live)
	}
}

// helpers

func waitForNS(t *testing.T, pid int) {
	t.Helper()
	self := statInoPath(t, "/proc/self/ns/net")
	for range 100 {
		if ino := statInoPath(t, fmt.Sprintf("/proc/%d/ns/net", pid)); ino != self {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("process %d never left the host namespace", pid)
}

func statInoPath(t *testing.T, p string) uint64 {
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func ip(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %v: %v: %s", args, err, out)
	}
}

func ipQuiet(args ...string) { _ = exec.Command("ip", args...).Run() }

// netnsWithVeth makes the throwaway named namespace ns and a veth pair from
// hostEnd in the host namespace to eth0 in ns; both go in cleanup.
func netnsWithVeth(t *testing.T, ns, hostEnd string) {
	t.Helper()
	ip(t, "netns", "add", ns)
	t.Cleanup(func() { ipQuiet("netns", "del", ns) })
	ip(t, "link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", ns)
	t.Cleanup(func() { ipQuiet("link", "del", hostEnd) })
}

func mustOutput(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildNetviz builds the binary once, for tests that must run it as a
// separate process (another user, another environment).
func buildNetviz(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "netviz-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = dir + "/netviz"
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v: %s", err, out)
		}
		// 0755 dir so that an unprivileged user can run it.
		_ = os.Chmod(dir, 0o755)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// dnatTarget is the address Docker's DNAT rule for a TCP host port sends
// to, read with iptables-save, or nft with Docker's nftables backend.
func dnatTarget(t *testing.T, hostPort string) string {
	t.Helper()
	if dockertest.Engine(t).FirewallBackend == "nftables" {
		out := mustOutput(t, "nft", "list", "chain", "ip", "docker-bridges", "nat-prerouting-and-output")
		for _, l := range strings.Split(out, "\n") {
			f := strings.Fields(l)
			if i := slices.Index(f, "dport"); i < 0 || i+1 >= len(f) || f[i+1] != hostPort {
				continue
			}
			if i := slices.Index(f, "to"); i > 0 && f[i-1] == "dnat" && i+1 < len(f) {
				ip, _, _ := strings.Cut(f[i+1], ":")
				return ip
			}
		}
		t.Fatalf("no DNAT rule for host port %s in\n%s", hostPort, out)
	}
	out, err := exec.Command("iptables-save", "-t", "nat").CombinedOutput()
	if err != nil {
		t.Fatalf("iptables-save: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if !slices.Contains(f, "DNAT") || !slices.Contains(f, "--dport") || f[slices.Index(f, "--dport")+1] != hostPort {
			continue
		}
		if i := slices.Index(f, "--to-destination"); i >= 0 && i+1 < len(f) {
			ip, _, _ := strings.Cut(f[i+1], ":")
			return ip
		}
	}
	t.Fatalf("no DNAT rule for host port %s in\n%s", hostPort, out)
	return ""
}
