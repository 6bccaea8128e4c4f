package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/inspect/kernel"
	"github.com/netviz/netviz/topo"
)

// fakeProber is a kernel with one daemon process (pid) listening on
// /run/d.sock, in namespace daemonNet and PID namespace daemonPID.
type fakeProber struct {
	peer              kernel.Peer
	peerErr           error
	ownNet, daemonNet inspect.NSRef
	ownPID, daemonPID inspect.NSRef
	netErr            error
	names             map[inspect.NSRef]string
	listensHere       bool
	enterErr          error
	asked             []string
}

var _ nsProber = (*fakeProber)(nil)

func (f *fakeProber) SocketPeer(_ context.Context, path string) (kernel.Peer, error) {
	f.asked = append(f.asked, path)
	return f.peer, f.peerErr
}

func (f *fakeProber) NamespaceRef(pid int) (inspect.NSRef, error) {
	if pid != f.peer.PID {
		return inspect.NSRef{}, fmt.Errorf("process %d: %w", pid, inspect.ErrGone)
	}
	return f.daemonNet, f.netErr
}

func (f *fakeProber) PIDNamespaceRef(pid int) (inspect.NSRef, error) {
	if pid == 0 {
		return f.ownPID, nil
	}
	return f.daemonPID, nil
}

func (f *fakeProber) OwnNamespaceRef() (inspect.NSRef, error) { return f.ownNet, nil }
func (f *fakeProber) NetnsFile(pid int) string                { return fmt.Sprintf("/proc/%d/ns/net", pid) }
func (f *fakeProber) NetnsName(ref inspect.NSRef) string      { return f.names[ref] }
func (f *fakeProber) ListensHere(string) (bool, error)        { return f.listensHere, nil }
func (f *fakeProber) CanEnter(int) error                      { return f.enterErr }

func TestLocateDaemon(t *testing.T) {
	own, other := inspect.NSRef{Dev: 4, Inode: 1}, inspect.NSRef{Dev: 4, Inode: 2}
	pidNS, otherPIDNS := inspect.NSRef{Dev: 4, Inode: 10}, inspect.NSRef{Dev: 4, Inode: 11}
	dockerd := kernel.Peer{PID: 4242, Command: "dockerd"}
	for _, tc := range []struct {
		name      string
		addr      string
		prober    fakeProber
		netns     string // "" = netviz's own
		code      string // the warning's, "" = none
		msg       []string
		askSocket bool
	}{
		{name: "same namespace", addr: "unix:///run/d.sock",
			prober:    fakeProber{peer: dockerd, ownNet: own, daemonNet: own, ownPID: pidNS, daemonPID: pidNS},
			askSocket: true},
		{name: "socket activated by pid 1 in the same namespace", addr: "unix:///run/d.sock",
			prober:    fakeProber{peer: kernel.Peer{PID: 1, Command: "systemd"}, ownNet: own, daemonNet: own, ownPID: pidNS, daemonPID: pidNS},
			askSocket: true},
		{name: "another namespace, reachable", addr: "unix:///run/d.sock",
			prober: fakeProber{peer: dockerd, ownNet: own, daemonNet: other, ownPID: pidNS, daemonPID: pidNS,
				names: map[inspect.NSRef]string{other: "netviz-e28"}},
			netns: "/proc/4242/ns/net", code: codeDaemonNamespace, askSocket: true,
			msg: []string{"network namespace netviz-e28", "dockerd, pid 4242", "/run/d.sock"}},
		{name: "another unnamed namespace", addr: "unix:///run/user/1000/docker.sock",
			prober: fakeProber{peer: dockerd, ownNet: own, daemonNet: other, ownPID: pidNS, daemonPID: pidNS},
			netns:  "/proc/4242/ns/net", code: codeDaemonNamespace, askSocket: true,
			msg: []string{"unnamed network namespace"}},
		{name: "another namespace, not root (rootless Docker run by its user)", addr: "unix:///run/user/1000/docker.sock",
			prober: fakeProber{peer: dockerd, ownNet: own, daemonNet: other, ownPID: pidNS, daemonPID: pidNS,
				enterErr: fmt.Errorf("open netlink socket in namespace: %w", fs.ErrPermission)},
			code: codeKernelUnavailable, askSocket: true, msg: []string{"may not enter", "run netviz as root"}},
		{name: "tcp", addr: "tcp://127.0.0.1:2375",
			code: codeKernelUnavailable, msg: []string{"tcp://127.0.0.1:2375", "over the network", "run netviz on the daemon's host"}},
		{name: "namespace file not permitted", addr: "unix:///run/d.sock",
			prober: fakeProber{peer: dockerd, ownNet: own, netErr: fmt.Errorf("open: %w", fs.ErrPermission), ownPID: pidNS, daemonPID: pidNS},
			code:   codeKernelUnavailable, askSocket: true, msg: []string{"cannot open the network namespace", "run netviz as root"}},
		{name: "not root, the daemon's socket made in netviz's namespace", addr: "unix:///run/d.sock",
			prober:    fakeProber{peer: dockerd, ownNet: own, netErr: fmt.Errorf("open: %w", fs.ErrPermission), listensHere: true},
			askSocket: true},
		{name: "listener in a PID namespace netviz cannot see", addr: "unix:///run/d.sock",
			prober: fakeProber{peer: kernel.Peer{}, ownNet: own, ownPID: pidNS},
			code:   codeKernelUnavailable, askSocket: true, msg: []string{"PID namespace netviz cannot see"}},
		{name: "daemon in another PID namespace", addr: "unix:///run/d.sock",
			prober: fakeProber{peer: dockerd, ownNet: own, daemonNet: own, ownPID: pidNS, daemonPID: otherPIDNS},
			code:   codeKernelUnavailable, askSocket: true, msg: []string{"another PID namespace"}},
		{name: "nobody answers", addr: "unix:///run/d.sock",
			prober: fakeProber{peerErr: fmt.Errorf("connect: no such file")},
			code:   codeKernelUnavailable, askSocket: true, msg: []string{"cannot tell which process"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.prober
			got := locateDaemon(context.Background(), &p, tc.addr)
			if got.netns != tc.netns {
				t.Errorf("netns %q, want %q", got.netns, tc.netns)
			}
			code := ""
			if got.warn != nil {
				code = got.warn.Code
				for _, m := range tc.msg {
					if !strings.Contains(got.warn.Message, m) {
						t.Errorf("warning %q: want %q in it", got.warn.Message, m)
					}
				}
			}
			if code != tc.code {
				t.Errorf("warning code %q, want %q", code, tc.code)
			}
			if got.unavailable() != (tc.code == codeKernelUnavailable) {
				t.Errorf("unavailable() = %v", got.unavailable())
			}
			if asked := len(p.asked) > 0; asked != tc.askSocket {
				t.Errorf("asked the socket: %v, want %v", asked, tc.askSocket)
			}
			if tc.askSocket && len(p.asked) > 0 && "unix://"+p.asked[0] != tc.addr {
				t.Errorf("asked %q, want the path of %q", p.asked[0], tc.addr)
			}
		})
	}
}

// apiDaemon serves a recorded Docker API (inspect/docker's fixtures) over
// TCP: a daemon netviz reaches but whose host it cannot see.
func apiDaemon(t *testing.T, dir string) string {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	version := read("version.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		if r.URL.Path == "/_ping" {
			io.WriteString(w, "OK")
			return
		}
		_, route, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v"), "/")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case route == "version":
			w.Write(version)
		case route == "info":
			w.Write(read("info.json"))
		case route == "networks":
			w.Write(read("networks.json"))
		case route == "containers/json":
			w.Write(read("containers.json"))
		case strings.HasPrefix(route, "containers/") && strings.HasSuffix(route, "/json"):
			id := strings.TrimSuffix(strings.TrimPrefix(route, "containers/"), "/json")
			matches, _ := filepath.Glob(filepath.Join(dir, "container-*.json"))
			for _, m := range matches {
				if b := read(filepath.Base(m)); bytes.Contains(b, []byte(`"`+id)) {
					w.Write(b)
					return
				}
			}
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"No such container"}`)
		default:
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"page not found"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return "tcp://" + srv.Listener.Addr().String()
}

func TestCLIDaemonOverTCPHasNoKernelView(t *testing.T) {
	host := apiDaemon(t, filepath.Join("..", "..", "inspect", "docker", "testdata", "api141"))
	run1 := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		d := deps{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, live: liveSnapshot,
			colorable: func(io.Writer) bool { return false }, now: time.Now}
		code := run(context.Background(), args, d)
		return code, out.String(), errb.String()
	}

	code, out, errb := run1("docker", "-H", host)
	if code != exitOK {
		t.Fatalf("docker: exit %d; stderr %q", code, errb)
	}
	if n := strings.Count(out, "warning:"); n != 1 || !strings.Contains(out, "kernel view") {
		t.Errorf("docker: want one warning about the kernel view, got %d:\n%s", n, out)
	}
	for _, lie := range []string{"docker0", "uplink", "down", "⇄", "─ firewall"} {
		if strings.Contains(out, lie) {
			t.Errorf("docker: the tree claims kernel facts (%q) it cannot know:\n%s", lie, out)
		}
	}
	if !strings.Contains(out, "nvdu-web") {
		t.Errorf("docker: the API's containers are missing:\n%s", out)
	}

	code, out, errb = run1("docker", "-H", host, "--format", "json")
	if code != exitOK {
		t.Fatalf("docker --format json: exit %d; stderr %q", code, errb)
	}
	s, err := topo.Decode(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Bridges) != 0 || len(s.Pairs) != 0 || len(s.Namespaces) != 0 || len(s.Interfaces) != 0 {
		t.Errorf("snapshot holds kernel facts: %d bridges, %d pairs, %d namespaces, %d host links",
			len(s.Bridges), len(s.Pairs), len(s.Namespaces), len(s.Interfaces))
	}

	code, _, errb = run1("veth", "-H", host)
	if code != exitOK || strings.Count(errb, "\n") != 1 || !strings.Contains(errb, codeKernelUnavailable) {
		t.Errorf("veth: exit %d, stderr %q: want 0 and the one warning", code, errb)
	}

	snap := filepath.Join(t.TempDir(), "remote.json")
	if err := os.WriteFile(snap, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"doctor", "-H", host},
		{"path", "-H", host, "nvdu-web", "198.51.100.7"},
		{"doctor", "--from", snap}, // a saved snapshot of such a daemon is no better
		{"path", "--from", snap, "nvdu-web", "198.51.100.7"},
	} {
		code, out, errb := run1(args...)
		if code != exitNoKernel || out != "" || !strings.Contains(errb, "refuses to guess") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q: want exit %d and a refusal", args, code, out, errb, exitNoKernel)
		}
	}

	// Nothing listening at all is still "no daemon answered".
	for _, args := range [][]string{{"doctor", "-H", "tcp://127.0.0.1:1"}, {"path", "-H", "tcp://127.0.0.1:1", "a", "b"}} {
		if code, _, errb := run1(args...); code != exitDaemon {
			t.Errorf("%v: exit %d, want %d; stderr %q", args, code, exitDaemon, errb)
		}
	}
}
