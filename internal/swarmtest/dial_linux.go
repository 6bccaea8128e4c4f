package swarmtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// HTTPClient is an HTTP client whose connections start in the bridge's
// namespace, outside every node: it reaches each node's Addr as a machine
// on the nodes' LAN would, with no program to install.
func (s *Swarm) HTTPClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialIn("/run/netns/"+s.BridgeNetns, ctx, network, addr)
		},
		DisableKeepAlives: true,
	}}
}

// dialIn dials from the namespace at nsPath. A socket belongs to the
// namespace of the thread that made it, and keeps it; so the dial runs on a
// goroutine locked to its thread, which enters the namespace. The thread is
// not unlocked afterwards: Go then ends it rather than reuse a thread whose
// namespace it cannot vouch for.
func dialIn(nsPath string, ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open(nsPath)
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, fmt.Errorf("setns %s: %w", nsPath, err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}
