package main

// netviz as a Docker CLI plugin (`docker netviz …`). The protocol, written
// here rather than taken from github.com/docker/cli's plugin package (which
// pulls in some fifty modules):
//
//   - docker finds ~/.docker/cli-plugins/docker-netviz and runs it with the
//     single argument docker-cli-plugin-metadata; the plugin prints a JSON
//     object (pluginMetadata) and exits 0. Anything else and docker lists it
//     as an invalid plugin.
//   - `docker [global flags] netviz ARGS` then runs it with all of the CLI's
//     own arguments: [-H x | --context y | --config z | -D …] "netviz" ARGS,
//     with DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND set to docker's path. The
//     plugin must parse docker's global flags itself: docker does not turn
//     --context into an address, so the plugin reads the context store
//     (dockerctx.go, shared with netviz's own --context).
//   - Since Docker 25 the CLI also passes DOCKER_CLI_PLUGIN_SOCKET, a unix
//     socket it closes when it wants the plugin to stop (a signal it received
//     while stdin is not a terminal, so the plugin got none); a plugin that
//     never connects is only killed on the third signal.

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

const (
	pluginName            = "netviz"
	pluginMetadataCommand = "docker-cli-plugin-metadata"
	// pluginEnv is set by docker when it runs a plugin.
	pluginEnv       = "DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND"
	pluginSocketEnv = "DOCKER_CLI_PLUGIN_SOCKET"
)

// pluginMetadata is what docker-cli-plugin-metadata prints; docker shows
// ShortDescription in `docker --help` and `docker info`.
type pluginMetadata struct {
	SchemaVersion    string
	Vendor           string
	Version          string
	ShortDescription string
	URL              string
}

// writePluginMetadata answers docker-cli-plugin-metadata. It is not a
// cobra command: a hidden one would still widen the command list of
// netviz --help.
func writePluginMetadata(w io.Writer) error {
	return json.NewEncoder(w).Encode(pluginMetadata{
		SchemaVersion:    "0.1.0",
		Vendor:           "netviz",
		Version:          netvizVersion(),
		ShortDescription: "Show what Docker built in this host's network",
		URL:              "https://github.com/netviz/netviz",
	})
}

// displayName makes the usage lines of help say how netviz was called
// ("docker netviz veth [flags]").
func displayName(invokedAs string) map[string]string {
	if invokedAs == "" {
		return nil
	}
	return map[string]string{cobra.CommandDisplayNameAnnotation: invokedAs}
}

// invocation is how netviz was started, turned into its own arguments.
type invocation struct {
	args []string
	// env is set in the process before the commands run: the Docker client
	// and the daemon locator read DOCKER_HOST, DOCKER_CERT_PATH and
	// DOCKER_TLS_VERIFY, so a context becomes what its user would have typed.
	env    map[string]string
	plugin bool
	// daemonBy is how docker's own flags named the daemon ("docker -H
	// tcp://a", "docker --context b"), or "": netviz's -H or --context
	// then conflicts, as both given to docker do.
	daemonBy string
}

// dockerGlobals are the docker CLI's global flags that take a value; the
// others (-D, --debug, --tls, --tlsverify) take none.
var dockerGlobals = map[string]string{
	"-H": "host", "--host": "host",
	"-c": "context", "--context": "context",
	"--config": "config",
	"-l":       "log-level", "--log-level": "log-level",
	"--tlscacert": "tlscacert", "--tlscert": "tlscert", "--tlskey": "tlskey",
}

// parseInvocation reads argv (program name first). It is a plugin
// invocation when the program is named docker-netviz or docker set
// pluginEnv; otherwise argv[1:] are netviz's arguments untouched. getenv
// and home are the environment and home directory.
func parseInvocation(argv []string, getenv func(string) string, home string) (invocation, error) {
	args := argv[1:]
	base := filepath.Base(argv[0])
	if base != "docker-"+pluginName && getenv(pluginEnv) == "" {
		return invocation{args: args}, nil
	}
	inv := invocation{plugin: true, env: map[string]string{}}
	if len(args) > 0 && args[0] == pluginMetadataCommand {
		inv.args = args
		return inv, nil
	}
	globals, rest, err := splitDockerGlobals(args)
	if err != nil && !slices.Contains(args, pluginName) {
		// docker-netviz run by hand with netviz's own flags (--help, -a):
		// docker would have put its word after its flags.
		globals, rest, err = map[string][]string{}, args, nil
	}
	if err != nil {
		return invocation{}, err
	}
	// docker puts the plugin's name after its own flags; run by hand,
	// docker-netviz takes netviz's arguments directly.
	if len(rest) > 0 && rest[0] == pluginName {
		rest = rest[1:]
	}
	if globals["debug"] != nil || last(globals["log-level"]) == "debug" {
		rest = append([]string{"--debug"}, rest...)
	}
	inv.args = rest
	if h := globals["host"]; len(h) > 0 {
		inv.daemonBy = "docker -H " + last(h)
	} else if c := globals["context"]; len(c) > 0 {
		inv.daemonBy = "docker --context " + last(c)
	}
	if _, err := resolveEndpoint(globals, getenv, home, inv.env); err != nil {
		return invocation{}, err
	}
	return inv, nil
}

// splitDockerGlobals takes docker's global flags off the front of args:
// -H x, -Hx, -H=x, --host x, --host=x and the boolean flags.
func splitDockerGlobals(args []string) (map[string][]string, []string, error) {
	globals := map[string][]string{}
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		a := args[0]
		args = args[1:]
		if a == "--" {
			break
		}
		switch a {
		case "-D", "--debug":
			globals["debug"] = append(globals["debug"], "true")
			continue
		case "--tls", "--tlsverify":
			globals[strings.TrimPrefix(a, "--")] = append(globals[strings.TrimPrefix(a, "--")], "true")
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		if !strings.HasPrefix(a, "--") && len(a) > 2 && !hasValue {
			name, value, hasValue = a[:2], a[2:], true // -Hunix:///x
		}
		key, ok := dockerGlobals[name]
		if !ok {
			return nil, nil, usageErrorf("unknown docker flag %q before %q", name, pluginName)
		}
		if !hasValue {
			if len(args) == 0 {
				return nil, nil, usageErrorf("docker flag %s needs a value", name)
			}
			value, args = args[0], args[1:]
		}
		globals[key] = append(globals[key], value)
	}
	return globals, args, nil
}

// runInvocation runs netviz as it was started: directly, or by docker as
// a plugin. It is main's only entry.
func runInvocation(ctx context.Context, argv []string, d deps) int {
	home, _ := os.UserHomeDir()
	inv, err := parseInvocation(argv, os.Getenv, home)
	if err != nil {
		printError(d.stderr, err)
		return exitCode(err)
	}
	if err := applyEnv(inv.env); err != nil {
		printError(d.stderr, err)
		return exitFailure
	}
	if inv.plugin && len(inv.args) == 1 && inv.args[0] == pluginMetadataCommand {
		if err := writePluginMetadata(d.stdout); err != nil {
			printError(d.stderr, err)
			return exitFailure
		}
		return exitOK
	}
	if inv.plugin {
		d.invokedAs = "docker " + pluginName
		d.env.daemonBy = inv.daemonBy
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		watchPluginSocket(os.Getenv(pluginSocketEnv), cancel)
	}
	return run(ctx, inv.args, d)
}

// watchPluginSocket connects to the socket docker passes its plugins and
// calls stop when docker closes it: docker's way of saying "stop" when the
// plugin did not get the signal itself.
func watchPluginSocket(addr string, stop func()) {
	if addr == "" {
		return
	}
	conn, err := net.Dial("unix", addr)
	if err != nil {
		return // an older CLI, or it is gone: nothing to watch
	}
	go func() {
		defer conn.Close()
		// Whether docker closed it or died, the plugin has no one to answer.
		_, _ = io.Copy(io.Discard, conn)
		stop()
	}()
}
