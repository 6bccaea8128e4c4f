package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/topo"
)

// deps is everything a command touches outside itself, so tests can swap it.
type deps struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// live inspects the local Docker host.
	live func(ctx context.Context, o liveOptions) (*topo.Snapshot, error)
	// colorable reports whether w is a terminal that may get colour.
	colorable func(w io.Writer) bool
	now       func() time.Time
	// invokedAs is how the user called netviz when not as "netviz": "docker netviz".
	invokedAs string
	// env picks the daemon for -H, --context and docker's variables; the
	// zero value is the process's own (processEnv).
	env endpointEnv
}

// liveOptions say how to inspect the live host.
type liveOptions struct {
	runtime string // a key of runtimes, "" = defaultRuntime
	host    string // the runtime's address, "" = its default (for Docker: DOCKER_HOST or the local socket)
	all     bool
	// firewall adds the iptables rules and sysctls (docker, doctor, path).
	firewall bool
	// hostNetns, set by tests only, is a namespace file to take as the
	// daemon's host instead of the one locateDaemon finds.
	hostNetns string
}

func liveDeps() deps {
	return deps{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		live:      liveSnapshot,
		colorable: colorable,
		now:       time.Now,
	}
}

// run executes netviz with args and returns the exit code.
func run(ctx context.Context, args []string, d deps) int {
	root := newRootCommand(d)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		err = withCode(exitInterrupted, errors.New("interrupted"))
	}
	printError(d.stderr, err)
	return exitCode(err)
}

func newRootCommand(d deps) *cobra.Command {
	var debug bool
	root := &cobra.Command{
		Use:   "netviz",
		Short: "Show what Docker built in this host's network",
		Long: `netviz shows what Docker really built in a Linux host's network: the uplink,
the docker0 and br-* bridges, every veth pair and the network namespace of
every container, read from the Docker API and the kernel (netlink).

It only reads: it never changes the host. Reading containers' namespaces
needs root; without it netviz shows what Docker and the host namespace tell.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   displayName(d.invokedAs),
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			level := slog.LevelWarn
			if debug {
				level = slog.LevelDebug
			}
			slog.SetDefault(slog.New(newLogHandler(d.stderr, level)))
			if d.env.getenv == nil {
				by := d.env.daemonBy
				d.env = processEnv()
				d.env.daemonBy = by
			}
			return useDockerContext(cmd, args, d.env)
		},
		PersistentPostRun: func(*cobra.Command, []string) {
			var ru syscall.Rusage
			if debug && syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				slog.Debug("resources", "maxRSS", ru.Maxrss) // KiB on Linux
			}
		},
	}
	root.SetOut(d.stdout)
	root.SetErr(d.stderr)
	root.SetIn(d.stdin)
	root.PersistentFlags().BoolVar(&debug, "debug", false, "log what netviz does to stderr")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return withCode(exitUsage, err) })
	root.AddCommand(
		newDockerCommand(d),
		newVethCommand(d),
		newDoctorCommand(d),
		newPathCommand(d),
		newRenderCommand(d),
		newVersionCommand(d),
		newGenDocsCommand(),
		newDiffCommand(d),
		newWatchCommand(d),
		newServeCommand(d),
		newClusterCommand(d),
	)
	return root
}
