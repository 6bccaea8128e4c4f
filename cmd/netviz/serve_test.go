package main

import (
	"context"
	"net"
	"strings"
	"testing"
)

// TestServeUsage checks that serve refuses bad flags before it listens or
// reads anything, with exit code 2 and a one-line message.
func TestServeUsage(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "--engine", "bogus"}, exitUsage, `invalid --engine "bogus"`},
		{[]string{"serve", "--listen", "nonsense"}, exitUsage, `invalid --listen "nonsense"`},
		{[]string{"serve", "--group", "network"}, exitUsage, `invalid --group "network"`},
		{[]string{"serve", "extra"}, exitUsage, "unknown command"},
		{[]string{"serve", "--listen", busy.Addr().String()}, exitFailure, "cannot listen on"},
	} {
		d, _, errb := fakeDeps(t, nil)
		code := run(context.Background(), tc.args, d)
		if code != tc.code || !strings.Contains(errb.String(), tc.want) || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("netviz %s: exit %d, stderr %q; want %d and %q", strings.Join(tc.args, " "), code, errb.String(), tc.code, tc.want)
		}
	}
}

func TestOpenable(t *testing.T) {
	for addr, wildcard := range map[string]bool{"127.0.0.1:7800": false, "[::1]:7800": false, "0.0.0.0:7800": true, "[::]:7800": true} {
		a, _ := net.ResolveTCPAddr("tcp", addr)
		got := openable(a)
		if wildcard == (got == a.String()) || !strings.HasSuffix(got, ":7800") {
			t.Errorf("openable(%s) = %q", addr, got)
		}
	}
}
