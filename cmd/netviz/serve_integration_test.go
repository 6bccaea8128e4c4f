package main

import (
	"context"
	"flag"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/browsertest"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/internal/testenv"
)

var serveScreenshot = flag.String("serve.screenshot", "", "save a screenshot of the served UI with the test's container to this PNG file (docs/img/serve.png)")

// startServe runs `netviz serve` in-process on a free loopback port until
// the test ends, and returns its address.
func startServe(t testing.TB, args ...string) string {
	t.Helper()
	var errb lockedBuffer
	d := deps{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &errb, live: liveSnapshot,
		colorable: func(io.Writer) bool { return false }, now: time.Now}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...), d) }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("netviz serve exited %d after Ctrl-C: %s", code, errb.String())
		}
	})
	addr := regexp.MustCompile(`netviz serve: (http://\S+/)`)
	for range 600 {
		if m := addr.FindStringSubmatch(errb.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("netviz serve exited %d: %s", code, errb.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("netviz serve printed no address: %s", errb.String())
	return ""
}

// TestServeBrowserFollowsDocker opens the served page in headless Chromium,
// starts a container, and waits for the page to draw it without a reload;
// then removes it and waits for it to go.
func TestServeBrowserFollowsDocker(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireDocker(t)
	testenv.RequireProgram(t, "dot", "graphviz")
	b := browsertest.New(t)
	w := dockertest.New(t, "serve")
	network := w.Network("net")
	base := startServe(t)

	b.Navigate(t, base)
	b.WaitFor(t, "the diagram", `document.querySelector("#nv-canvas svg g.node")`)
	b.WaitFor(t, "a live connection", `document.getElementById("nv-conn").textContent === "live"`)
	// A reload would lose this.
	b.Eval(t, `window.nvSameDocument = true`, nil)

	name := w.Run("web", []string{"--network", network})
	drawn := `document.getElementById("nv-canvas").textContent.indexOf(` + browsertest.JSString(name) + `) >= 0`
	b.WaitFor(t, "the new container in the diagram", drawn)
	b.WaitFor(t, "the new container in the change log",
		`document.getElementById("nv-log").textContent.indexOf("+ container "+`+browsertest.JSString(name)+`) >= 0`)
	if *serveScreenshot != "" {
		b.Resize(t, 1500, 1500)
		// Select the container's box (its namespace cluster) and bring it
		// into view, as a link to it does.
		b.Eval(t, `location.hash = "select=" + Array.from(document.querySelectorAll("#nv-canvas g.cluster")).find(function (g) {
			return g.querySelector("title").textContent.indexOf(`+browsertest.JSString(name)+`) >= 0 ||
				g.textContent.indexOf(`+browsertest.JSString(name)+`) >= 0; }).id`, nil)
		b.WaitFor(t, "the container's details", `!document.getElementById("nv-details").hidden`)
		b.Eval(t, `document.getElementById("nv-fit").click()`, nil)
		b.Eval(t, `document.getElementById("nv-src").value = `+browsertest.JSString(name)+`;
			document.getElementById("nv-dst").value = "1.1.1.1";
			document.querySelector("#nv-path button").click()`, nil)
		b.WaitFor(t, "the path's verdict", `document.querySelector("#nv-path-result .verdict")`)
		b.Screenshot(t, *serveScreenshot)
	}

	// Stopped, it goes: serve shows running containers, as netviz docker
	// does without --all.
	w.Docker("stop", "-t", "1", name)
	b.WaitFor(t, "the stopped container gone from the diagram", "!("+drawn+")")
	b.WaitFor(t, "its removal in the change log",
		`document.getElementById("nv-log").textContent.indexOf("− container "+`+browsertest.JSString(name)+`) >= 0`)
	w.Remove(name)
	var same bool
	b.Eval(t, `window.nvSameDocument === true`, &same)
	if !same {
		t.Error("the page reloaded")
	}
	b.NoDialogs(t)
}
