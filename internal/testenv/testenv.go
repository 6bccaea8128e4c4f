// Package testenv decides whether a test that needs the real machine (root,
// a Docker daemon, a program) can run, and how it says so when it cannot:
// elsewhere it skips with how to enable it; under CI=true it fails, because
// a CI that silently skips its integration tests proves nothing.
package testenv

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips t, or fails it under CI.
func Unavailable(t testing.TB, why, howToEnable string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s (CI=true: this test must run; %s)", why, howToEnable)
	}
	t.Skipf("%s; to enable: %s", why, howToEnable)
}

// NotShort skips t under -short (make unit): it needs what a unit run must
// not touch, such as root, a daemon or the host's network.
func NotShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: needs %s; run make test to include it", what)
	}
}

// RequireRoot needs uid 0 (namespaces, netlink in other namespaces). Under
// -short it skips: a privileged test is not a unit test.
func RequireRoot(t testing.TB) {
	t.Helper()
	NotShort(t, "root")
	if os.Geteuid() != 0 {
		Unavailable(t, "needs root", "run as root, e.g. sudo make test")
	}
}

// RequireProgram needs an executable on PATH and returns its path.
func RequireProgram(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, name+" is not installed", "apt-get install "+pkg+" (make test installs it when run as root)")
	}
	return p
}

// RequireDocker needs a Docker daemon that answers `docker info`; under
// -short it skips.
func RequireDocker(t testing.TB) {
	t.Helper()
	NotShort(t, "a Docker daemon")
	RequireProgram(t, "docker", "docker.io")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		Unavailable(t, "no Docker daemon answers: "+string(out), "run `make test` as root (it installs and starts dockerd) or set DOCKER_HOST")
	}
}

// NotApplicable skips t because the engine under test does not have the
// feature it checks (Docker 29's nftables backend has no DOCKER-USER chain,
// say). Unlike Unavailable it does not fail under CI: scripts/testreport
// recognises the words and lists the test apart. Use it only where the
// feature does not exist, never for a missing program or privilege.
func NotApplicable(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Skipf("not applicable on this engine: "+format, args...)
}
