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

	// From here: netviz's own namespace is not the daemon's.
	outside := snapshotOf(t, nil, host)
	inside := snapshotOf(t, []string{nsenter, "--net=" + nsPath}, host)

	if got := warningCodes(outside); !slices.Contains(got, codeDaemonNamespace) {
		t.Errorf("from outside: warnings %v, want %q saying which namespace is the host", got, codeDaemonNamespace)
	}
	if got := warningCodes(inside); slices.Contains(got, codeDaemonNamespace) || slices.Contains(got, codeKernelUnavailable) {
		t.Errorf("from inside: warnings %v, want neither %q nor %q", got, codeDaemonNamespace, codeKernelUnavailable)
	}
	same := func(what string, a, b any) {
		t.Helper()
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("%s differ:\n from outside %s\n from inside  %s", what, ja, jb)
		}
	}
	same("bridges", outside.Bridges, inside.Bridges)
	same("pairs", outside.Pairs, inside.Pairs)
	same("host links", outside.Interfaces, inside.Interfaces)
	same("uplink", outside.Host.Uplink, inside.Host.Uplink)
	same("sysctls", outside.Sysctls, inside.Sysctls)
	same("firewall backend", outside.Firewall.DockerBackend, inside.Firewall.DockerBackend)
	same("doctor findings", findingIDs(outside), findingIDs(inside))

	// And what the issue saw go wrong does not: the network's bridge is up
	// with the containers' veths, the host-network container lives in the
	// daemon's namespace with no veth of the machine's attributed to it.
	br := bridgeOf(w, net)
	i := slices.IndexFunc(outside.Bridges, func(b topo.Bridge) bool { return b.Name == br })
	if i < 0 || outside.Bridges[i].State != "up" || len(outside.Bridges[i].Ports) != 2 {
		t.Errorf("bridge %s of %s: %+v, want up with 2 ports", br, net, outside.Bridges)
	}
	for _, p := range outside.Pairs {
		if p.Container == hostNet {
			t.Errorf("host-network container %s got a veth: %+v", hostNet, p)
		}
	}
	for _, f := range diagnose.Run(outside) {
		if f.Severity == topo.SeverityError {
			t.Errorf("doctor from outside: %s %s", f.ID, f.Message)
		}
	}
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
