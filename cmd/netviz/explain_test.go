package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
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
