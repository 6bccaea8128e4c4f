package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/explain"
	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/inspect/kernel"
)

func TestCLIDockerExplain(t *testing.T) {
	d, out, _ := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"docker", "--explain", "--container", "web1"}, d); code != 0 {
		t.Fatalf("docker --explain: exit %d", code)
	}
	live := out.String()
	for _, want := range []string{
		"commands to see each fact by hand, to run as root on vm\n",
		"$ bridge link show dev vetha87bbed",
		"$ docker port web1",
		"$ readlink /proc/3716/ns/net",
	} {
		if !strings.Contains(live, want) {
			t.Errorf("tree lacks %q:\n%s", want, live)
		}
	}
	if strings.Contains(live, "recorded") {
		t.Errorf("a live host's commands say they are from a snapshot:\n%s", strings.SplitN(live, "\n", 2)[0])
	}

	// From a snapshot: the same commands, for the host it was taken on.
	d, out, _ = fakeDeps(t, nil)
	run(context.Background(), []string{"docker", "--explain", "--container", "web1", "--from", filepath.Join("testdata", "host.json")}, d)
	header, rest, _ := strings.Cut(out.String(), "\n")
	if !strings.Contains(header, "with the PIDs and names the snapshot recorded") {
		t.Errorf("from a snapshot, the header says %q", header)
	}
	if _, liveRest, _ := strings.Cut(live, "\n"); rest != liveRest {
		t.Error("the snapshot's commands differ from the live host's")
	}

	for _, args := range [][]string{
		{"docker", "--explain", "--format", "json"},
		{"docker", "--explain", "-o", filepath.Join(t.TempDir(), "x.svg")},
	} {
		d, _, errb := fakeDeps(t, nil)
		if code := run(context.Background(), args, d); code != exitUsage || !strings.Contains(errb.String(), "--explain") {
			t.Errorf("%v: exit %d: %s", args, code, errb.String())
		}
	}
}

// explain reads the daemon's PID and socket from the text of the warning
// locateDaemon writes (the snapshot records them nowhere else): host
// commands enter the daemon's namespace, docker commands reach its socket.
func TestExplainReadsTheDaemonNamespaceWarning(t *testing.T) {
	own, other := inspect.NSRef{Dev: 4, Inode: 1}, inspect.NSRef{Dev: 4, Inode: 2}
	pidNS := inspect.NSRef{Dev: 4, Inode: 10}
	p := &fakeProber{peer: kernel.Peer{PID: 4242, Command: "dockerd"}, ownNet: own, daemonNet: other, ownPID: pidNS, daemonPID: pidNS}
	h := locateDaemon(context.Background(), p, "unix:///run/netviz-engines/28/docker.sock")
	if h.warn == nil || h.warn.Code != codeDaemonNamespace {
		t.Fatalf("no daemon-namespace warning: %+v", h.warn)
	}
	s := loadFixture(t)
	s.Warnings = append(s.Warnings, *h.warn)
	e := explain.New(s)
	web, _ := s.Container("web1")
	var lines []string
	for _, c := range append(e.Bridge(s.Bridges[0]), e.Ports(web)...) {
		lines = append(lines, c.Line)
	}
	all := strings.Join(lines, "\n")
	for _, want := range []string{"nsenter -t 4242 -n ip -d link show dev " + s.Bridges[0].Name,
		"docker -H unix:///run/netviz-engines/28/docker.sock port web1"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in\n%s", want, all)
		}
	}
}
