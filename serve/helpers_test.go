package serve

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/live"
	"github.com/netviz/netviz/topo"
)

// start serves s on a loopback port, as `netviz serve` does, until the test
// ends, and returns its base URL.
func start(t testing.TB, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// update is the seq-th made-up update: the snapshot, and what changed.
func update(seq uint64, s *topo.Snapshot, changes diff.Result) live.Update {
	return live.Update{Seq: seq, Time: time.Date(2026, 11, 29, 14, 0, int(seq), 0, time.UTC), Snapshot: s,
		Changes: changes, Full: seq == 1, Cause: "test"}
}

func added(name string) diff.Result {
	return diff.Result{Added: []diff.Item{{Object: diff.ObjContainer, ID: name, Detail: "image busybox"}}}
}

// get does a GET with optional header pairs.
func get(t testing.TB, url string, header ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if strings.EqualFold(header[i], "Host") {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jsonError checks a JSON error answer with code and returns its message.
func jsonError(t *testing.T, resp *http.Response, code int) string {
	t.Helper()
	if resp.StatusCode != code {
		t.Fatalf("%s: status %d, want %d", resp.Request.URL, resp.StatusCode, code)
	}
	var e struct{ Error string }
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error == "" {
		t.Fatalf("%s: want a JSON error, got %v", resp.Request.URL, err)
	}
	return e.Error
}

// event is one server-sent event, or a comment.
type event struct {
	id, name, data, comment string
}

// stream reads events from an open /api/events response.
type stream struct {
	events chan event
}

func openStream(t testing.TB, url string, header ...string) (*http.Response, *stream) {
	t.Helper()
	resp := get(t, url, header...)
	if resp.StatusCode != http.StatusOK {
		return resp, nil
	}
	st := &stream{events: make(chan event, 16)}
	go func() {
		defer close(st.events)
		r := bufio.NewReader(resp.Body)
		var ev event
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSuffix(line, "\n")
			switch {
			case line == "":
				if ev != (event{}) {
					st.events <- ev
				}
				ev = event{}
			case strings.HasPrefix(line, ":"):
				ev.comment = strings.TrimSpace(line[1:])
			default:
				k, v, _ := strings.Cut(line, ":")
				v = strings.TrimPrefix(v, " ")
				switch k {
				case "id":
					ev.id = v
				case "event":
					ev.name = v
				case "data":
					ev.data += v
				}
			}
		}
	}()
	return resp, st
}

// next returns the next event that is not a comment or a retry hint. The
// deadline only keeps a broken server from hanging the test.
func (s *stream) next(t *testing.T) event {
	t.Helper()
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatal("the event stream ended")
			}
			if ev.name == "" && ev.data == "" {
				continue
			}
			return ev
		case <-time.After(20 * time.Second):
			t.Fatal("no event")
		}
	}
}
