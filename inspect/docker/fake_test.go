package docker

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/docker/docker/api/types/versions"
)

// fakeDaemon answers the Engine API routes netviz uses from recorded JSON,
// the way a daemon of version maxAPI would: it refuses newer API paths with
// the 400 a real 20.10 gives, so a client that did not negotiate fails.
type fakeDaemon struct {
	t testing.TB

	// pingVersion is the API-Version header of /_ping ("" sends none).
	pingVersion string
	// maxAPI is the newest API path version served.
	maxAPI string

	version, info, networks []byte
	list                    []json.RawMessage
	listState               []string
	inspects                map[string][]byte // by container ID; missing: 404

	// block, when set, holds every inspect until it is closed (or the
	// request is cancelled).
	block chan struct{}
	// hang holds these routes until the request is cancelled.
	hang map[string]bool
	// fail answers these routes with this status and a daemon error message.
	fail map[string]int

	inFlight, maxInFlight, inspected atomic.Int64
	started                          chan struct{} // gets a value per inspect started, if set

	// events are sent, one JSON object each, on /events, which then ends
	// as a dropped stream does.
	events []string

	mu          sync.Mutex
	paths       []string
	listQuery   string
	eventsQuery string
}

var _ http.Handler = (*fakeDaemon)(nil)

// loadFake reads a fixture directory (see testdata/README.md).
func loadFake(t testing.TB, dir string) *fakeDaemon {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	f := &fakeDaemon{
		t:        t,
		version:  read("version.json"),
		info:     read("info.json"),
		networks: read("networks.json"),
		inspects: map[string][]byte{},
	}
	var v struct{ ApiVersion string }
	if err := json.Unmarshal(f.version, &v); err != nil {
		t.Fatal(err)
	}
	f.pingVersion, f.maxAPI = v.ApiVersion, v.ApiVersion

	var list []json.RawMessage
	if err := json.Unmarshal(read("containers.json"), &list); err != nil {
		t.Fatal(err)
	}
	for _, raw := range list {
		var c struct {
			ID    string `json:"Id"`
			Names []string
			State string
		}
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "container-"+strings.TrimPrefix(c.Names[0], "/")+".json"))
		if err != nil {
			t.Fatal(err)
		}
		f.addContainer(raw, c.ID, c.State, b)
	}
	return f
}

// addContainer lists a container; a nil inspect body makes its inspect 404.
func (f *fakeDaemon) addContainer(listEntry json.RawMessage, id, state string, inspect []byte) {
	f.list = append(f.list, listEntry)
	f.listState = append(f.listState, state)
	if inspect != nil {
		f.inspects[id] = inspect
	}
}

// start serves the fake and returns a Source pointed at it.
func (f *fakeDaemon) start(opts Options) *Source {
	f.t.Helper()
	srv := httptest.NewServer(f)
	f.t.Cleanup(srv.Close)
	opts.Host = "tcp://" + srv.Listener.Addr().String()
	s, err := New(opts)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { s.Close() })
	return s
}

func (f *fakeDaemon) requested() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paths...)
}

func (f *fakeDaemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	f.mu.Unlock()

	if r.URL.Path == "/_ping" {
		if f.pingVersion != "" {
			w.Header().Set("Api-Version", f.pingVersion)
		}
		w.Header().Set("Ostype", "linux")
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			fmt.Fprint(w, "OK")
		}
		return
	}
	version, route, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v"), "/")
	if !ok || !strings.HasPrefix(r.URL.Path, "/v") {
		f.error(w, http.StatusNotFound, "page not found")
		return
	}
	if versions.GreaterThan(version, f.maxAPI) {
		f.error(w, http.StatusBadRequest, fmt.Sprintf("client version %s is too new. Maximum supported API version is %s", version, f.maxAPI))
		return
	}
	if code, ok := f.fail[route]; ok {
		f.error(w, code, "fake daemon error on "+route)
		return
	}
	if f.hang[route] {
		<-r.Context().Done()
		return
	}
	switch {
	case route == "version":
		f.json(w, f.version)
	case route == "info":
		f.json(w, f.info)
	case route == "networks":
		f.json(w, f.networks)
	case route == "containers/json":
		f.mu.Lock()
		f.listQuery = r.URL.RawQuery
		f.mu.Unlock()
		all := r.URL.Query().Get("all") == "1"
		var out []json.RawMessage
		for i, c := range f.list {
			if all || f.listState[i] == "running" || f.listState[i] == "paused" {
				out = append(out, c)
			}
		}
		b, _ := json.Marshal(out)
		f.json(w, b)
	case route == "events":
		f.mu.Lock()
		f.eventsQuery = r.URL.RawQuery
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		for _, e := range f.events {
			fmt.Fprintln(w, e)
		}
	case strings.HasPrefix(route, "containers/") && strings.HasSuffix(route, "/json"):
		f.inspect(w, r, strings.TrimSuffix(strings.TrimPrefix(route, "containers/"), "/json"))
	default:
		f.error(w, http.StatusNotFound, "page not found")
	}
}

func (f *fakeDaemon) inspect(w http.ResponseWriter, r *http.Request, id string) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	f.inspected.Add(1)
	if f.started != nil {
		select {
		case f.started <- struct{}{}:
		default:
		}
	}
	if f.block != nil {
		select {
		case <-f.block:
		case <-r.Context().Done():
			return
		}
	}
	b, ok := f.inspects[id]
	if !ok {
		f.error(w, http.StatusNotFound, "No such container: "+id)
		return
	}
	f.json(w, b)
}

func (f *fakeDaemon) json(w http.ResponseWriter, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Api-Version", f.maxAPI)
	w.Write(body)
}

// error answers like the daemon: a JSON body with a message.
func (f *fakeDaemon) error(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
