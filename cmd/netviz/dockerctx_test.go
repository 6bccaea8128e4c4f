package main

import (
	"context"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/topo"
)

// TestDockerContextPrecedence: netviz run by hand picks the daemon as the
// docker CLI would, from its own -H and --context, DOCKER_HOST,
// DOCKER_CONTEXT and the current context of a docker config directory
// written the way docker writes it.
func TestDockerContextPrecedence(t *testing.T) {
	home := t.TempDir()
	homeCfg := filepath.Join(home, ".docker")
	writeContext(t, homeCfg, "remote", "tcp://10.0.0.9:2376", false, true)
	writeContext(t, homeCfg, "rootless", "unix:///run/user/1000/docker.sock", false, false)
	writeContext(t, homeCfg, "current", "unix:///current.sock", false, false)
	if err := os.WriteFile(filepath.Join(homeCfg, "config.json"), []byte(`{"auths":{},"currentContext":"current"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	writeContext(t, other, "elsewhere", "unix:///elsewhere.sock", false, false)
	if err := os.WriteFile(filepath.Join(other, "config.json"), []byte(`{"currentContext":"elsewhere"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	remoteTLS := filepath.Join(homeCfg, "contexts", "tls", hexName("remote"), "docker")
	snapshot := filepath.Join("testdata", "host.json")

	tests := []struct {
		name string
		args []string
		env  map[string]string
		// want is the environment netviz sets; nil: none, the client's
		// own default (DOCKER_HOST or the local socket) stands.
		want map[string]string
		// host is what the command hands the client itself (-H).
		host string
		// from is the debug log's word for what chose the daemon.
		from string
	}{
		{name: "--context with TLS", args: []string{"veth", "--context", "remote"},
			want: map[string]string{"DOCKER_HOST": "tcp://10.0.0.9:2376", "DOCKER_CERT_PATH": remoteTLS, "DOCKER_TLS_VERIFY": "1"}, from: `context "remote"`},
		{name: "-c beats DOCKER_HOST and DOCKER_CONTEXT", args: []string{"docker", "-c", "rootless"},
			env:  map[string]string{"DOCKER_HOST": "unix:///env.sock", "DOCKER_CONTEXT": "remote", "DOCKER_CERT_PATH": "/shell"},
			want: noTLS("unix:///run/user/1000/docker.sock"), from: "rootless"},
		{name: "-H beats everything", args: []string{"doctor", "-H", "unix:///h.sock"},
			env:  map[string]string{"DOCKER_HOST": "unix:///env.sock", "DOCKER_CONTEXT": "nope"},
			host: "unix:///h.sock", from: "-H"},
		{name: "DOCKER_HOST beats DOCKER_CONTEXT", args: []string{"veth"},
			env: map[string]string{"DOCKER_HOST": "unix:///env.sock", "DOCKER_CONTEXT": "rootless"}, from: "DOCKER_HOST"},
		{name: "DOCKER_CONTEXT beats the current context", args: []string{"docker", "--format", "json"},
			env: map[string]string{"DOCKER_CONTEXT": "rootless"}, want: noTLS("unix:///run/user/1000/docker.sock"), from: "rootless"},
		{name: "the current context of ~/.docker", args: []string{"veth"},
			want: noTLS("unix:///current.sock"), from: "current"},
		{name: "the current context of DOCKER_CONFIG", args: []string{"veth"},
			env: map[string]string{"DOCKER_CONFIG": other}, want: noTLS("unix:///elsewhere.sock"), from: "elsewhere"},
		{name: "context default is DOCKER_HOST", args: []string{"veth", "--context", "default"},
			env: map[string]string{"DOCKER_HOST": "unix:///env.sock"}, from: "default"},
		{name: "--from reads no daemon", args: []string{"veth", "--from", snapshot},
			env: map[string]string{"DOCKER_CONTEXT": "nope"}},
		{name: "diff of two files reads no daemon", args: []string{"diff", snapshot, snapshot},
			env: map[string]string{"DOCKER_CONTEXT": "nope"}},
		{name: "diff with live does", args: []string{"diff", snapshot, "live"},
			env: map[string]string{"DOCKER_CONTEXT": "rootless"}, want: noTLS("unix:///run/user/1000/docker.sock"), from: "rootless"},
		{name: "version reads no daemon", args: []string{"version"},
			env: map[string]string{"DOCKER_CONTEXT": "nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _, errb := fakeDeps(t, nil)
			var set map[string]string
			d.env = endpointEnv{getenv: func(k string) string { return tt.env[k] }, home: home,
				apply: func(env map[string]string) error { set = maps.Clone(env); return nil }}
			var host string
			live := d.live
			d.live = func(ctx context.Context, o liveOptions) (*topo.Snapshot, error) {
				host = o.host
				return live(ctx, o)
			}
			code := run(context.Background(), append(tt.args, "--debug"), d)
			if code != exitOK && !(tt.args[0] == "diff" && code == 1) {
				t.Fatalf("exit %d: %s", code, errb)
			}
			if len(set) != len(tt.want) || len(tt.want) > 0 && !maps.Equal(set, tt.want) {
				t.Errorf("set %v, want %v", set, tt.want)
			}
			if host != tt.host {
				t.Errorf("-H handed to the client: %q, want %q", host, tt.host)
			}
			if tt.from != "" && (!strings.Contains(errb.String(), "docker daemon") || !strings.Contains(errb.String(), tt.from)) {
				t.Errorf("debug log does not say the daemon came from %s:\n%s", tt.from, errb)
			}
		})
	}
}

// TestDockerContextErrors: a context that cannot be used is a usage error
// on one line, before any daemon is asked.
func TestDockerContextErrors(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, ".docker")
	writeContext(t, cfg, "remote", "tcp://10.0.0.9:2376", false, false)
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "config.json"), []byte(`{"currentContext":`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		msg  string
	}{
		{"-H and --context", []string{"veth", "-H", "unix:///a.sock", "--context", "remote"}, nil,
			"conflicting options: cannot specify both -H and --context"},
		{"-H and -c on watch", []string{"watch", "-c", "remote", "--host=unix:///a.sock"}, nil, "cannot specify both -H and --context"},
		{"unknown --context", []string{"docker", "--context", "nope"}, nil, `docker context "nope" not found (docker context ls lists them)`},
		{"unknown DOCKER_CONTEXT", []string{"cluster"}, map[string]string{"DOCKER_CONTEXT": "gone"}, `docker context "gone" not found`},
		{"unknown on serve", []string{"serve", "-c", "nope"}, nil, "docker context ls"},
		{"config.json unreadable", []string{"veth"}, map[string]string{"DOCKER_CONFIG": broken}, "config.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, out, errb := fakeDeps(t, nil)
			d.env = endpointEnv{getenv: func(k string) string { return tc.env[k] }, home: home,
				apply: func(map[string]string) error { t.Error("environment set despite the error"); return nil }}
			d.live = func(context.Context, liveOptions) (*topo.Snapshot, error) {
				t.Error("a daemon was asked despite the error")
				return nil, nil
			}
			if code := run(context.Background(), tc.args, d); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			msg := errb.String()
			if !strings.HasPrefix(msg, "netviz: ") || strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tc.msg) {
				t.Errorf("stderr %q: want one line containing %q", msg, tc.msg)
			}
			if out.Len() != 0 {
				t.Errorf("stdout: %q", out)
			}
		})
	}
}

// TestDaemonFlagsEverywhere: every command that takes -H takes --context
// (-c) beside it, and -c means nothing else anywhere.
func TestDaemonFlagsEverywhere(t *testing.T) {
	d, _, _ := fakeDeps(t, nil)
	var walk func(c *cobra.Command)
	seen := 0
	walk = func(c *cobra.Command) {
		// LocalFlags and InheritedFlags: cluster's -H is persistent, for
		// its doctor and path too.
		fs := c.LocalFlags()
		fs.AddFlagSet(c.InheritedFlags())
		if f := fs.ShorthandLookup("c"); f != nil && f.Name != contextFlag {
			t.Errorf("%s: -c is --%s", c.CommandPath(), f.Name)
		}
		if fs.Lookup("host") != nil {
			seen++
			if f := fs.Lookup(contextFlag); f == nil || f.Shorthand != "c" {
				t.Errorf("%s has -H but no --context/-c", c.CommandPath())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCommand(d))
	if seen < 10 {
		t.Errorf("%d commands take -H; docker, veth, doctor, path, diff, watch, serve, cluster and its doctor and path do", seen)
	}
}

// TestApplyEnvUnsets: a context without certificates must not inherit the
// shell's DOCKER_CERT_PATH.
func TestApplyEnvUnsets(t *testing.T) {
	t.Setenv("DOCKER_CERT_PATH", "/shell/certs")
	t.Setenv("DOCKER_HOST", "unix:///before.sock")
	if err := applyEnv(noTLS("unix:///after.sock")); err != nil {
		t.Fatal(err)
	}
	if _, ok := os.LookupEnv("DOCKER_CERT_PATH"); ok {
		t.Error("DOCKER_CERT_PATH still set")
	}
	if got := os.Getenv("DOCKER_HOST"); got != "unix:///after.sock" {
		t.Errorf("DOCKER_HOST %q", got)
	}
}

// TestContextReadLikeH: a context's address is in place before the client
// is opened, so the daemon's namespace is looked up for it exactly as for
// -H: here a daemon over TCP, which has no kernel view either way.
func TestContextReadLikeH(t *testing.T) {
	host := apiDaemon(t, filepath.Join("..", "..", "inspect", "docker", "testdata", "api141"))
	cfg := t.TempDir()
	writeContext(t, cfg, "faraway", host, false, false)
	for _, k := range []string{"DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"} {
		t.Setenv(k, "") // restored after the test; the context sets them
	}
	run1 := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		d := deps{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, live: liveSnapshot,
			colorable: func(io.Writer) bool { return false }, now: time.Now,
			env: endpointEnv{getenv: func(k string) string { return map[string]string{"DOCKER_CONFIG": cfg}[k] },
				home: t.TempDir(), apply: applyEnv}}
		code := run(context.Background(), args, d)
		return code, out.String(), errb.String()
	}
	warnings := func(args ...string) []topo.Warning {
		t.Helper()
		code, out, errb := run1(append(args, "--format", "json")...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errb)
		}
		s, err := topo.Decode(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		return s.Warnings
	}
	byH, byContext := warnings("docker", "-H", host), warnings("docker", "--context", "faraway")
	if !slices.Equal(byH, byContext) || len(byContext) == 0 || byContext[0].Code != codeKernelUnavailable {
		t.Errorf("warnings through the context %v, through -H %v: want the same, %s first", byContext, byH, codeKernelUnavailable)
	}
	if code, _, errb := run1("doctor", "-c", "faraway"); code != exitNoKernel {
		t.Errorf("doctor -c: exit %d, want %d as with -H: %s", code, exitNoKernel, errb)
	}
}
