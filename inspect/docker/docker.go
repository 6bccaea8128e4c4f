// Package docker reads containers and networks from the Docker Engine API and
// hands them to the inspector as plain structs: it is netviz's Docker
// runtime (inspect.Runtime).
//
// It is the only package that imports the Docker SDK. It negotiates the API
// version with the daemon, so it works with Debian's docker.io 20.10 (API
// 1.41) as well as current engines, bounds every call with a timeout, and
// inspects containers with a fixed number of workers.
package docker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/docker/docker/client"

	"github.com/netviz/netviz/inspect"
)

// Defaults for Options fields left zero.
const (
	DefaultCallTimeout = 10 * time.Second
	DefaultConcurrency = 16
)

// Options configures a Source.
type Options struct {
	// Host overrides DOCKER_HOST, e.g. "unix:///run/user/1000/docker.sock" or
	// "tcp://127.0.0.1:2375". Empty means DOCKER_HOST, then the default socket.
	Host string
	// CallTimeout bounds each API call (DefaultCallTimeout when zero).
	CallTimeout time.Duration
	// Concurrency is the number of containers inspected at once
	// (DefaultConcurrency when zero).
	Concurrency int
	// PIDs, when set and the daemon is on a local unix socket, finds running
	// containers' PIDs so that they need no inspect: the list has the rest.
	// Containers it cannot place are inspected.
	PIDs PIDFinder
}

// Source implements inspect.Runtime with the Docker Engine API.
type Source struct {
	cli     *client.Client
	timeout time.Duration
	workers int
	dial    dialFunc
	pids    PIDFinder // nil unless the daemon is local

	// lastDialErr is the last error of a failed dial. The SDK replaces
	// "connection refused" and "no such file" with a generic message that
	// drops the cause; the dialer keeps it here so errors can name it.
	lastDialErr atomic.Pointer[error]

	negotiateMu sync.Mutex
	negotiated  atomic.Bool
}

var _ inspect.Runtime = (*Source)(nil)

// New makes a client for the daemon at opts.Host, DOCKER_HOST or the default
// socket, in that order. It does not contact the daemon.
func New(opts Options) (*Source, error) { return newSource(opts, nil) }

// dialFunc is the shape of http.Transport.DialContext.
type dialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// newSource is New with a replacement dialer for tests (nil: the SDK's).
func newSource(opts Options, dial dialFunc) (*Source, error) {
	s := &Source{timeout: opts.CallTimeout, workers: opts.Concurrency, dial: dial}
	if s.timeout <= 0 {
		s.timeout = DefaultCallTimeout
	}
	if s.workers <= 0 {
		s.workers = DefaultConcurrency
	}
	copts := []client.Opt{client.FromEnv}
	if opts.Host != "" {
		copts = append(copts, client.WithHost(opts.Host))
	}
	copts = append(copts, client.WithAPIVersionNegotiation(), s.tuneTransport)
	cli, err := client.NewClientWithOpts(copts...)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	// The SDK takes ssh:// without complaint and then fails to dial
	// "user@host" as TCP; only the docker CLI knows how to tunnel it.
	if u, err := client.ParseHostURL(cli.DaemonHost()); err == nil && u.Scheme == "ssh" {
		cli.Close()
		return nil, fmt.Errorf("docker client: %q: ssh hosts are not supported; forward the socket (ssh -L /tmp/docker.sock:/var/run/docker.sock host) and use unix:///tmp/docker.sock", cli.DaemonHost())
	}
	if u, err := client.ParseHostURL(cli.DaemonHost()); err == nil && u.Scheme == "unix" {
		s.pids = opts.PIDs
	}
	s.cli = cli
	return s, nil
}

// Close releases the client's idle connections.
func (s *Source) Close() error { return s.cli.Close() }

// Host is the daemon address the source talks to.
func (s *Source) Host() string { return s.cli.DaemonHost() }

// tuneTransport runs after the host options have configured the transport:
// it keeps enough idle connections for all workers (the default of 2 per host
// would make most inspects dial anew) and records dial errors.
func (s *Source) tuneTransport(c *client.Client) error {
	// HTTPClient returns a copy of the http.Client sharing its Transport.
	tr, ok := c.HTTPClient().Transport.(*http.Transport)
	if !ok {
		return nil
	}
	tr.MaxIdleConns = max(tr.MaxIdleConns, s.workers)
	tr.MaxIdleConnsPerHost = s.workers
	dial := dialFunc(tr.DialContext)
	if s.dial != nil {
		dial = s.dial
	}
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			s.lastDialErr.Store(&err)
		} else {
			s.lastDialErr.Store(nil)
		}
		return conn, err
	}
	return nil
}

// callCtx bounds one API call.
func (s *Source) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}

// negotiate pings the daemon once to settle the API version. The SDK would
// do it lazily too, but it swallows a failed ping and then speaks its own
// (newest) version, which an old daemon rejects with a confusing "client
// version is too new"; here a failed ping is reported for what it is.
func (s *Source) negotiate(ctx context.Context) error {
	if s.negotiated.Load() {
		return nil
	}
	s.negotiateMu.Lock()
	defer s.negotiateMu.Unlock()
	if s.negotiated.Load() {
		return nil
	}
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	ping, err := s.cli.Ping(cctx)
	if err != nil {
		return s.wrapErr(ctx, "ping", err)
	}
	s.cli.NegotiateAPIVersionPing(ping)
	s.negotiated.Store(true)
	return nil
}

// Name is the runtime's name, as Describe reports it and snapshots record it.
const Name = "docker"

// Describe reports the runtime's name, the daemon's version, the negotiated
// API version, and the daemon host's name and kernel.
func (s *Source) Describe(ctx context.Context) (inspect.RuntimeInfo, error) {
	if err := s.negotiate(ctx); err != nil {
		return inspect.RuntimeInfo{}, err
	}
	cctx, cancel := s.callCtx(ctx)
	v, err := s.cli.ServerVersion(cctx)
	cancel()
	if err != nil {
		return inspect.RuntimeInfo{}, s.wrapErr(ctx, "version", err)
	}
	cctx, cancel = s.callCtx(ctx)
	info, err := s.cli.Info(cctx)
	cancel()
	if err != nil {
		return inspect.RuntimeInfo{}, s.wrapErr(ctx, "info", err)
	}
	kernel := info.KernelVersion
	if kernel == "" {
		kernel = v.KernelVersion
	}
	return inspect.RuntimeInfo{
		Name:       Name,
		Version:    v.Version,
		APIVersion: s.cli.ClientVersion(),
		Hostname:   info.Name,
		Kernel:     kernel,
	}, nil
}

// wrapErr turns an SDK error into one the inspector can branch on: the
// caller's own cancellation stays a context error, a daemon that cannot be
// reached or does not answer in time wraps inspect.ErrDaemonUnreachable,
// anything else is returned with what was being done.
func (s *Source) wrapErr(parent context.Context, what string, err error) error {
	if perr := parent.Err(); perr != nil {
		return fmt.Errorf("docker %s: %w", what, perr)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &unreachableError{
			host:  s.Host(),
			cause: err,
			msg:   fmt.Sprintf("no answer within %s", s.timeout),
			hint:  "is dockerd running and responsive?",
		}
	}
	if !client.IsErrConnectionFailed(err) {
		return fmt.Errorf("docker %s: %w", what, err)
	}
	cause := dialCause(err)
	if cause == nil {
		if p := s.lastDialErr.Load(); p != nil {
			cause = dialCause(*p)
		}
	}
	if cause == nil {
		cause = err
	}
	hint := "is dockerd running? -H, --context or DOCKER_HOST pick another"
	if errors.Is(cause, fs.ErrPermission) {
		hint = "run netviz as root or as a member of the docker group"
	}
	return &unreachableError{host: s.Host(), cause: cause, msg: cause.Error(), hint: hint}
}

// dialCause digs the system call error out of a failed dial, e.g. "connect:
// no such file or directory", dropping the address the caller already names.
func dialCause(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return nil
}

// unreachableError is what every method returns when no daemon answers.
type unreachableError struct {
	host  string
	cause error
	msg   string
	hint  string
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("%v at %s: %s (%s)", inspect.ErrDaemonUnreachable, e.host, e.msg, e.hint)
}

func (e *unreachableError) Unwrap() []error {
	return []error{inspect.ErrDaemonUnreachable, e.cause}
}
