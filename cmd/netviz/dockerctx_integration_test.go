package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/topo"
)

// TestIntegrationDockerContext: netviz run by hand follows the contexts the
// real docker CLI writes (docker context create / use), in a config
// directory and home of the test's own, with docker's precedence; a context
// at a socket nobody listens on is an unreachable daemon, never the default
// socket instead.
func TestIntegrationDockerContext(t *testing.T) {
	w := dockertest.New(t, "ctx")
	c := w.Run("c", nil)
	bin := buildNetviz(t)
	home := t.TempDir()
	cfg := filepath.Join(home, ".docker")
	base := append(envWithout(os.Environ(), "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "HOME"), "HOME="+home)
	withCfg := append(slices.Clone(base), "DOCKER_CONFIG="+cfg)
	daemon := daemonAddress()
	bogus := "unix://" + filepath.Join(home, "nothing.sock")
	good, gone := "nvt"+w.ID, "nvt"+w.ID+"-gone"
	mustDocker := func(args ...string) {
		t.Helper()
		if _, errb, code := runCmd(t, base, "docker", append([]string{"--config", cfg}, args...)...); code != 0 {
			t.Fatalf("docker %s: exit %d: %s", strings.Join(args, " "), code, errb)
		}
	}
	mustDocker("context", "create", good, "--docker", "host="+daemon)
	mustDocker("context", "create", gone, "--docker", "host="+bogus)
	mustDocker("context", "use", good)

	// reads says netviz docker read the daemon through the environment and
	// flags given: the test's container is in its snapshot.
	reads := func(what string, env []string, args ...string) {
		t.Helper()
		out, errb, code := runCmd(t, env, bin, append([]string{"docker", "--format", "json"}, args...)...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", what, code, errb)
			return
		}
		s, err := topo.Decode(strings.NewReader(out))
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		if !slices.ContainsFunc(s.Containers, func(x topo.Container) bool { return x.Name == c }) {
			t.Errorf("%s: %s is not in the snapshot", what, c)
		}
	}
	// fails says netviz docker exits with code and one line holding msg.
	fails := func(what string, env []string, code int, msg string, args ...string) {
		t.Helper()
		_, errb, got := runCmd(t, env, bin, append([]string{"docker", "--format", "json"}, args...)...)
		if got != code || !strings.Contains(errb, msg) || strings.Count(strings.TrimSpace(errb), "\n") != 0 {
			t.Errorf("%s: exit %d, want %d with one line holding %q: %q", what, got, code, msg, errb)
		}
	}

	reads("the current context, DOCKER_CONFIG", withCfg)
	reads("the current context, ~/.docker", base)
	reads("--context beats DOCKER_HOST", append(slices.Clone(base), "DOCKER_HOST="+bogus), "--context", good)

	mustDocker("context", "use", gone)
	fails("the current context at no daemon", base, exitDaemon, "nothing.sock")
	fails("-c at no daemon", base, exitDaemon, "nothing.sock", "-c", gone)
	reads("DOCKER_CONTEXT beats the current context", append(slices.Clone(base), "DOCKER_CONTEXT="+good))
	reads("DOCKER_HOST beats the current context", append(slices.Clone(base), "DOCKER_HOST="+daemon))
	reads("-H beats the current context", base, "-H", daemon)
	if daemon == "unix:///var/run/docker.sock" {
		reads("context default is the local socket", base, "--context", "default")
	}

	fails("-H and --context", base, exitUsage, "cannot specify both -H and --context", "-H", daemon, "--context", good)
	fails("an unknown context", base, exitUsage, "docker context ls", "--context", good+"-nope")
}
