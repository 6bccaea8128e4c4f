package kernel

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/netviz/netviz/inspect"
)

// A daemon found in another namespace through /proc/<pid>/ns/net keeps its
// exec root in its own mount namespace: /proc/<pid>/root leads there.
func TestDaemonPath(t *testing.T) {
	for _, tc := range []struct{ hostNetns, want string }{
		{"", "/var/run/docker/netns"},
		{"/proc/4242/ns/net", "/proc/4242/root/var/run/docker/netns"},
		{"/run/netns/node0", "/var/run/docker/netns"}, // same mount namespace
	} {
		k := NewWithOptions(Options{HostNetns: tc.hostNetns})
		if got := k.daemonPath("/var/run/docker/netns"); got != tc.want {
			t.Errorf("HostNetns %q: %q, want %q", tc.hostNetns, got, tc.want)
		}
	}
}

// No directory: not a swarm node's, nothing to read, no error. A plain
// file where a namespace should be (a bind mount gone) is skipped, and
// names the caller does not keep are not opened.
func TestDockerNamespacesNothingToRead(t *testing.T) {
	k := New()
	got, err := k.DockerNamespaces(context.Background(), filepath.Join(t.TempDir(), "missing"), func(string) bool { return true }, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("missing directory: %v, %v", got, err)
	}
	if os.Geteuid() != 0 {
		t.Skip("opening namespaces needs root")
	}
	dir := t.TempDir()
	for _, name := range []string{"ingress_sbox", "3b9d5b8b9961"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var asked []string
	got, err = k.DockerNamespaces(context.Background(), dir, func(n string) bool {
		asked = append(asked, n)
		return inspect.DockerRole(n) != ""
	}, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("placeholder files: %v, %v; want nothing and no error", got, err)
	}
	if len(asked) != 2 {
		t.Errorf("asked about %v", asked)
	}
}
