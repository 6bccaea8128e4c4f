package swarmtest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// freeSubnet is a random /24 in 100.64.0.0/10 (shared address space, as
// scripts/engines.sh picks its uplinks) that overlaps no address or route of
// the host's. The nodes' subnet lives only in the bridge's and the nodes'
// namespaces, but a test may run netviz or a client from the host side by
// side with it, and a clash there would be confusing.
func freeSubnet(t testing.TB) netip.Prefix {
	t.Helper()
	var used []netip.Prefix
	for _, args := range [][]string{{"-j", "-4", "route", "show", "table", "all"}, {"-j", "-4", "addr", "show"}} {
		out, err := exec.Command("ip", args...).Output()
		if err != nil {
			t.Fatalf("ip %v: %v", args, err)
		}
		var entries []struct {
			Dst      string `json:"dst"`
			AddrInfo []struct {
				Local     string `json:"local"`
				PrefixLen int    `json:"prefixlen"`
			} `json:"addr_info"`
		}
		if err := json.Unmarshal(out, &entries); err != nil {
			t.Fatalf("ip %v: %v", args, err)
		}
		for _, e := range entries {
			if p, err := netip.ParsePrefix(e.Dst); err == nil {
				used = append(used, p.Masked())
			} else if a, err := netip.ParseAddr(e.Dst); err == nil {
				used = append(used, netip.PrefixFrom(a, 32))
			}
			for _, ai := range e.AddrInfo {
				if a, err := netip.ParseAddr(ai.Local); err == nil {
					used = append(used, netip.PrefixFrom(a, ai.PrefixLen).Masked())
				}
			}
		}
	}
	for range 64 {
		b := make([]byte, 2)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{100, 64 + b[0]%64, b[1], 0}), 24)
		free := true
		for _, u := range used {
			if u.Bits() > 0 && u.Overlaps(p) {
				free = false
				break
			}
		}
		if free {
			return p
		}
	}
	t.Fatalf("swarmtest: no free /24 in 100.64.0.0/10 after 64 tries")
	return netip.Prefix{}
}

// ip runs iproute2.
func ip(args ...string) error {
	_, err := run(exec.Command("ip", args...))
	return err
}

// makeBridge creates the bridge's namespace with br0, and each node's
// namespace with eth0 whose peer is a port of br0. Nothing is created in the
// host's namespace.
func (s *Swarm) makeBridge() error {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return err
	}
	if err := writeOwner(s.Dir); err != nil {
		return err
	}
	br := s.BridgeNetns
	steps := [][]string{
		{"netns", "add", br},
		{"-n", br, "link", "set", "lo", "up"},
		{"-n", br, "link", "add", "br0", "type", "bridge"},
		{"-n", br, "addr", "add", netip.PrefixFrom(s.BridgeAddr, s.Subnet.Bits()).String(), "dev", "br0"},
		{"-n", br, "link", "set", "br0", "up"},
	}
	for _, st := range steps {
		if err := ip(st...); err != nil {
			return err
		}
	}
	return nil
}

// plugNode gives node n its namespace, its uplink on br0, its address and a
// default route through the bridge's address, and the forwarding sysctls
// Docker wants.
func (s *Swarm) plugNode(n *Node) error {
	br, port := s.BridgeNetns, fmt.Sprintf("n%d", n.Index)
	steps := [][]string{
		{"netns", "add", n.Netns},
		{"-n", n.Netns, "link", "set", "lo", "up"},
		{"-n", br, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", n.Netns},
		{"-n", br, "link", "set", port, "master", "br0"},
		{"-n", br, "link", "set", port, "up"},
		{"-n", n.Netns, "addr", "add", netip.PrefixFrom(n.Addr, s.Subnet.Bits()).String(), "dev", "eth0"},
		{"-n", n.Netns, "link", "set", "eth0", "up"},
		{"-n", n.Netns, "route", "add", "default", "via", s.BridgeAddr.String()},
	}
	for _, st := range steps {
		if err := ip(st...); err != nil {
			return err
		}
	}
	for _, sc := range []string{"net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.default.forwarding=1"} {
		if _, err := run(exec.Command("nsenter", "--net=/run/netns/"+n.Netns, "sysctl", "-qw", sc)); err != nil {
			return err
		}
	}
	return nil
}

// startNode starts the node's containerd and dockerd, each under
// `unshare --uts` with the node's hostname, in the node's namespace
// (nsenter --net, not ip netns exec: that remounts /sys and dockerd then
// finds no cgroups). A containerd of its own because dockerd otherwise uses
// the system's whenever its socket exists, and host-network containers would
// land in the host's namespace.
func (s *Swarm) startNode(n *Node, bins engineBins) error {
	if err := s.plugNode(n); err != nil {
		return err
	}
	if err := os.MkdirAll(n.Dir, 0o755); err != nil {
		return err
	}
	csock := filepath.Join(n.Dir, "containerd.sock")
	toml := fmt.Sprintf("version = 2\nroot = %q\nstate = %q\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = %q\n[ttrpc]\n  address = %q\n[debug]\n  address = \"\"\n",
		filepath.Join(n.Dir, "containerd/root"), filepath.Join(n.Dir, "containerd/state"), csock, csock+".ttrpc")
	if err := os.WriteFile(filepath.Join(n.Dir, "containerd.toml"), []byte(toml), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(n.Dir, "daemon.json"), []byte("{}\n"), 0o644); err != nil {
		return err
	}
	path := bins.runc + ":" + bins.docker + ":" + os.Getenv("PATH")
	var err error
	if n.containerd, err = n.spawn(path, "containerd", "containerd", "-c", filepath.Join(n.Dir, "containerd.toml")); err != nil {
		return err
	}
	// For sweepStale, should this process die before its cleanup.
	if err := os.WriteFile(filepath.Join(n.Dir, "containerd.pid"), []byte(fmt.Sprintln(n.containerd.Process.Pid)), 0o644); err != nil {
		return err
	}
	if err := waitFor(30*time.Second, func() bool { _, err := os.Stat(csock); return err == nil }); err != nil {
		return fmt.Errorf("node %d: containerd did not start (see %s/containerd.log)", n.Index, n.Dir)
	}
	n.dockerd, err = n.spawn(path, "dockerd", filepath.Join(bins.docker, "dockerd"), "--config-file", filepath.Join(n.Dir, "daemon.json"),
		"--containerd", csock, "--containerd-namespace", n.Name, "--containerd-plugins-namespace", n.Name+"-plugins",
		"--data-root", filepath.Join(n.Dir, "root"), "--exec-root", n.ExecRoot, "--pidfile", filepath.Join(n.Dir, "docker.pid"),
		"-H", n.Socket)
	if err != nil {
		return err
	}
	if err := waitFor(60*time.Second, func() bool { _, err := n.DockerErr("version"); return err == nil }); err != nil {
		return fmt.Errorf("node %d: dockerd did not answer in 60s (see %s/dockerd.log)", n.Index, n.Dir)
	}
	return nil
}

// spawn starts prog with the node's hostname in its namespace, logging to
// <Dir>/<log>.log. unshare and nsenter exec (neither forks), so the process
// started is prog itself.
func (n *Node) spawn(path, log, prog string, args ...string) (*exec.Cmd, error) {
	f, err := os.Create(filepath.Join(n.Dir, log+".log"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	script := `hostname "$1" && ns=$2 && shift 2 && exec nsenter --net="$ns" "$@"`
	a := append([]string{"--uts", "sh", "-c", script, "sh", n.Name, "/run/netns/" + n.Netns, prog}, args...)
	cmd := exec.Command("unshare", a...)
	cmd.Env = append(cleanEnv(), "PATH="+path)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group: a ^C to the test does not kill the nodes
	// before cleanup has left the swarm.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("node %d: %s: %w", n.Index, log, err)
	}
	return cmd, nil
}

// waitFor polls ok every 200 ms until it holds or d has passed.
func waitFor(d time.Duration, ok func() bool) error {
	deadline := time.Now().Add(d)
	for {
		if ok() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not after %s", d)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// join makes node 0 the leader, joins the others (the first managers as
// managers, the rest as workers), and waits until every node is Ready.
func (s *Swarm) join() error {
	m := s.Manager()
	if _, err := m.DockerErr("swarm", "init", "--advertise-addr", m.Addr.String(), "--listen-addr", m.Addr.String()+":2377"); err != nil {
		return err
	}
	tokens := map[bool]string{}
	for _, role := range []string{"worker", "manager"} {
		tok, err := m.DockerErr("swarm", "join-token", "-q", role)
		if err != nil {
			return err
		}
		tokens[role == "manager"] = tok
	}
	// One at a time: joining managers in parallel can race the raft
	// membership change.
	for _, n := range s.Nodes[1:] {
		if _, err := n.DockerErr("swarm", "join", "--token", tokens[n.Manager], "--advertise-addr", n.Addr.String(),
			"--listen-addr", n.Addr.String()+":2377", m.Addr.String()+":2377"); err != nil {
			return err
		}
	}
	var last string
	err := waitFor(90*time.Second, func() bool {
		out, err := m.DockerErr("node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ID}}")
		if err != nil {
			last = err.Error()
			return false
		}
		last = out
		ready := map[string]string{}
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) == 3 && f[1] == "Ready" {
				ready[f[0]] = f[2]
			}
		}
		for _, n := range s.Nodes {
			if ready[n.Name] == "" {
				return false
			}
			n.ID = ready[n.Name]
		}
		return true
	})
	if err != nil {
		return fmt.Errorf("nodes not Ready after 90s: %s", last)
	}
	return nil
}

// LoadImage copies image from the host's daemon to every node
// (docker save | docker load: no registry).
func (s *Swarm) LoadImage(t testing.TB, image string) {
	t.Helper()
	tarball := filepath.Join(s.Dir, strings.NewReplacer("/", "_", ":", "_").Replace(image)+".tar")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	save := exec.CommandContext(ctx, "docker", "save", "-o", tarball, image)
	save.Env = os.Environ() // the host's daemon, wherever DOCKER_HOST says it is
	if _, err := run(save); err != nil {
		t.Fatalf("swarmtest: %v", err)
	}
	defer os.Remove(tarball)
	s.parallel(t, "load "+image, func(n *Node) error {
		_, err := n.DockerErr("load", "-q", "-i", tarball)
		return err
	})
}
