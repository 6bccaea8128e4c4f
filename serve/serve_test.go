package serve

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/pathfind"
	"github.com/netviz/netviz/render/format"
	"github.com/netviz/netviz/topo"
)

func TestOnlyGet(t *testing.T) {
	s := New(Options{Loopback: true})
	s.Publish(update(1, rendertest.Text(t, "full"), diff.Result{}))
	base := start(t, s)
	for _, path := range []string{"/", "/api/snapshot", "/api/events", "/api/doctor", "/api/path?src=a&dst=b", "/healthz"} {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodOptions} {
			req, _ := http.NewRequest(method, base+path, strings.NewReader("{}"))
			req.Header.Set("Origin", "http://evil.example")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(resp.Header.Get("Allow"), "GET") {
				t.Errorf("%s %s: %d, Allow %q; want 405 allowing GET", method, path, resp.StatusCode, resp.Header.Get("Allow"))
			}
			for k := range resp.Header {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("%s %s: CORS header %s", method, path, k)
				}
			}
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := New(Options{Loopback: true})
	base := start(t, s)
	for _, path := range []string{"/", "/static/page.js", "/api/snapshot", "/healthz", "/nothing"} {
		resp := get(t, base+path)
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") ||
			!strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: nosniff %q, referrer %q", path, resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Referrer-Policy"))
		}
	}
	// No inline script: every script element names a file of this server.
	page := body(t, get(t, base+"/"))
	if n, m := strings.Count(page, "<script"), strings.Count(page, `<script src="/static/`); n == 0 || n != m {
		t.Errorf("page has %d script elements, %d of them files:\n%s", n, m, page)
	}
}

func TestToken(t *testing.T) {
	const token = "s3cret-token"
	s := New(Options{Token: token})
	s.Publish(update(1, rendertest.Text(t, "full"), diff.Result{}))
	base := start(t, s)
	for _, c := range []struct {
		name   string
		path   string
		header []string
		want   int
	}{
		{"no token", "/api/snapshot", nil, http.StatusUnauthorized},
		{"no token, page", "/", nil, http.StatusUnauthorized},
		{"no token, healthz", "/healthz", nil, http.StatusUnauthorized},
		{"wrong bearer", "/api/snapshot", []string{"Authorization", "Bearer s3cret-tokeX"}, http.StatusUnauthorized},
		{"prefix of the token", "/api/snapshot", []string{"Authorization", "Bearer s3cret"}, http.StatusUnauthorized},
		{"basic, not bearer", "/api/snapshot", []string{"Authorization", "Basic " + token}, http.StatusUnauthorized},
		{"wrong query", "/api/snapshot?token=nope", nil, http.StatusUnauthorized},
		{"wrong cookie", "/api/snapshot", []string{"Cookie", cookieName + "=" + sessionValue("nope")}, http.StatusUnauthorized},
		{"the token itself as cookie", "/api/snapshot", []string{"Cookie", cookieName + "=" + token}, http.StatusUnauthorized},
		{"bearer", "/api/snapshot", []string{"Authorization", "Bearer " + token}, http.StatusOK},
		{"query", "/api/snapshot?token=" + token, nil, http.StatusOK},
		{"cookie", "/api/snapshot", []string{"Cookie", cookieName + "=" + sessionValue(token)}, http.StatusOK},
		{"page by link", "/?token=" + token, nil, http.StatusSeeOther},
	} {
		resp := get(t, base+c.path, c.header...)
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.want)
		}
		if c.want == http.StatusUnauthorized && strings.Contains(body(t, resp), "snapshot") {
			t.Errorf("%s: the refusal carries data", c.name)
		}
	}
	// The link sets a cookie the page's own requests carry, and takes the
	// token out of the address.
	resp := get(t, base+"/?token="+token)
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("redirect to %q, want /", loc)
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || strings.Contains(cookies[0].Value, token) {
		t.Fatalf("cookies %+v, want one HttpOnly SameSite=Strict session cookie without the token", cookies)
	}
	if resp := get(t, base+"/", "Cookie", cookies[0].String()); resp.StatusCode != http.StatusOK {
		t.Errorf("page with the cookie: %d", resp.StatusCode)
	}
}

func TestLoopbackHost(t *testing.T) {
	s := New(Options{Loopback: true})
	base := start(t, s)
	for host, want := range map[string]int{
		"localhost:7800": http.StatusOK, "127.0.0.1:7800": http.StatusOK, "[::1]:7800": http.StatusOK,
		"LOCALHOST": http.StatusOK, "app.localhost:7800": http.StatusOK,
		"evil.example:7800": http.StatusForbidden, "evil.example": http.StatusForbidden,
		"127.0.0.1.evil.example": http.StatusForbidden, "192.168.1.10:7800": http.StatusForbidden,
	} {
		if resp := get(t, base+"/healthz", "Host", host); resp.StatusCode != want {
			t.Errorf("Host %q: %d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestLoopbackAddr(t *testing.T) {
	for addr, want := range map[string]bool{"127.0.0.1:7800": true, "[::1]:7800": true, "0.0.0.0:7800": false, "192.0.2.1:80": false} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := Loopback(a); got != want {
			t.Errorf("Loopback(%s) = %v", addr, got)
		}
	}
}

func TestNewToken(t *testing.T) {
	a, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewToken()
	if len(a) < 40 || a == b {
		t.Errorf("tokens %q, %q: want two long, different ones", a, b)
	}
}

func TestNotReady(t *testing.T) {
	base := start(t, New(Options{Loopback: true}))
	for _, path := range []string{"/api/snapshot", "/api/doctor", "/api/diagram", "/api/path?src=a&dst=b"} {
		jsonError(t, get(t, base+path), http.StatusServiceUnavailable)
	}
	if resp := get(t, base+"/healthz"); resp.StatusCode != http.StatusOK || body(t, resp) != "ok seq=0\n" {
		t.Errorf("healthz before the first update: %d", resp.StatusCode)
	}
}

func TestSnapshot(t *testing.T) {
	snap := rendertest.Text(t, "full")
	s := New(Options{Loopback: true})
	s.Publish(update(1, snap, diff.Result{}))
	base := start(t, s)
	var want bytes.Buffer
	if err := format.WriteJSON(&want, snap); err != nil {
		t.Fatal(err)
	}
	resp := get(t, base+"/api/snapshot")
	if got := body(t, resp); got != want.String() {
		t.Errorf("/api/snapshot is not what netviz docker --format json writes")
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || resp.Header.Get("Content-Disposition") != "" {
		t.Errorf("Content-Type %q, Content-Disposition %q", ct, resp.Header.Get("Content-Disposition"))
	}
	resp = get(t, base+"/api/snapshot?download=1")
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=\"netviz-") || !strings.HasSuffix(cd, ".json\"") {
		t.Errorf("download: Content-Disposition %q", cd)
	}
	if _, err := topo.Decode(resp.Body); err != nil {
		t.Errorf("the download does not read back: %v", err)
	}
}

func TestDoctor(t *testing.T) {
	snap := rendertest.Text(t, "full")
	s := New(Options{Loopback: true})
	s.Publish(update(1, snap, diff.Result{}))
	base := start(t, s)
	var want bytes.Buffer
	if err := format.WriteJSON(&want, diagnose.Run(snap)); err != nil {
		t.Fatal(err)
	}
	if got := body(t, get(t, base+"/api/doctor")); got != want.String() {
		t.Errorf("/api/doctor = %s\nwant what netviz doctor --format json writes:\n%s", got, want.String())
	}
	// No kernel view: doctor and path refuse, as the commands do.
	blind := *snap
	blind.Warnings = append([]topo.Warning{{Code: "kernel-unavailable", Message: "no kernel view"}}, snap.Warnings...)
	s.Publish(update(2, &blind, diff.Result{}))
	jsonError(t, get(t, base+"/api/doctor"), http.StatusConflict)
	jsonError(t, get(t, base+"/api/path?src=web1&dst=web2"), http.StatusConflict)
}

func TestPath(t *testing.T) {
	base, got, want := servedPath(t, rendertest.Text(t, "full"), "src=web1&dst=api&port=53&protocol=udp",
		"web1", "api", pathfind.Options{Protocol: "udp", Port: 53})
	if !reflect.DeepEqual(got, want) || got.Verdict == "" {
		t.Errorf("/api/path = %+v\nwant %+v", got, want)
	}
	for query, wantIn := range map[string]string{
		"dst=api":                                  "src",
		"src=web1":                                 "dst",
		"src=web1&dst=api&port=0":                  "port",
		"src=web1&dst=api&port=http":               "port",
		"src=web1&dst=api&port=70000":              "port",
		"src=web1&dst=api&protocol=icmp":           "protocol",
		"src=no-such-container&dst=api":            "no-such-container",
		"src=web1&dst=" + strings.Repeat("a", 300): "dst",
	} {
		if msg := jsonError(t, get(t, base+"/api/path?"+query), http.StatusBadRequest); !strings.Contains(msg, wantIn) {
			t.Errorf("%s: error %q does not name %s", query, msg, wantIn)
		}
	}
}

// A Swarm service as SRC goes through the same resolver as the command:
// the answer names the task that sent, and a name that is neither a
// container nor a service is a 400 naming the service it may mean.
func TestPathFromService(t *testing.T) {
	base, got, want := servedPath(t, rendertest.Diagram(t, "swarm-node"), "src=web&dst=ovc1",
		"web", "ovc1", pathfind.Options{Protocol: "tcp", Port: 80})
	if !reflect.DeepEqual(got, want) || got.FromService != "web" || got.FromTask == "" || got.Verdict != pathfind.Reachable {
		t.Errorf("/api/path = %+v\nwant %+v from a task of service web", got, want)
	}
	if msg := jsonError(t, get(t, base+"/api/path?src=wbe&dst=ovc1"), http.StatusBadRequest); !strings.Contains(msg, "did you mean web?") {
		t.Errorf("a name close to a service: %q", msg)
	}
}

// servedPath serves snap, asks its /api/path with query, and returns the
// server's address, the answer, and what pathfind.Find says of src, dst
// and o on snap, the answer it should be.
func servedPath(t *testing.T, snap *topo.Snapshot, query, src, dst string, o pathfind.Options) (base string, got, want pathfind.Result) {
	t.Helper()
	s := New(Options{Loopback: true})
	s.Publish(update(1, snap, diff.Result{}))
	base = start(t, s)
	want, err := pathfind.Find(snap, src, dst, o)
	if err != nil {
		t.Fatal(err)
	}
	resp := get(t, base+"/api/path?"+query)
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, %v", resp.StatusCode, err)
	}
	return base, got, want
}

func TestStatic(t *testing.T) {
	base := start(t, New(Options{Loopback: true}))
	for path, ct := range map[string]string{"/static/page.js": "text/javascript", "/static/page.css": "text/css"} {
		resp := get(t, base+path)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), ct) {
			t.Errorf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	resp := get(t, base+"/static/..%2fserve.go")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("a file that is not the page's: %d", resp.StatusCode)
	}
	if strings.Contains(body(t, resp), "package serve") {
		t.Error("served a source file")
	}
}

// TestDiagramByProject checks the served diagram boxes compose projects
// when asked (netviz serve's default) and not otherwise.
func TestDiagramByProject(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	snap := rendertest.Diagram(t, "compose")
	for _, by := range []bool{true, false} {
		s := New(Options{Loopback: true, ByProject: by})
		s.Publish(update(1, snap, diff.Result{}))
		d := diagramOf(t, start(t, s))
		var data map[string]struct{ Kind, Title string }
		if err := json.Unmarshal(d.Data, &data); err != nil {
			t.Fatal(err)
		}
		projects := 0
		for _, info := range data {
			if info.Kind == "cluster project" {
				projects++
			}
		}
		if want := map[bool]int{true: 2, false: 0}[by]; projects != want {
			t.Errorf("ByProject %v: %d project boxes, want %d", by, projects, want)
		}
	}
}

// TestDiagramError: a drawing that fails is a JSON error, and the other
// endpoints still answer.
func TestDiagramError(t *testing.T) {
	s := New(Options{Loopback: true, Engine: "no-such-engine"})
	s.Publish(update(1, rendertest.Text(t, "full"), diff.Result{}))
	base := start(t, s)
	if msg := jsonError(t, get(t, base+"/api/diagram"), http.StatusInternalServerError); !strings.Contains(msg, "cannot draw") {
		t.Errorf("error %q", msg)
	}
	if resp := get(t, base+"/api/doctor"); resp.StatusCode != http.StatusOK {
		t.Errorf("doctor after a failed drawing: %d", resp.StatusCode)
	}
}
