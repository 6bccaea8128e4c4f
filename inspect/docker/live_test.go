package docker

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/internal/dockertest"
)

// On a real daemon, containers placed by their runtime's init.pid (no
// inspect) must come out exactly as inspected ones do, in every state and
// network mode.
func TestIntegrationLocalPIDsMatchInspect(t *testing.T) {
	w := dockertest.New(t, "pids")
	net := w.Network("n", "--ipv6", "--subnet", dockertest.FreeSubnet6(t).String())
	// Ephemeral host ports: a fixed one may be taken on a busy host.
	web := w.Run("web", []string{"-p", "127.0.0.1::80", "-p", "53/udp"})
	w.Docker("network", "connect", net, web)
	w.Run("side", []string{"--network", "container:" + web})
	w.Run("host", []string{"--network", "host"})
	w.Run("none", []string{"--network", "none"})
	paused := w.Run("paused", []string{"--network", net})
	w.Docker("pause", paused)
	t.Cleanup(func() { _, _ = dockertest.Docker("unpause", paused) })
	w.Create("created", []string{"--network", net})
	exited := w.Run("exited", nil)
	w.Docker("stop", "-t", "0", exited)

	read := func(pids PIDFinder) map[string]inspect.ContainerInfo {
		s, err := New(Options{PIDs: pids})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		cs, _, err := s.Containers(context.Background(), true)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]inspect.ContainerInfo{}
		for _, c := range cs {
			if strings.HasPrefix(c.Name, w.Prefix) {
				out[c.Name] = c
			}
		}
		return out
	}
	inspected := read(nil)
	fast := read(RuntimePIDs{})
	if len(inspected) != 7 {
		t.Fatalf("found %d test containers, want 7", len(inspected))
	}
	for name, want := range inspected {
		if got := fast[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nlocal PID %+v\ninspect   %+v", name, got, want)
		}
		if (want.State == "running" || want.State == "paused") && want.PID == 0 {
			t.Errorf("%s: %s without a PID", name, want.State)
		}
	}
	// The runtime's PID is there for every running test container.
	for name, c := range fast {
		if c.PID > 0 {
			if pid, ok := (RuntimePIDs{}).PID(c.ID); !ok || pid != c.PID {
				t.Errorf("%s: RuntimePIDs gives %d, %v; docker says %d", name, pid, ok, c.PID)
			}
		}
	}
}
