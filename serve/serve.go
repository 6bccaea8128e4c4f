// Package serve is `netviz serve`: a local web UI that follows the host. It
// serves one page (the interactive diagram, a change log, doctor's
// findings, a path box), the current snapshot, and a stream of server-sent
// events with every change, fed by whatever calls Publish (the command
// hands it package live's updates; tests hand it made-up ones).
//
// It only reads: nothing it serves changes the host. See docs/live.md for
// the endpoints and the security measures (loopback by default, a token
// otherwise, a strict Content-Security-Policy, escaping, timeouts, a bound
// on event-stream clients).
package serve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/netviz/netviz/live"
)

// Options configure a Server.
type Options struct {
	// Loopback is true when the server listens on loopback only: requests
	// must then name a loopback host (against DNS rebinding).
	Loopback bool
	// Token, when set, is required on every request (Bearer header,
	// ?token=, or the cookie the page gets from a ?token= link).
	Token string
	// MaxClients bounds the event-stream clients; more get 503. 0: 64.
	MaxClients int
	// Heartbeat is how often an idle event stream gets a comment, so
	// proxies and the browser keep it open. 0: 15 s.
	Heartbeat time.Duration
	// Engine is the Graphviz engine the diagram is drawn with: auto, dot
	// or embedded ("" is auto).
	Engine string
	// ByProject boxes each Docker Compose project's containers together
	// in the diagram (netviz serve's default).
	ByProject bool
	// FirewallMode says how firewall changes are noticed ("nftables
	// events", "polling every 5s"); shown in the page's status line.
	FirewallMode func() string
	// Version is netviz's version, named in the diagram's subtitle.
	Version string
}

// Server answers the UI's requests from the latest update it was given.
type Server struct {
	opts     Options
	hub      *hub
	draws    drawCache
	mux      *http.ServeMux
	timeouts timeouts
}

// timeouts against slow clients. The event stream extends its own write
// deadline before each message and lifts the read deadline.
type timeouts struct {
	readHeader, read, write, idle time.Duration
}

var defaultTimeouts = timeouts{readHeader: 5 * time.Second, read: 10 * time.Second, write: 30 * time.Second, idle: 60 * time.Second}

// New returns a Server with no state: the page shows "waiting" and the
// APIs answer 503 until the first Publish.
func New(o Options) *Server {
	if o.MaxClients <= 0 {
		o.MaxClients = 64
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 15 * time.Second
	}
	if o.FirewallMode == nil {
		o.FirewallMode = func() string { return "" }
	}
	s := &Server{opts: o, hub: newHub(o.MaxClients), mux: http.NewServeMux(), timeouts: defaultTimeouts}
	// Patterns with a method answer others with 405 and an Allow header.
	s.mux.HandleFunc("GET /{$}", s.page)
	s.mux.HandleFunc("GET /static/{file}", s.static)
	s.mux.HandleFunc("GET /api/snapshot", s.snapshot)
	s.mux.HandleFunc("GET /api/events", s.events)
	s.mux.HandleFunc("GET /api/doctor", s.doctor)
	s.mux.HandleFunc("GET /api/path", s.path)
	s.mux.HandleFunc("GET /api/diagram", s.diagram)
	s.mux.HandleFunc("GET /healthz", s.healthz)
	return s
}

// Publish makes u what the server shows and sends its changes to every
// event stream. It does not block on slow clients.
func (s *Server) Publish(u live.Update) { s.hub.publish(u) }

// Resynced tells every page that the watcher read the host again whole,
// and why (live.Options.OnResync): it explains a jump in the picture, and
// one that found nothing new makes no update to Publish.
func (s *Server) Resynced(r live.Resync) { s.hub.resynced(r) }

// Handler is the whole UI, guarded (headers, Host check, token).
func (s *Server) Handler() http.Handler { return s.guard(s.mux) }

// Serve answers on ln until ctx ends, then lets requests finish for up to
// two seconds (event streams end at once).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.timeouts.readHeader,
		ReadTimeout:       s.timeouts.read,
		WriteTimeout:      s.timeouts.write,
		IdleTimeout:       s.timeouts.idle,
		MaxHeaderBytes:    32 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := hs.Shutdown(shut)
	if errors.Is(err, context.DeadlineExceeded) {
		err = hs.Close()
	}
	<-done
	return err
}
