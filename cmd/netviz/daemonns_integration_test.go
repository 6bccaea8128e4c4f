package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/topo"
)

// otherNSEnv names the socket of a dockerd that lives in another network
// namespace than the test process, and otherNSPathEnv that namespace's
// file; scripts/test.sh sets both while an engine of scripts/engines.sh is
// up and runs this test in the host namespace.
const (
	otherNSEnv     = "NETVIZ_OTHER_NS_DOCKER_HOST"
	otherNSPathEnv = "NETVIZ_OTHER_NS_PATH"
)

// -H at a daemon in another namespace gives what netviz run inside that
// namespace gives: the same bridges, pairs, uplink, forwarding settings,
// firewall backend and doctor findings, and one line saying which
// namespace was taken as the host.
func TestIntegrationDaemonNamespace(t *testing.T) {
	host, nsPath := os.Getenv(otherNSEnv), os.Getenv(otherNSPathEnv)
	if host == "" || nsPath == "" {
		testenv.Unavailable(t, "no dockerd in another network namespace",
			fmt.Sprintf("set %s and %s, as scripts/test.sh does for each engine (e.g. ENGINES=\"20.10 28\" make test)", otherNSEnv, otherNSPathEnv))
	}
	testenv.RequireRoot(t)
	nsenter := testenv.RequireProgram(t, "nsenter", "util-linux")
	t.Setenv("DOCKER_HOST", host) // dockertest drives that daemon
	w := dockertest.New(t, "dns")
	net := w.Network("n")
	w.Run("web", []string{"--network", net, "-p", "127.0.0.1::80"})
	w.Run("client", []string{"--network", net})
	hostNet := w.Run("hostnet", []string{"--network", "host"})

	// From here: netviz's own namespace is not the daemon's. The two
	// reads are of the whole host, which something else may change in
	// between (a busy host): what is compared is the test's own (its
	// bridge, containers, their links and findings) and what is the
	// host's alone (uplink, sysctls, firewall backend), and the reads are
	// taken again, a few times, until they agree.
	br := bridgeOf(w, net)
	var outside *topo.Snapshot
	var diffs []string
	for try := 1; try <= 3; try++ {
		outside = snapshotOf(t, nil, host)
		inside := snapshotOf(t, []string{nsenter, "--net=" + nsPath}, host)
		diffs = sameFromBothSides(ours(outside, w.Prefix, br), ours(inside, w.Prefix, br))
		if len(diffs) == 0 {
			break
		}
		t.Logf("try %d: the reads differ (the host changed in between?):\n%s", try, strings.Join(diffs, "\n"))
	}
	for _, d := range diffs {
		t.Error(d)
	}

	// And what the issue saw go wrong does not: the network's bridge is up
	// with the containers' veths, the host-network container lives in the
	// daemon's namespace with no veth of the machine's attributed to it.
	i := slices.IndexFunc(outside.Bridges, func(b topo.Bridge) bool { return b.Name == br })
	if i < 0 || outside.Bridges[i].State != "up" || len(outside.Bridges[i].Ports) != 2 {
		t.Errorf("bridge %s of %s: %+v, want up with 2 ports", br, net, outside.Bridges)
	}
	for _, p := range outside.Pairs {
		if p.Container == hostNet {
			t.Errorf("host-network container %s got a veth: %+v", hostNet, p)
		}
	}
	// Errors about the host, or about the test's world: another test's
	// container caught halfway through a connect is not this test's.
	for _, f := range diagnose.Run(outside) {
		if f.Severity == topo.SeverityError && (hostWide(f) || strings.Contains(f.Message, w.Prefix) || strings.Contains(f.Message, br)) {
			t.Errorf("doctor from outside: %s %s", f.ID, f.Message)
		}
	}
}

// hostWide says whether f is about no container, interface, bridge or
// network: the host's settings, rules and routes.
func hostWide(f diagnose.Finding) bool {
	return !slices.ContainsFunc(f.Subject, func(r topo.Ref) bool {
		return r.Kind == topo.RefContainer || r.Kind == topo.RefInterface || r.Kind == topo.RefBridge || r.Kind == topo.RefNetwork
	})
}

// nsView is what TestIntegrationDaemonNamespace compares of a snapshot.
type nsView struct {
	warnings []string
	bridges  []topo.Bridge
	pairs    []topo.Pair
	links    []topo.Interface
	uplink   string
	sysctls  any
	backend  string
	findings []string
}

// ours is what of s belongs to the test's world (names starting with
// prefix, its bridge br) or to the host alone.
func ours(s *topo.Snapshot, prefix, br string) nsView {
	v := nsView{warnings: warningCodes(s), uplink: s.Host.Uplink, sysctls: s.Sysctls, backend: s.Firewall.DockerBackend}
	for _, b := range s.Bridges {
		if b.Name == br {
			v.bridges = append(v.bridges, b)
		}
	}
	for _, p := range s.Pairs {
		if strings.HasPrefix(p.Container, prefix) {
			v.pairs = append(v.pairs, p)
		}
	}
	for _, i := range s.Interfaces {
		if i.Name == br || i.Master == br || i.Name == s.Host.Uplink {
			v.links = append(v.links, i)
		}
	}
	for _, f := range findingIDs(s) {
		if strings.Contains(f, prefix) || strings.Contains(f, br) {
			v.findings = append(v.findings, f)
		}
	}
	return v
}

// sameFromBothSides says how what netviz read from outside the daemon's
// namespace differs from what it read inside: nothing, when the daemon's
// namespace was taken as the host and read as from inside.
func sameFromBothSides(outside, inside nsView) []string {
	var diffs []string
	if !slices.Contains(outside.warnings, codeDaemonNamespace) {
		diffs = append(diffs, fmt.Sprintf("from outside: warnings %v, want %q saying which namespace is the host", outside.warnings, codeDaemonNamespace))
	}
	if slices.Contains(inside.warnings, codeDaemonNamespace) || slices.Contains(inside.warnings, codeKernelUnavailable) {
		diffs = append(diffs, fmt.Sprintf("from inside: warnings %v, want neither %q nor %q", inside.warnings, codeDaemonNamespace, codeKernelUnavailable))
	}
	same := func(what string, a, b any) {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			diffs = append(diffs, fmt.Sprintf("%s differ:\n from outside %s\n from inside  %s", what, ja, jb))
		}
	}
	same("the test's bridge", outside.bridges, inside.bridges)
	same("the test's pairs", outside.pairs, inside.pairs)
	same("the test's host links and the uplink", outside.links, inside.links)
	same("uplink", outside.uplink, inside.uplink)
	same("sysctls", outside.sysctls, inside.sysctls)
	same("firewall backend", outside.backend, inside.backend)
	same("the test's doctor findings", outside.findings, inside.findings)
	return diffs
}

// snapshotOf runs the built netviz (under prefix, e.g. nsenter) for the
// whole snapshot of the daemon at host.
func snapshotOf(t *testing.T, prefix []string, host string) *topo.Snapshot {
	t.Helper()
	args := slices.Concat(prefix, []string{buildNetviz(t), "docker", "-H", host, "--format", "json"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
	s, err := topo.Decode(&out)
	if err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return s
}

func warningCodes(s *topo.Snapshot) []string {
	var out []string
	for _, w := range s.Warnings {
		out = append(out, w.Code)
	}
	return out
}

func findingIDs(s *topo.Snapshot) []string {
	var out []string
	for _, f := range diagnose.Run(s) {
		out = append(out, string(f.ID)+" "+f.Message)
	}
	slices.Sort(out)
	return out
}
