package main

import (
	"context"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
)

// --network and --container choose which findings are shown, not what the
// checks see: web1's DNAT rule is not stale because web1 is on another
// network than the one asked about.
func TestCLIDoctorFilterSeesTheWholeHost(t *testing.T) {
	s := fwtest.Host(t) // the gallery host with the rules recorded on it
	for i := range s.Interfaces {
		if s.Interfaces[i].Name == "br-edf6ad18f54c" {
			s.Interfaces[i].Up = false // appnet's bridge
		}
	}
	path := writeSnapshot(t, s)

	for _, tc := range []struct {
		args          []string
		code          int
		want, notWant string
	}{
		{[]string{"--network", "backend"}, exitOK, "mtu-mismatch  br-backend eth0", "published-port-mismatch"},
		{[]string{"--network", "backend"}, exitOK, "", "bridge-down"},
		{[]string{"--container", "db"}, exitOK, "mtu-mismatch  br-backend eth0", "orphan-veth"},
		{[]string{"--network", "appnet"}, exitFailure, "ERROR   bridge-down  br-edf6ad18f54c appnet", "br-backend"},
		{nil, exitFailure, "WARNING orphan-veth  vethblue docker0", "published-port-mismatch"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			d, out, errb := fakeDeps(t, nil)
			code := run(context.Background(), append([]string{"doctor", "--from", path}, tc.args...), d)
			if code != tc.code || !strings.Contains(out.String(), tc.want) || strings.Contains(out.String(), tc.notWant) {
				t.Errorf("exit %d (want %d), want %q and no %q\nstdout:\n%s\nstderr:\n%s", code, tc.code, tc.want, tc.notWant, out.String(), errb.String())
			}
		})
	}
}
