package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/explain"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/topo"
)

// explainPackages are the Debian packages of the programs explain's
// commands run; scripts/test-deps.sh installs them.
var explainPackages = map[string]string{
	"ip": "iproute2", "bridge": "iproute2", "nsenter": "util-linux", "lsns": "util-linux", "readlink": "coreutils",
	"iptables": "iptables", "iptables-nft": "iptables", "iptables-legacy": "iptables", "nft": "nftables",
	"sysctl": "procps", "docker": "docker.io", "ethtool": "ethtool", "brctl": "bridge-utils",
}

// program is the program a command runs, inside nsenter -t PID -n or
// ip netns exec NAME when it enters a namespace.
func program(argv []string) string {
	if len(argv) > 4 && (argv[0] == "nsenter" || argv[0] == "ip" && argv[1] == "netns" && argv[2] == "exec") {
		return argv[4]
	}
	return argv[0]
}

func runArgv(t *testing.T, argv []string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	return out.String(), err
}

// Every command netviz gives for what it draws of a small world — a
// labelled network, two containers (one publishing a port on an ephemeral
// host port), a third sharing the first's namespace, a named namespace with
// a hostile name and an unnamed one, each with a veth on the network's
// bridge — runs on this
// host, exits 0, and prints what the snapshot says it will.
func TestIntegrationExplainCommandsRun(t *testing.T) {
	w := dockertest.New(t, "expl")
	n := w.Network("n")
	a := w.Run("a", []string{"--network", n, "-p", "80"})
	b := w.Run("b", []string{"--network", n})
	w.Run("c", []string{"--network", "container:" + a})
	bindings := w.Bindings(a, "80/tcp")
	bridge := "br-" + w.Docker("network", "inspect", "-f", "{{.Id}}", n)[:12]
	// Quotes, a space and a command substitution: the page and the tree
	// print it quoted, and the command run with it must find it.
	nsName := w.Prefix + " x'$(echo y)"
	hostEnd := w.IfName("x")
	netnsWithVeth(t, nsName, hostEnd)
	ip(t, "link", "set", hostEnd, "master", bridge, "up")
	// An unnamed namespace held by a process, its veth on the bridge too:
	// found with lsns by its inode.
	holder := exec.Command("unshare", "--net", "sleep", "300")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	waitForNS(t, holder.Process.Pid)
	unnamedEnd := w.IfName("u")
	ip(t, "link", "add", unnamedEnd, "type", "veth", "peer", "name", "peer0", "netns", fmt.Sprint(holder.Process.Pid))
	t.Cleanup(func() { ipQuiet("link", "del", unnamedEnd) })
	ip(t, "link", "set", unnamedEnd, "master", bridge)
	inode := fmt.Sprint(statInoPath(t, fmt.Sprintf("/proc/%d/ns/net", holder.Process.Pid)))

	s := snapshotJSON(t, "--network", n)
	elements := explainedElements(diagram.Build(s, diagram.Options{}))
	ran := map[string]bool{}
	mentions := map[string]bool{}
	natRan := false
	for _, e := range elements {
		if len(e.cmds) == 0 {
			t.Errorf("%s has no commands", e.id)
		}
		for _, c := range e.cmds {
			if ran[c.Line] {
				continue
			}
			ran[c.Line] = true
			out, ok := runExplained(t, e.id, c)
			if ok && strings.HasSuffix(c.Expect, fmt.Sprintf("dport %d", ctr0HostPort(s, a))) {
				natRan = true
			}
			for _, name := range []string{a, b, n, bridge, hostEnd, nsName, unnamedEnd, inode} {
				if strings.Contains(c.Line, explain.Quote(name)) || strings.Contains(out, name) {
					mentions[name] = true
				}
			}
			if strings.Contains(strings.Join(c.Argv, " "), nsName) {
				// What a user pasting the line runs: the same.
				if viaShell, err := runArgv(t, []string{"bash", "-c", c.Line}); err != nil || viaShell != out {
					t.Errorf("bash -c %s: %v\n%s\nwant\n%s", c.Line, err, viaShell, out)
				}
			}
		}
	}
	t.Logf("%d commands ran for %d elements", len(ran), len(elements))
	for _, name := range []string{a, b, n, bridge, hostEnd, nsName, unnamedEnd, inode} {
		if !mentions[name] {
			t.Errorf("no command is about %q", name)
		}
	}
	// The published port: Docker's mapping and the NAT rule of the
	// ephemeral host port both ran.
	ctr, ok := s.Container(a)
	if !ok || len(ctr.Ports) == 0 || !slices.ContainsFunc(bindings, func(b dockertest.Binding) bool { return b.HostPort == strconv.Itoa(ctr.Ports[0].HostPort) }) {
		t.Fatalf("docker port says %v; the snapshot has %s with %+v", bindings, a, ctr)
	}
	if !ran["docker port "+a] || !natRan {
		t.Errorf("the published port %d: docker port ran %v, its NAT rule %v", ctr.Ports[0].HostPort, ran["docker port "+a], natRan)
	}
	checkTreeExplain(t, n, a, bridge)
}

type explained struct {
	id   string
	cmds []explain.Command
}

// explainedElements are the diagram's clusters and nodes with their
// commands: every element a user sees.
func explainedElements(d *diagram.Diagram) []explained {
	var out []explained
	for _, c := range d.Clusters {
		out = append(out, explained{c.ID, c.Explain})
		for _, n := range c.Nodes {
			out = append(out, explained{n.ID, n.Explain})
		}
	}
	for _, n := range d.Nodes {
		out = append(out, explained{n.ID, n.Explain})
	}
	return out
}

// runExplained runs one command as argv, without a shell, and checks that
// it exits 0 and prints what it is expected to. A program that is not
// installed skips an optional command and fails the test otherwise (under
// CI=true; it skips the test elsewhere).
func runExplained(t *testing.T, id string, c explain.Command) (string, bool) {
	t.Helper()
	prog := program(c.Argv)
	if _, err := exec.LookPath(prog); err != nil {
		if c.Optional {
			t.Logf("skipped (%s not installed, optional): %s", prog, c.Line)
			return "", false
		}
		testenv.RequireProgram(t, prog, explainPackages[prog])
	}
	out, err := runArgv(t, c.Argv)
	t.Logf("%s: %s", id, c.Line)
	switch {
	case err != nil:
		t.Errorf("%s: %s: %v", id, c.Line, err)
	case c.Expect == "":
		t.Errorf("%s: %s: nothing to look for in its output", id, c.Line)
	case !strings.Contains(out, c.Expect):
		t.Errorf("%s: %s: output lacks %q:\n%s", id, c.Line, c.Expect, out)
	default:
		return out, true
	}
	return out, false
}

// ctr0HostPort is the first host port the snapshot lists for container
// name, 0 when none.
func ctr0HostPort(s *topo.Snapshot, name string) int {
	if c, ok := s.Container(name); ok && len(c.Ports) > 0 {
		return c.Ports[0].HostPort
	}
	return 0
}

// checkTreeExplain runs netviz docker --explain on the world: its commands
// under the lines, and a usage error with a format that is not the tree.
func checkTreeExplain(t *testing.T, network, container, bridge string) {
	t.Helper()
	out, errOut, code := runNetviz(t, "docker", "--explain", "--network", network)
	if code != 0 {
		t.Fatalf("netviz docker --explain: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"$ ip link show master " + bridge, "$ docker port " + container, "$ nsenter -t "} {
		if !strings.Contains(out, want) {
			t.Errorf("tree lacks %q:\n%s", want, out)
		}
	}
	if _, errOut, code := runNetviz(t, "docker", "--explain", "--format", "json"); code != exitUsage || !strings.Contains(errOut, "--explain") {
		t.Errorf("--explain --format json: exit %d: %s", code, errOut)
	}
}
