package serve

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/internal/browsertest"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/live"
)

// serveAt serves s on addr until the returned func is called.
func serveAt(t *testing.T, s *Server, addr string) (stop func()) {
	t.Helper()
	var ln net.Listener
	var err error
	// The old listener's port may take a moment to be free again.
	for range 50 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestBrowserReconnect stops the server under an open page and starts
// another on the same address, with another host counting from seq 1: the
// page says it lost the stream, reconnects by itself, and resyncs to the
// new host without a reload.
func TestBrowserReconnect(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	b := browsertest.New(t)
	first := New(Options{Loopback: true})
	for seq := uint64(1); seq <= 3; seq++ {
		first.Publish(update(seq, rendertest.Diagram(t, "multinet"), added("postgres")))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stop := serveAt(t, first, addr)

	b.Navigate(t, "http://"+addr+"/")
	b.WaitFor(t, "the first host", `document.getElementById("nv-title").textContent.indexOf("shop-prod-1") >= 0`)
	b.WaitFor(t, "a live connection", `document.getElementById("nv-conn").textContent === "live"`)
	b.Eval(t, `window.nvSameDocument = true`, nil)

	stop()
	b.WaitFor(t, "the lost connection", `document.getElementById("nv-conn").textContent !== "live"`)
	second := New(Options{Loopback: true})
	second.Publish(update(1, rendertest.Diagram(t, "pod"), diff.Result{}))
	serveAt(t, second, addr)
	b.WaitFor(t, "the second host", `document.getElementById("nv-title").textContent.indexOf("web-01") >= 0 &&
		document.getElementById("nv-canvas").textContent.indexOf("pod-sidecar") >= 0`)
	b.WaitFor(t, "a live connection again", `document.getElementById("nv-conn").textContent === "live"`)
	var same bool
	b.Eval(t, `window.nvSameDocument === true`, &same)
	if !same {
		t.Error("the page reloaded")
	}
}

// TestBrowserToken opens the link netviz serve prints beyond loopback: the
// page loads, its script, style, fetches and event stream all pass on the
// cookie, the token leaves the address bar, and the page's script cannot
// read the cookie.
func TestBrowserToken(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	b := browsertest.New(t)
	token, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Token: token})
	s.Publish(update(1, rendertest.Diagram(t, "pod"), diff.Result{}))
	base := start(t, s)
	b.Navigate(t, base+"/?token="+token)
	b.WaitFor(t, "the diagram", `document.querySelector("#nv-canvas svg g.node")`)
	b.WaitFor(t, "a live connection", `document.getElementById("nv-conn").textContent === "live"`)
	b.WaitFor(t, "doctor's findings", `document.getElementById("nv-doctor").children.length > 0`)
	var page struct{ Search, Cookie string }
	b.Eval(t, `({search: location.search, cookie: document.cookie})`, &page)
	if page.Search != "" || page.Cookie != "" {
		t.Errorf("the address keeps %q, the script reads cookie %q", page.Search, page.Cookie)
	}
	s.Publish(update(2, rendertest.Diagram(t, "pod"), added("late-comer")))
	b.WaitFor(t, "the update", `document.getElementById("nv-log").textContent.indexOf("late-comer") >= 0`)
}

// TestBrowserResync tells an open page of a resync that made no update,
// with markup in its reason: the status line says how many, why and when,
// as text, and the next update keeps it.
func TestBrowserResync(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	b := browsertest.New(t)
	s := New(Options{Loopback: true, FirewallMode: func() string { return "nftables events" }})
	s.Publish(update(1, rendertest.Diagram(t, "multinet"), diff.Result{}))
	base := start(t, s)
	b.Navigate(t, base+"/")
	b.WaitFor(t, "a live connection", `document.getElementById("nv-conn").textContent === "live"`)
	var none string
	b.Eval(t, `document.getElementById("nv-resync").textContent`, &none)
	if none != "" {
		t.Errorf("status line before any resync: %q", none)
	}
	why := "netlink subscription in " + hostile + " ended (no buffer space available)"
	s.Resynced(live.Resync{Count: 1, Reason: why, Time: time.Now()})
	b.WaitFor(t, "the resync in the status line", `document.getElementById("nv-resync").textContent.indexOf(`+
		browsertest.JSString("resynced 1 time, last: "+why+" at ")+`) >= 0`)
	s.Resynced(live.Resync{Count: 2, Reason: "asked for", Time: time.Now()})
	s.Publish(update(2, rendertest.Diagram(t, "multinet"), added("postgres")))
	b.WaitFor(t, "the update", `document.getElementById("nv-seq").textContent.indexOf("update 2") >= 0`)
	b.WaitFor(t, "the second resync", `document.getElementById("nv-resync").textContent.indexOf("resynced 2 times, last: asked for at ") >= 0`)
	var injected int
	b.Eval(t, `document.querySelectorAll("#nv-status img, #nv-status [onerror]").length`, &injected)
	if injected != 0 {
		t.Errorf("%d elements injected into the status line", injected)
	}
	b.NoDialogs(t)
}
