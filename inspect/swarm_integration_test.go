package inspect_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/inspect/docker"
	"github.com/netviz/netviz/inspect/kernel"
	"github.com/netviz/netviz/inspect/netfilter"
	"github.com/netviz/netviz/internal/swarmtest"
	"github.com/netviz/netviz/pathfind"
	"github.com/netviz/netviz/topo"
)

// snapshotOf reads node n as netviz run on it would: the daemon at its
// socket, its network namespace taken as the host.
func snapshotOf(t *testing.T, n *swarmtest.Node) *topo.Snapshot {
	t.Helper()
	src, err := docker.New(docker.Options{Host: n.Socket})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	netnsPath := "/run/netns/" + n.Netns
	in := &inspect.Inspector{Runtime: src, Kernel: kernel.NewWithOptions(kernel.Options{HostNetns: netnsPath}),
		Firewall: netfilter.New(netfilter.Options{Netns: netnsPath}), Opts: inspect.Options{Version: "test"}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := in.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot of node %d: %v", n.Index, err)
	}
	return s
}

// ipLink is what `ip -d -j link` says of a link.
type ipLink struct {
	Index     int    `json:"ifindex"`
	Name      string `json:"ifname"`
	Link      int    `json:"link_index"`
	LinkNetns any    `json:"link_netnsid"`
	Master    string `json:"master"`
	MTU       int    `json:"mtu"`
	Info      struct {
		Kind string `json:"info_kind"`
		Data struct {
			ID   int `json:"id"`
			Port int `json:"port"`
		} `json:"info_data"`
	} `json:"linkinfo"`
}

// groundTruth runs iproute2 in the namespace at path (a file or
// "-t <pid>") and decodes its JSON.
func groundTruth(t *testing.T, where []string, v any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "nsenter", append(where, args...)...).Output()
	if err != nil {
		t.Fatalf("nsenter %v %v: %v", where, args, err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
}

func links(t *testing.T, where ...string) map[string]ipLink {
	var ls []ipLink
	groundTruth(t, where, &ls, "ip", "-d", "-j", "link", "show")
	out := map[string]ipLink{}
	for _, l := range ls {
		out[l.Name] = l
	}
	return out
}

// TestIntegrationSwarmNodeMatchesGroundTruth: on a real single-node swarm
// with an attachable overlay, a container on it and a service publishing a
// port through the ingress, what netviz says of Docker's own namespaces,
// the overlay legs, the VXLAN devices and the VIPs is what iproute2 and
// the daemon say; and doctor calls none of it an orphan.
func TestIntegrationSwarmNodeMatchesGroundTruth(t *testing.T) {
	sw := swarmtest.Start(t, 1)
	n := sw.Manager()
	ov := sw.Overlay(t, "ov", true)
	ctr := sw.RunOnEach(t, ov)[0]
	enc := sw.Overlay(t, "enc", true, "--opt", "encrypted")
	sw.RunOnEach(t, enc)
	svc := sw.Service(t, "web", []string{"--network", ov, "--publish", "target=80"}, "netviz-busybox:test", "httpd", "-f", "-p", "80")
	s := snapshotOf(t, n)

	if s.Swarm == nil || s.Swarm.NodeID != n.ID || s.Swarm.Addr != n.Addr.String() || !s.Swarm.Manager || s.Swarm.Nodes != 1 || s.Swarm.NetnsDir != filepath.Join(n.ExecRoot, "netns") {
		t.Errorf("swarm = %+v, want node %s at %s, manager of 1", s.Swarm, n.ID, n.Addr)
	}
	checkDockerNamespaces(t, s, n)
	checkOverlays(t, s, n, ov, svc)
	for _, o := range s.Overlays {
		if o.Encrypted != (o.Network == enc) {
			t.Errorf("overlay %s: encrypted = %v (created with --opt encrypted: %v)", o.Network, o.Encrypted, o.Network == enc)
		}
	}
	checkOverlayPairs(t, s, n, ctr)
	if _, err := os.Stat("/proc/net/ip_vs"); errors.Is(err, fs.ErrNotExist) {
		if !slices.ContainsFunc(s.Warnings, func(w topo.Warning) bool { return w.Code == "ipvs-unreadable" }) {
			t.Errorf("no ip_vs in this kernel, and no warning says the IPVS services are unknown: %+v", s.Warnings)
		}
	} else if len(s.IPVS) == 0 {
		t.Errorf("ip_vs is loaded but no IPVS service was read for the published service")
	}
	for _, f := range diagnose.Run(s) {
		if f.ID == diagnose.OrphanVeth || f.ID == diagnose.OverlayPartitioned || f.ID == diagnose.SwarmPortsBlocked {
			t.Errorf("doctor on a healthy swarm node: %s %v: %s", f.ID, f.SubjectNames(), f.Message)
		}
	}
	// The node's own firewall drops VXLAN: doctor says so, from the rule
	// the node's iptables really holds.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := n.Command(ctx, "iptables", "-I", "INPUT", "-p", "udp", "--dport", "4789", "-j", "DROP").CombinedOutput(); err != nil {
		t.Fatalf("iptables in node 0: %v: %s", err, out)
	}
	var blocked []string
	for _, f := range diagnose.Run(snapshotOf(t, n)) {
		if f.ID == diagnose.SwarmPortsBlocked {
			blocked = append(blocked, strings.Join(f.SubjectNames(), " "))
			t.Logf("%s %s: %s (fix: %s)", f.Severity, f.ID, f.Message, f.Fix)
		}
	}
	if len(blocked) != 1 || !strings.HasSuffix(blocked[0], "4789/udp") {
		t.Errorf("swarm-ports-blocked after dropping 4789/udp in INPUT: %v", blocked)
	}
}

// checkDockerNamespaces: every namespace under the exec root that is
// Docker's own is in the snapshot, by name, with its role.
func checkDockerNamespaces(t *testing.T, s *topo.Snapshot, n *swarmtest.Node) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(n.ExecRoot, "netns"))
	if err != nil {
		t.Fatal(err)
	}
	roles := map[string]string{}
	for _, ns := range s.Namespaces {
		if ns.Role != "" {
			roles[ns.Name] = ns.Role
		}
	}
	want := map[string]string{}
	for _, e := range entries {
		if r := inspect.DockerRole(e.Name()); r != "" {
			want[e.Name()] = r
		}
	}
	if want["ingress_sbox"] == "" || len(want) < 3 {
		t.Fatalf("the node has too few of Docker's namespaces to test: %v", want)
	}
	for name, r := range want {
		if roles[name] != r {
			t.Errorf("namespace %s: role %q, want %q (snapshot: %v)", name, roles[name], r, roles)
		}
	}
}

// checkOverlays compares each overlay with `ip -d link` in its sandbox and
// the service's VIPs with docker service inspect.
func checkOverlays(t *testing.T, s *topo.Snapshot, n *swarmtest.Node, ov, svc string) {
	t.Helper()
	byName := map[string]topo.Overlay{}
	for _, o := range s.Overlays {
		byName[o.Network] = o
	}
	for _, name := range []string{ov, topo.NetworkIngress} {
		o, ok := byName[name]
		if !ok {
			t.Errorf("no overlay %s in %+v", name, s.Overlays)
			continue
		}
		gt := links(t, "--net="+filepath.Join(n.ExecRoot, "netns", o.NamespaceName))
		vx := gt[o.VXLAN.Name]
		if vx.Info.Kind != "vxlan" || vx.Info.Data.ID != o.VXLAN.VNI || vx.Info.Data.Port != o.VXLAN.Port || vx.MTU != o.VXLAN.MTU {
			t.Errorf("%s: netviz says vxlan %+v, ip -d link says %+v", name, o.VXLAN, vx)
		}
		if br := gt[o.Bridge]; br.Info.Kind != "bridge" || br.MTU != o.MTU || o.MTU != 1450 {
			t.Errorf("%s: netviz says bridge %s MTU %d, ip link says %+v (Docker's default is 1450)", name, o.Bridge, o.MTU, br)
		}
		if o.Ingress != (name == topo.NetworkIngress) {
			t.Errorf("%s: ingress = %v", name, o.Ingress)
		}
		var fdb []struct {
			MAC string `json:"mac"`
			Dst string `json:"dst"`
		}
		groundTruth(t, []string{"--net=" + filepath.Join(n.ExecRoot, "netns", o.NamespaceName)}, &fdb, "bridge", "-j", "fdb", "show", "dev", o.VXLAN.Name)
		remote := 0
		for _, e := range fdb {
			if e.Dst != "" {
				remote++
			}
		}
		if remote != 0 || len(o.Peers) != 0 {
			t.Errorf("%s on a single node: %d remote FDB entries, netviz %+v; want none", name, remote, o.Peers)
		}
	}
	var eps []struct{ NetworkID, Addr string }
	if err := json.Unmarshal([]byte(n.Docker(t, "service", "inspect", "--format", "{{json .Endpoint.VirtualIPs}}", svc)), &eps); err != nil {
		t.Fatal(err)
	}
	for _, ep := range eps {
		found := false
		for _, o := range s.Overlays {
			for _, v := range o.Services {
				found = found || (o.NetworkID == ep.NetworkID && v.Service == svc && v.VIP == ep.Addr)
			}
		}
		if !found {
			t.Errorf("service %s's VIP %s on network %s is not in the overlays", svc, ep.Addr, ep.NetworkID)
		}
	}
	published := strings.TrimSpace(n.Docker(t, "service", "inspect", "--format", "{{range .Endpoint.Ports}}{{.PublishedPort}}{{end}}", svc))
	ports := []string{}
	for _, v := range byName[topo.NetworkIngress].Services {
		for _, p := range v.Ports {
			ports = append(ports, strconv.Itoa(p.Published))
		}
	}
	if !slices.Contains(ports, published) {
		t.Errorf("the ingress says published ports %v, docker says %s", ports, published)
	}
}

// checkOverlayPairs: the container's overlay leg pairs with a veth on
// br0 in the overlay's sandbox, its other leg with one on docker_gwbridge,
// and ingress_sbox's leg on docker_gwbridge is Docker's — each as the
// kernel says from both ends.
func checkOverlayPairs(t *testing.T, s *topo.Snapshot, n *swarmtest.Node, ctr string) {
	t.Helper()
	c, ok := s.Container(ctr)
	if !ok {
		t.Fatalf("no container %s", ctr)
	}
	inCtr := links(t, "-t", strconv.Itoa(c.PID), "-n")
	nsName := map[string]string{}
	for _, ns := range s.Namespaces {
		nsName[ns.ID] = ns.Name
	}
	legs := 0
	for _, p := range s.Pairs {
		if p.HostNamespace != "" {
			// Every leg on a sandbox's br0, whoever's: both ends agree.
			far := inCtr
			switch {
			case p.Container == "":
				far = links(t, "--net="+filepath.Join(n.ExecRoot, "netns", p.NamespaceName))
			case p.Container != ctr:
				far = links(t, "-t", strconv.Itoa(containerPID(t, s, p.Container)), "-n")
			}
			sbox := links(t, "--net="+filepath.Join(n.ExecRoot, "netns", nsName[p.HostNamespace]))
			hv, cv := sbox[p.HostInterface], far[p.ContainerInterface]
			if hv.Index != p.HostIfindex || hv.Master != "br0" || hv.Link != cv.Index || cv.Link != hv.Index || !p.Verified || p.Bridge != "br0" {
				t.Errorf("overlay leg %+v; in the sandbox %+v, at the far end %+v", p, hv, cv)
			}
		}
		switch {
		case p.Container == ctr && p.HostNamespace != "":
			legs++
		case p.Container == ctr:
			legs++
			if p.Bridge != topo.NetworkGWBridge || inCtr[p.ContainerInterface].Link != p.HostIfindex {
				t.Errorf("gwbridge leg %+v; in the container %+v", p, inCtr[p.ContainerInterface])
			}
		case p.Sandbox == "ingress_sbox" && p.HostNamespace == "":
			legs++
			in := links(t, "--net="+filepath.Join(n.ExecRoot, "netns", "ingress_sbox"))
			if in[p.ContainerInterface].Link != p.HostIfindex || p.Bridge != topo.NetworkGWBridge || !p.Verified {
				t.Errorf("ingress_sbox's leg %+v; in ingress_sbox %+v", p, in[p.ContainerInterface])
			}
		case p.Container == "" && p.Sandbox == "":
			t.Errorf("pair with no owner: %+v", p)
		}
	}
	if legs != 3 {
		t.Errorf("found %d of the 3 legs (overlay, gwbridge, ingress_sbox's) in %+v", legs, s.Pairs)
	}
}

func containerPID(t *testing.T, s *topo.Snapshot, name string) int {
	t.Helper()
	c, ok := s.Container(name)
	if !ok || c.PID == 0 {
		t.Fatalf("no running container %s", name)
	}
	return c.PID
}

// TestIntegrationSwarmOverlayPeers: on a 3-node swarm with a container on
// an attachable overlay on every node, node 0's snapshot knows the other
// two as VTEPs of that overlay — the remote entries of its VXLAN device's
// forwarding database, as `bridge fdb` shows them — with their
// containers' MACs and overlay addresses; doctor finds no partition, no
// orphan and no blocked swarm port on any node.
func TestIntegrationSwarmOverlayPeers(t *testing.T) {
	sw := swarmtest.Start(t, 3)
	ov := sw.Overlay(t, "ov", true)
	names := sw.RunOnEach(t, ov)
	n0 := sw.Node(0)
	// Gossip installs the remote entries; the far containers' addresses
	// arrive once a packet needs them: ping both.
	for i := 1; i < 3; i++ {
		if out, ok := n0.Ping(names[0], names[i], 1); !ok {
			t.Fatalf("ping %s from node 0: %s", names[i], out)
		}
	}
	s := snapshotOf(t, n0)
	var o *topo.Overlay
	for i := range s.Overlays {
		if s.Overlays[i].Network == ov {
			o = &s.Overlays[i]
		}
	}
	if o == nil {
		t.Fatalf("no overlay %s on node 0: %+v", ov, s.Overlays)
	}
	var fdb []struct {
		MAC string `json:"mac"`
		Dst string `json:"dst"`
	}
	groundTruth(t, []string{"--net=" + filepath.Join(n0.ExecRoot, "netns", o.NamespaceName)}, &fdb, "bridge", "-j", "fdb", "show", "dev", o.VXLAN.Name)
	want := map[string][]string{}
	for _, e := range fdb {
		if e.Dst != "" {
			want[e.Dst] = append(want[e.Dst], e.MAC)
		}
	}
	got := map[string][]string{}
	for _, p := range o.Peers {
		got[p.VTEP] = p.MACs
	}
	for _, n := range sw.Nodes[1:] {
		if len(got[n.Addr.String()]) == 0 {
			t.Errorf("node %d (%s) is no VTEP of %s on node 0: %+v", n.Index, n.Addr, ov, o.Peers)
		}
	}
	for vtep, macs := range want {
		slices.Sort(macs)
		if !slices.Equal(got[vtep], macs) {
			t.Errorf("VTEP %s: netviz says MACs %v, bridge fdb %v", vtep, got[vtep], macs)
		}
	}
	for _, p := range o.Peers {
		if len(p.IPs) == 0 {
			t.Errorf("VTEP %s: no overlay address for its MACs %v (the sandbox's neighbours)", p.VTEP, p.MACs)
		}
	}
	t.Logf("node 0, overlay %s: VXLAN %+v, peers %+v", ov, o.VXLAN, o.Peers)
	if s.Swarm == nil || s.Swarm.Nodes != 3 {
		t.Errorf("swarm = %+v, want 3 nodes", s.Swarm)
	}
	// path from node 0's container to node 2's: into the sandbox, out by
	// VXLAN to node 2, then beyond what node 0 can see.
	c2, _ := snapshotOf(t, sw.Node(2)).Container(names[2])
	addr2, _, _ := strings.Cut(c2.Endpoints[0].IPv4, "/")
	r, err := pathfind.Find(s, names[0], addr2, pathfind.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("path %s → %s:\n%s", names[0], addr2, r.Text())
	if last := r.Hops[len(r.Hops)-1].At; r.Verdict != pathfind.Unknown || last != "node "+sw.Node(2).Addr.String() || !strings.Contains(r.Reason, "leaves by VXLAN") {
		t.Errorf("path to node 2's container: %s, last hop %q: %s", r.Verdict, last, r.Reason)
	}
	for _, n := range sw.Nodes {
		for _, f := range diagnose.Run(snapshotOf(t, n)) {
			if f.ID == diagnose.OrphanVeth || f.ID == diagnose.OverlayPartitioned || f.ID == diagnose.SwarmPortsBlocked || f.ID == diagnose.OverlayMTU {
				t.Errorf("doctor on node %d: %s %v: %s", n.Index, f.ID, f.SubjectNames(), f.Message)
			}
		}
	}
}
