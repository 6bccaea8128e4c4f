package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/rendertest"
)

// writeContext stores a context the way `docker context create` does.
func writeContext(t *testing.T, configDir, name, host string, skipVerify, withTLS bool) {
	t.Helper()
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	meta := map[string]any{
		"Name":      name,
		"Metadata":  map[string]any{},
		"Endpoints": map[string]any{"docker": map[string]any{"Host": host, "SkipTLSVerify": skipVerify}},
	}
	b, _ := json.Marshal(meta)
	dir := filepath.Join(configDir, "contexts", "meta", id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if withTLS {
		tls := filepath.Join(configDir, "contexts", "tls", id, "docker")
		if err := os.MkdirAll(tls, 0o700); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"ca.pem", "cert.pem", "key.pem"} {
			if err := os.WriteFile(filepath.Join(tls, f), []byte("-"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestParseInvocation(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, ".docker")
	writeContext(t, cfg, "remote", "tcp://10.0.0.9:2376", false, true)
	writeContext(t, cfg, "insecure", "tcp://10.0.0.8:2376", true, true)
	writeContext(t, cfg, "rootless", "unix:///run/user/1000/docker.sock", false, false)
	other := t.TempDir()
	writeContext(t, other, "elsewhere", "unix:///elsewhere.sock", false, false)
	if err := os.WriteFile(filepath.Join(other, "config.json"), []byte(`{"currentContext":"elsewhere"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tlsDir := filepath.Join(cfg, "contexts", "tls", hexName("remote"), "docker")
	insecureTLS := filepath.Join(cfg, "contexts", "tls", hexName("insecure"), "docker")
	plugin := "/home/u/.docker/cli-plugins/docker-netviz"

	tests := []struct {
		name     string
		argv     []string
		env      map[string]string
		args     []string
		setEnv   map[string]string
		plugin   bool
		wantCode int // 0: no error
		errHas   string
	}{
		{name: "netviz itself", argv: []string{"/usr/bin/netviz", "veth", "-H", "x"}, args: []string{"veth", "-H", "x"}},
		{name: "netviz ignores docker words", argv: []string{"netviz", "netviz", "veth"}, args: []string{"netviz", "veth"}},
		{name: "metadata", argv: []string{plugin, pluginMetadataCommand}, args: []string{pluginMetadataCommand}, plugin: true},
		{name: "plain plugin run", argv: []string{plugin, "netviz", "veth", "--format", "json"},
			env: map[string]string{pluginEnv: "/usr/bin/docker"}, args: []string{"veth", "--format", "json"}, plugin: true},
		{name: "renamed binary, docker's env", argv: []string{"/opt/nv", "netviz", "veth"},
			env: map[string]string{pluginEnv: "docker"}, args: []string{"veth"}, plugin: true},
		{name: "run by hand as docker-netviz", argv: []string{plugin, "veth"}, args: []string{"veth"}, plugin: true},
		{name: "run by hand with netviz's flags", argv: []string{plugin, "--help"}, args: []string{"--help"}, plugin: true},
		{name: "run by hand, -H is netviz's", argv: []string{plugin, "-a", "-H", "unix:///c.sock"}, args: []string{"-a", "-H", "unix:///c.sock"}, plugin: true},
		{name: "-H value", argv: []string{plugin, "-H", "unix:///a.sock", "netviz", "veth", "-a"},
			args: []string{"veth", "-a"}, setEnv: map[string]string{"DOCKER_HOST": "unix:///a.sock"}, plugin: true},
		{name: "--host=value beats DOCKER_HOST", argv: []string{plugin, "--host=tcp://h:1", "netviz", "docker"},
			env: map[string]string{"DOCKER_HOST": "unix:///env.sock"}, args: []string{"docker"},
			setEnv: map[string]string{"DOCKER_HOST": "tcp://h:1"}, plugin: true},
		{name: "-Hvalue", argv: []string{plugin, "-Hunix:///b.sock", "netviz"},
			args: []string{}, setEnv: map[string]string{"DOCKER_HOST": "unix:///b.sock"}, plugin: true},
		{name: "--context with TLS", argv: []string{plugin, "--context", "remote", "netviz", "veth"},
			args: []string{"veth"}, plugin: true,
			setEnv: map[string]string{"DOCKER_HOST": "tcp://10.0.0.9:2376", "DOCKER_CERT_PATH": tlsDir, "DOCKER_TLS_VERIFY": "1"}},
		{name: "context that skips verification", argv: []string{plugin, "-c", "insecure", "netviz"},
			args: []string{}, plugin: true,
			setEnv: map[string]string{"DOCKER_HOST": "tcp://10.0.0.8:2376", "DOCKER_CERT_PATH": insecureTLS, "DOCKER_TLS_VERIFY": ""}},
		{name: "--context beats DOCKER_HOST", argv: []string{plugin, "--context=rootless", "netviz", "veth"},
			env: map[string]string{"DOCKER_HOST": "unix:///env.sock"}, args: []string{"veth"}, plugin: true,
			setEnv: noTLS("unix:///run/user/1000/docker.sock")},
		{name: "DOCKER_HOST beats DOCKER_CONTEXT", argv: []string{plugin, "netviz", "veth"},
			env: map[string]string{"DOCKER_HOST": "unix:///env.sock", "DOCKER_CONTEXT": "rootless"}, args: []string{"veth"}, plugin: true},
		{name: "DOCKER_CONTEXT", argv: []string{plugin, "netviz", "veth"},
			env: map[string]string{"DOCKER_CONTEXT": "rootless", "DOCKER_CERT_PATH": "/shell/certs"}, args: []string{"veth"}, plugin: true,
			setEnv: noTLS("unix:///run/user/1000/docker.sock")},
		{name: "default context", argv: []string{plugin, "--context", "default", "netviz", "veth"}, args: []string{"veth"}, plugin: true},
		{name: "--config and its current context", argv: []string{plugin, "--config", other, "netviz", "veth"},
			args: []string{"veth"}, plugin: true, setEnv: noTLS("unix:///elsewhere.sock")},
		{name: "DOCKER_CONFIG's current context", argv: []string{plugin, "netviz", "veth"},
			env: map[string]string{"DOCKER_CONFIG": other}, args: []string{"veth"}, plugin: true,
			setEnv: noTLS("unix:///elsewhere.sock")},
		{name: "-D and --log-level debug turn on --debug", argv: []string{plugin, "-D", "-l", "info", "netviz", "veth"},
			args: []string{"--debug", "veth"}, plugin: true},
		{name: "--log-level=debug", argv: []string{plugin, "--log-level=debug", "netviz", "veth"},
			args: []string{"--debug", "veth"}, plugin: true},
		{name: "TLS flags in one directory", argv: []string{plugin, "--tlsverify", "--tlscacert", "/c/ca.pem", "--tlscert=/c/cert.pem", "--tlskey", "/c/key.pem", "-H", "tcp://h:2376", "netviz"},
			args: []string{}, plugin: true, setEnv: map[string]string{"DOCKER_HOST": "tcp://h:2376", "DOCKER_CERT_PATH": "/c", "DOCKER_TLS_VERIFY": "1"}},

		{name: "unknown context", argv: []string{plugin, "--context", "nope", "netviz"}, wantCode: exitUsage, errHas: `docker context "nope" not found`},
		{name: "-H and --context", argv: []string{plugin, "-H", "unix:///a", "-c", "remote", "netviz"}, wantCode: exitUsage, errHas: "cannot specify both"},
		{name: "two -H", argv: []string{plugin, "-H", "unix:///a", "-H", "unix:///b", "netviz"}, wantCode: exitUsage, errHas: "one daemon"},
		{name: "unknown docker flag", argv: []string{plugin, "--bogus", "netviz"}, wantCode: exitUsage, errHas: `unknown docker flag "--bogus"`},
		{name: "a lone docker flag is netviz's to refuse", argv: []string{plugin, "--config"}, args: []string{"--config"}, plugin: true},
		{name: "TLS files netviz cannot take", argv: []string{plugin, "--tlscacert", "/c/my-ca.crt", "netviz"}, wantCode: exitUsage, errHas: "ca.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string { return tt.env[k] }
			inv, err := parseInvocation(tt.argv, getenv, home)
			if tt.wantCode != 0 {
				if err == nil || exitCode(err) != tt.wantCode || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err %v (exit %d), want exit %d with %q", err, exitCode(err), tt.wantCode, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(inv.args, tt.args) || inv.plugin != tt.plugin {
				t.Errorf("args %q plugin %v, want %q %v", inv.args, inv.plugin, tt.args, tt.plugin)
			}
			if len(inv.env) != len(tt.setEnv) {
				t.Errorf("env %v, want %v", inv.env, tt.setEnv)
			}
			for k, v := range tt.setEnv {
				if inv.env[k] != v {
					t.Errorf("env %s=%q, want %q", k, inv.env[k], v)
				}
			}
		})
	}
}

// noTLS is the environment of a context without certificates: its host, and
// the shell's TLS variables unset ("").
func noTLS(host string) map[string]string {
	return map[string]string{"DOCKER_HOST": host, "DOCKER_CERT_PATH": "", "DOCKER_TLS_VERIFY": ""}
}

func hexName(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])
}

func TestPluginMetadataAndHelp(t *testing.T) {
	d, out, errb := fakeDeps(t, nil)
	if code := runInvocation(context.Background(), []string{"/x/docker-netviz", pluginMetadataCommand}, d); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var m map[string]string
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("metadata is not JSON: %v: %s", err, out)
	}
	want := map[string]string{"SchemaVersion": "0.1.0", "Vendor": "netviz", "Version": netvizVersion()}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %q, want %q", k, m[k], v)
		}
	}
	if m["ShortDescription"] == "" || !strings.HasPrefix(m["URL"], "https://") {
		t.Errorf("metadata %v lacks a description or URL", m)
	}

	// As a plugin, help names the command as the user typed it.
	d, out, _ = fakeDeps(t, nil)
	if code := runInvocation(context.Background(), []string{"/x/docker-netviz", "netviz", "veth", "--help"}, d); code != 0 {
		t.Fatalf("veth --help: exit %d", code)
	}
	if !strings.Contains(out.String(), "docker netviz veth [flags]") {
		t.Errorf("plugin help does not say docker netviz:\n%s", out)
	}
	// And not otherwise; the metadata command is never listed.
	var plain bytes.Buffer
	d, _, _ = fakeDeps(t, nil)
	d.stdout = &plain
	runInvocation(context.Background(), []string{"netviz", "--help"}, d)
	if strings.Contains(plain.String(), "docker netviz") || strings.Contains(plain.String(), pluginMetadataCommand) {
		t.Errorf("netviz --help:\n%s", plain.String())
	}
}

// TestWatchPluginSocket: docker's way of stopping a plugin, an abstract unix
// socket it closes, cancels netviz as a signal would.
func TestWatchPluginSocket(t *testing.T) {
	addr := "@netviz-test-" + t.Name() + "-" + strconv.Itoa(os.Getpid())
	l, err := net.Listen("unix", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	stopped := make(chan struct{})
	watchPluginSocket(addr, func() { close(stopped) })
	conn, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-stopped:
		t.Fatal("stopped while docker still holds the socket")
	default:
	}
	conn.Close()
	<-stopped // a hang here is the failure: the test's timeout names it

	// No socket, or one nobody listens on: nothing to watch, no stop.
	watchPluginSocket("", func() { t.Error("stopped without a socket") })
	watchPluginSocket("@netviz-test-nobody-"+strconv.Itoa(os.Getpid()), func() { t.Error("stopped without a listener") })
}

// Docker's -H or --context before "netviz" and netviz's own after it both
// name the daemon: a conflict, as both given to docker are, in one line
// with the usage exit code; either one alone is no conflict.
func TestPluginDaemonNamedTwice(t *testing.T) {
	t.Setenv("DOCKER_HOST", "") // runInvocation sets what docker's -H says
	t.Setenv("DOCKER_CONTEXT", "")
	sock := "unix://" + filepath.Join(t.TempDir(), "none.sock")
	snap := writeSnapshot(t, rendertest.Diagram(t, "pod"))
	for _, tc := range []struct {
		argv []string
		want string // "" when it is no conflict
	}{
		{[]string{"/x/docker-netviz", "-H", sock, "netviz", "docker", "--context", "b"},
			"conflicting options: docker -H " + sock + " and netviz --context b both name the daemon; give one"},
		{[]string{"/x/docker-netviz", "--context", "default", "netviz", "veth", "-H", sock},
			"conflicting options: docker --context default and netviz -H " + sock + " both name the daemon; give one"},
		{[]string{"/x/docker-netviz", "-H", sock, "netviz", "veth", "--from", snap}, ""},
	} {
		d, out, errb := fakeDeps(t, nil)
		code := runInvocation(context.Background(), tc.argv, d)
		if tc.want == "" {
			if code != exitOK || out.Len() == 0 {
				t.Errorf("%q: exit %d, stdout %q, stderr %q; want the pairs", tc.argv, code, out, errb)
			}
			continue
		}
		if code != exitUsage || out.Len() != 0 || errb.String() != "netviz: "+tc.want+"\n" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.argv, code, out, errb, exitUsage, tc.want)
		}
	}
}
