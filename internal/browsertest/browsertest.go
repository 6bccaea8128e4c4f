// Package browsertest drives headless Chromium for tests of pages netviz
// serves: the DevTools protocol over a pipe (--remote-debugging-pipe: JSON
// messages ended by a NUL byte on fds 3 and 4), so no WebSocket library is
// needed. Under -short it skips; under CI=true a missing Chromium fails.
package browsertest

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/testenv"
)

// Browser is one headless Chromium with one page.
type Browser struct {
	cmd     *exec.Cmd
	w       io.WriteCloser
	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpMessage
	session string
	// dialogs are the JavaScript dialogs (alert, confirm) the page opened.
	dialogs chan string
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// New starts Chromium with one blank page. Under -short it skips;
// under CI=true a missing Chromium fails.
func New(t *testing.T) *Browser {
	t.Helper()
	testenv.NotShort(t, "headless Chromium")
	path := testenv.RequireProgram(t, "chromium", "chromium")
	toBrowser, commands, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	answers, fromBrowser, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
		"--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--window-size=1400,900", "about:blank")
	cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // fds 3 and 4
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	b := &Browser{cmd: cmd, w: commands, waiting: map[int]chan cdpMessage{}, dialogs: make(chan string, 16)}
	go b.read(answers)
	t.Cleanup(func() {
		commands.Close()
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	var target struct{ TargetID string }
	b.call(t, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target)
	var attached struct{ SessionID string }
	b.call(t, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached)
	b.session = attached.SessionID
	b.call(t, b.session, "Page.enable", nil, nil)
	b.Resize(t, 1400, 900)
	return b
}

func (b *Browser) read(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			b.mu.Lock()
			for id, ch := range b.waiting {
				close(ch)
				delete(b.waiting, id)
			}
			b.mu.Unlock()
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		if m.Method == "Page.javascriptDialogOpening" {
			var p struct{ Message string }
			_ = json.Unmarshal(m.Params, &p)
			b.dialogs <- p.Message
			// Dismiss it, or the page stays blocked.
			go b.send(m.SessionID, "Page.handleJavaScriptDialog", map[string]any{"accept": false})
			continue
		}
		b.mu.Lock()
		ch := b.waiting[m.ID]
		delete(b.waiting, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

func (b *Browser) send(session, method string, params any) (chan cdpMessage, error) {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan cdpMessage, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	_, err = b.w.Write(append(data, 0))
	return ch, err
}

// call sends a command and decodes its result into out (if not nil).
func (b *Browser) call(t *testing.T, session, method string, params, out any) {
	t.Helper()
	ch, err := b.send(session, method, params)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatalf("%s: Chromium went away", method)
		}
		if m.Error != nil {
			t.Fatalf("%s: %s", method, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				t.Fatalf("%s: %v", method, err)
			}
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: no answer from Chromium", method)
	}
}

func (b *Browser) Navigate(t *testing.T, url string) {
	t.Helper()
	b.call(t, b.session, "Page.navigate", map[string]any{"url": url}, nil)
}

// Eval runs a JavaScript expression in the page and decodes its value.
func (b *Browser) Eval(t *testing.T, expr string, out any) {
	t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	b.call(t, b.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &r)
	if r.ExceptionDetails != nil {
		t.Fatalf("%s: %s", expr, r.ExceptionDetails.Text)
	}
	if out != nil && len(r.Result.Value) > 0 {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
	}
}

// WaitFor polls a JavaScript condition until it is true; the deadline only
// keeps a broken page from hanging the test.
func (b *Browser) WaitFor(t *testing.T, what, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		var ok bool
		// Until the page has loaded, its elements may not exist yet.
		b.Eval(t, "(function () { try { return !!("+expr+"); } catch (e) { return false; } })()", &ok)
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			var dom string
			b.Eval(t, "document.body ? document.body.innerText.slice(0, 2000) : ''", &dom)
			t.Fatalf("the page never showed %s; it reads:\n%s", what, dom)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Resize sets the page's viewport, in CSS pixels.
func (b *Browser) Resize(t *testing.T, width, height int) {
	t.Helper()
	b.call(t, b.session, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil)
}

// Click presses and releases the left mouse button at x, y (CSS pixels
// of the viewport), as a user would.
func (b *Browser) Click(t *testing.T, x, y float64) {
	t.Helper()
	for _, typ := range []string{"mousePressed", "mouseReleased"} {
		b.call(t, b.session, "Input.dispatchMouseEvent",
			map[string]any{"type": typ, "x": x, "y": y, "button": "left", "buttons": 1, "clickCount": 1}, nil)
	}
}

// Screenshot saves the page as a PNG.
func (b *Browser) Screenshot(t *testing.T, path string) {
	t.Helper()
	var r struct{ Data string }
	b.call(t, b.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &r)
	png, err := base64.StdEncoding.DecodeString(r.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// NoDialogs fails t if the page opened an alert or a confirm.
func (b *Browser) NoDialogs(t *testing.T) {
	t.Helper()
	select {
	case msg := <-b.dialogs:
		t.Errorf("the page opened a dialog: %q", msg)
	default:
	}
}

// JSString is s as a JavaScript string literal.
func JSString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
