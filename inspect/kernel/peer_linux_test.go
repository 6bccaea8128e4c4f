package kernel

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestSocketPeerIsTheListener(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	k := New()
	p, err := k.SocketPeer(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if p.PID != os.Getpid() || p.Command == "" {
		t.Errorf("peer %+v, want pid %d with its command", p, os.Getpid())
	}
	// Not compared with OwnNamespaceRef: /proc/PID/ns/net is the main
	// thread's, which other tests' NewHandleAt may hold in a namespace of
	// theirs for a moment.
	if _, err := k.OwnNamespaceRef(); err != nil {
		t.Fatal(err)
	}
	if _, err := k.NamespaceRef(p.PID); err != nil {
		t.Errorf("the listener's namespace: %v", err)
	}
	a, err1 := k.PIDNamespaceRef(0)
	b, err2 := k.PIDNamespaceRef(p.PID)
	if err1 != nil || err2 != nil || a != b {
		t.Errorf("PID namespaces %v (%v) and %v (%v) differ", a, err1, b, err2)
	}
	if _, err := k.SocketPeer(context.Background(), filepath.Join(t.TempDir(), "none.sock")); err == nil {
		t.Error("a socket nobody listens on has a peer")
	}
}

func TestListensHere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	k := New()
	if here, err := k.ListensHere(path); err != nil || !here {
		t.Errorf("ListensHere(%q) = %v, %v; want true: the test listens on it", path, here, err)
	}
	if here, err := k.ListensHere(path + ".none"); err != nil || here {
		t.Errorf("ListensHere(nothing) = %v, %v; want false", here, err)
	}
}
