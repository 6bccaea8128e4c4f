package main

// Which Docker daemon netviz reads, decided as the docker CLI decides it, for
// netviz run by hand (its -H and --context flags) and as a docker CLI plugin
// (docker's global flags, see plugin.go) alike: -H or --context (not both),
// then DOCKER_HOST, DOCKER_CONTEXT, config.json's currentContext, then the
// default socket. A context becomes the environment the Docker client reads
// (DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY), set before any command
// runs, so everything after — the client, the daemon's namespace
// (daemonns.go), the Swarm API — sees what -H would have given it.

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// contextFlag is the flag naming a docker context, beside -H.
const contextFlag = "context"

// addDaemonFlags adds the two ways to name the daemon: -H and --context
// (-c, the docker CLI's shorthand). hostHelp says what the daemon is for.
// The context is read from the flag set by useDockerContext, before the
// command runs.
func addDaemonFlags(fs *pflag.FlagSet, host *string, hostHelp string) {
	fs.StringVarP(host, "host", "H", "", hostHelp+" (default: $DOCKER_HOST, else the docker context, else the local socket)")
	fs.StringP(contextFlag, "c", "", `docker context whose daemon to read (default: $DOCKER_CONTEXT, else "docker context use"'s); not with -H`)
}

// endpointEnv is the environment the daemon is chosen from and the Docker
// client configured by; tests give netviz one of their own.
type endpointEnv struct {
	getenv func(string) string
	// home holds .docker when DOCKER_CONFIG is unset.
	home string
	// apply sets the variables, unsetting those whose value is "".
	apply func(env map[string]string) error
	// daemonBy is how docker's own flags named the daemon when netviz runs
	// as its plugin ("docker -H tcp://a"), or "" (invocation.daemonBy).
	daemonBy string
}

// processEnv is netviz's own environment.
func processEnv() endpointEnv {
	home, _ := os.UserHomeDir()
	return endpointEnv{getenv: os.Getenv, home: home, apply: applyEnv}
}

// applyEnv sets env in the process; "" unsets, so that a context without
// certificates does not inherit the DOCKER_CERT_PATH of the shell.
func applyEnv(env map[string]string) error {
	for k, v := range env {
		var err error
		if v == "" {
			err = os.Unsetenv(k)
		} else {
			err = os.Setenv(k, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// useDockerContext points the Docker client at the daemon of the docker
// context the user picked, for a command that has the daemon flags
// (addDaemonFlags) and will read a daemon: not with --from, nor diff
// between two files. It logs where the daemon came from under --debug.
func useDockerContext(cmd *cobra.Command, args []string, e endpointEnv) error {
	fs := cmd.Flags()
	cf, hf := fs.Lookup(contextFlag), fs.Lookup("host")
	if cf == nil || hf == nil {
		return nil
	}
	g := map[string][]string{}
	if hf.Changed {
		g["host"] = []string{hf.Value.String()}
	}
	if cf.Changed && cf.Value.String() != "" {
		g["context"] = []string{cf.Value.String()}
	}
	if len(g["host"]) > 0 && len(g["context"]) > 0 {
		return usageErrorf("conflicting options: cannot specify both -H and --context")
	}
	// docker -H a netviz --context b: docker would refuse both flags given
	// to it; given on either side of "netviz", they conflict the same way.
	if e.daemonBy != "" && len(g) > 0 {
		ours := "-H " + hf.Value.String()
		if len(g["context"]) > 0 {
			ours = "--context " + g["context"][0]
		}
		return usageErrorf("conflicting options: %s and netviz %s both name the daemon; give one", e.daemonBy, ours)
	}
	if len(g["host"]) > 0 {
		// The command hands -H to the client itself (with the shell's TLS
		// variables, as docker -H does); nothing to set.
		slog.Debug("docker daemon", "from", "-H", "host", hf.Value.String())
		return nil
	}
	if f := fs.Lookup("from"); f != nil && f.Changed {
		return nil
	}
	if cmd.Name() == "diff" && !slices.Contains(args, "live") {
		return nil
	}
	env := map[string]string{}
	from, err := resolveEndpoint(g, e.getenv, e.home, env)
	if err != nil {
		return err
	}
	host := env["DOCKER_HOST"]
	if _, set := env["DOCKER_HOST"]; !set {
		host = e.getenv("DOCKER_HOST")
	}
	slog.Debug("docker daemon", "from", from, "host", cmp.Or(host, "the local socket"))
	return e.apply(env)
}

// resolveEndpoint turns docker's -H, --context, --config, the TLS flags,
// DOCKER_HOST, DOCKER_CONTEXT and the current context of config.json into
// environment for the Docker client, with the docker CLI's precedence:
// -H or --context (not both), then DOCKER_HOST, DOCKER_CONTEXT, the
// config's currentContext, then the default socket. It returns what chose
// the daemon: "-H", "DOCKER_HOST", `context "name"` or "default".
func resolveEndpoint(g map[string][]string, getenv func(string) string, home string, env map[string]string) (string, error) {
	if len(g["host"]) > 1 {
		return "", usageErrorf("docker -H: netviz reads one daemon, got %d", len(g["host"]))
	}
	if len(g["host"]) == 1 && len(g["context"]) > 0 {
		return "", usageErrorf("conflicting options: cannot specify both -H and --context")
	}
	if err := tlsFlagsEnv(g, env); err != nil {
		return "", err
	}
	if len(g["host"]) == 1 {
		env["DOCKER_HOST"] = g["host"][0]
		return "-H", nil
	}
	configDir := last(g["config"])
	if configDir == "" {
		configDir = getenv("DOCKER_CONFIG")
	}
	if configDir == "" {
		configDir = filepath.Join(home, ".docker")
	}
	name := last(g["context"])
	if name == "" && getenv("DOCKER_HOST") != "" {
		return "DOCKER_HOST", nil
	}
	if name == "" {
		name = getenv("DOCKER_CONTEXT")
	}
	if name == "" {
		var err error
		if name, err = currentContext(configDir); err != nil {
			return "", err
		}
	}
	if name == "" || name == "default" {
		return "default", nil
	}
	return fmt.Sprintf("context %q", name), contextEnv(configDir, name, env)
}

// tlsFlagsEnv maps docker's TLS flags onto the client's environment, which
// names one directory holding ca.pem, cert.pem and key.pem.
func tlsFlagsEnv(g map[string][]string, env map[string]string) error {
	dir := ""
	for _, f := range []struct{ key, file string }{{"tlscacert", "ca.pem"}, {"tlscert", "cert.pem"}, {"tlskey", "key.pem"}} {
		p := last(g[f.key])
		if p == "" {
			continue
		}
		if filepath.Base(p) != f.file || (dir != "" && filepath.Dir(p) != dir) {
			return usageErrorf("docker --%s %q: netviz takes TLS files only as ca.pem, cert.pem and key.pem in one directory (or set DOCKER_CERT_PATH)", f.key, p)
		}
		dir = filepath.Dir(p)
	}
	if dir != "" {
		env["DOCKER_CERT_PATH"] = dir
	}
	if g["tlsverify"] != nil {
		env["DOCKER_TLS_VERIFY"] = "1"
	}
	return nil
}

// currentContext is config.json's currentContext ("" when unset, when
// there is no config file or when it may not be read).
func currentContext(configDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(configDir, "config.json"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if errors.Is(err, os.ErrPermission) {
		// A user who may not read it has never chosen a context in it:
		// a service account or `setpriv` with root's HOME. docker goes on
		// with the default daemon too.
		slog.Debug("docker config not readable; the default daemon", "err", err)
		return "", nil
	}
	if err != nil {
		return "", withCode(exitUsage, fmt.Errorf("docker config: %w", err))
	}
	var cfg struct{ CurrentContext string }
	if err := json.Unmarshal(b, &cfg); err != nil {
		return "", usageErrorf("docker config %q: %v", filepath.Join(configDir, "config.json"), err)
	}
	return cfg.CurrentContext, nil
}

// contextEnv reads context name from docker's store: meta/<sha256(name)>/
// meta.json holds its docker endpoint, tls/<sha256(name)>/docker its
// certificates when it has any. As with docker, a context's TLS is its
// own: DOCKER_CERT_PATH and DOCKER_TLS_VERIFY of the shell are unset when
// it has none.
func contextEnv(configDir, name string, env map[string]string) error {
	sum := sha256.Sum256([]byte(name))
	id := hex.EncodeToString(sum[:])
	meta := filepath.Join(configDir, "contexts", "meta", id, "meta.json")
	b, err := os.ReadFile(meta)
	if errors.Is(err, os.ErrNotExist) {
		return usageErrorf("docker context %q not found (docker context ls lists them)", name)
	}
	if err != nil {
		return withCode(exitUsage, fmt.Errorf("docker context %q: %w", name, err))
	}
	var m struct {
		Endpoints map[string]struct {
			Host          string
			SkipTLSVerify bool
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return usageErrorf("docker context %q: %s: %v", name, meta, err)
	}
	ep, ok := m.Endpoints["docker"]
	if !ok || ep.Host == "" {
		return usageErrorf("docker context %q has no docker endpoint", name)
	}
	env["DOCKER_HOST"] = ep.Host
	env["DOCKER_CERT_PATH"], env["DOCKER_TLS_VERIFY"] = "", ""
	tls := filepath.Join(configDir, "contexts", "tls", id, "docker")
	if _, err := os.Stat(filepath.Join(tls, "ca.pem")); err == nil {
		env["DOCKER_CERT_PATH"] = tls
		if !ep.SkipTLSVerify {
			env["DOCKER_TLS_VERIFY"] = "1"
		}
	}
	return nil
}

func last(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}
