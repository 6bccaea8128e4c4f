package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/live"
	"github.com/netviz/netviz/serve"
)

type serveOptions struct {
	listen string
	token  string
	// tokenFile holds the token (a Docker or Kubernetes secret, mounted as
	// a file), so that it is in neither the command line nor the service spec.
	tokenFile string
	host      string
	all       bool
	engine    string
	group     string
}

func newServeCommand(d deps) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Serve a local web UI that follows the host: live diagram, changes, problems, paths",
		Long: `serve follows the Docker host as it changes and serves a web page with the
interactive diagram (updated in place), a log of the changes, doctor's
findings, a path box and the current snapshot to download.

It listens on 127.0.0.1:7800 by default. Listening on any other address
needs a token: give one with --token or --token-file (a file holding it,
such as a Docker secret), or netviz makes one and prints it once on stderr; open the printed address, which carries it. It only reads:
nothing it serves changes the host. docs/live.md lists the endpoints.`,
		Example: `  sudo netviz serve
  sudo netviz serve --listen 127.0.0.1:9000
  sudo netviz serve --listen 0.0.0.0:7800          # prints a token
  sudo netviz serve --listen 0.0.0.0:7800 --token-file /run/secrets/netviz_token
  curl -H "Authorization: Bearer $TOKEN" http://host:7800/api/doctor`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), o, cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:7800", "address to listen on; other than loopback needs a token")
	f.StringVar(&o.token, "token", "", "the token every request must carry (default: none on loopback, a random one printed on stderr otherwise)")
	f.StringVar(&o.tokenFile, "token-file", "", "read the token from this file (trailing newline ignored), e.g. a Docker secret: /run/secrets/<name>")
	addDaemonFlags(f, &o.host, "Docker daemon to follow")
	f.BoolVarP(&o.all, "all", "a", false, "include stopped and created containers")
	f.StringVar(&o.engine, "engine", "auto", "Graphviz engine for the diagram: auto (native dot if installed), dot, or embedded (netviz-graphviz)")
	f.StringVar(&o.group, "group", "project", "group the diagram: project (each Docker Compose project's containers boxed together), or none")
	return cmd
}

func runServe(ctx context.Context, o serveOptions, stderr io.Writer) error {
	switch o.engine {
	case "auto", "dot", "embedded":
	default:
		return usageErrorf("invalid --engine %q: want auto, dot or embedded", o.engine)
	}
	if o.group != "project" && o.group != "none" {
		return usageErrorf("invalid --group %q: want project or none", o.group)
	}
	if _, _, err := net.SplitHostPort(o.listen); err != nil {
		return usageErrorf("invalid --listen %q: want HOST:PORT, e.g. 127.0.0.1:7800", o.listen)
	}
	if o.tokenFile != "" {
		if o.token != "" {
			return usageErrorf("--token and --token-file both given: use one")
		}
		b, err := os.ReadFile(o.tokenFile)
		if err != nil {
			return usageErrorf("cannot read --token-file: %v", err)
		}
		if o.token = strings.TrimRight(string(b), "\r\n"); o.token == "" || strings.ContainsAny(o.token, "\r\n") {
			return usageErrorf("--token-file %q: want one line holding the token, not %s", o.tokenFile, describeToken(o.token))
		}
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %q: %w", o.listen, err)
	}
	defer ln.Close()
	loopback := serve.Loopback(ln.Addr())
	token, link := o.token, ""
	if !loopback && token == "" {
		if token, err = serve.NewToken(); err != nil {
			return err
		}
		link = "?token=" + token
		fmt.Fprintf(stderr, "netviz serve: listening beyond loopback; every request needs this token: %s\n", token)
	}

	// The server shows the watcher's resyncs, and the watcher's firewall
	// mode: made before the watcher runs, it is told of them through fw.
	var fw *live.Watcher
	srv := serve.New(serve.Options{Loopback: loopback, Token: token, Engine: o.engine, ByProject: o.group == "project",
		FirewallMode: func() string { return fw.FirewallMode() }, Version: netvizVersion()})
	w, closeHost, err := openFollower(ctx, liveOptions{host: o.host, all: o.all, firewall: true},
		live.Options{Compare: diff.Compare, OnResync: srv.Resynced})
	if err != nil {
		return err
	}
	defer closeHost()
	fw = w
	fmt.Fprintf(stderr, "netviz serve: http://%s/%s\n", openable(ln.Addr()), link)

	// The server and the watcher end together: Ctrl-C ends both, and
	// either failing ends the other.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- srv.Serve(ctx, ln)
		cancel()
	}()
	watchErr := w.Run(ctx, srv.Publish)
	cancel()
	serveErr := <-served
	if errors.Is(serveErr, net.ErrClosed) {
		serveErr = nil
	}
	return errors.Join(watchErr, serveErr)
}

// describeToken says what is wrong with a token file's content without
// printing the content (it may be a secret gone wrong).
func describeToken(tok string) string {
	if tok == "" {
		return "an empty file"
	}
	return strconv.Itoa(strings.Count(tok, "\n")+1) + " lines"
}

// openable is addr as a browser can open it: a wildcard listener is named
// by the host's name.
func openable(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return addr.String()
	}
	name, err := os.Hostname()
	if err != nil {
		return addr.String()
	}
	return net.JoinHostPort(name, strconv.Itoa(tcp.Port))
}
