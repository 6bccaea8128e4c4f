package cluster

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/clustertest"
	"github.com/netviz/netviz/topo"
)

// fakeSwarm stands for a manager's Swarm API.
type fakeSwarm struct {
	nodes  []topo.ClusterNode
	agents map[string]bool
	err    error
	asked  string // the service asked for
}

var _ Swarm = (*fakeSwarm)(nil)

func (f *fakeSwarm) Nodes(context.Context) ([]topo.ClusterNode, error) {
	return append([]topo.ClusterNode(nil), f.nodes...), f.err
}

func (f *fakeSwarm) ServiceNodes(_ context.Context, service string) (map[string]bool, error) {
	f.asked = service
	return f.agents, nil
}

const token = "s3cret"

// serveNode stands for a node's netviz serve: its snapshot at
// /api/snapshot, for the token only.
func serveNode(t *testing.T, s *topo.Snapshot) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/snapshot" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		topo.Encode(w, s)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func addr(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "http://") }

func TestGatherEveryKindOfNode(t *testing.T) {
	three := clustertest.Three(2)
	good1, good2 := serveNode(t, three[0].Snapshot), serveNode(t, three[1].Snapshot)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers in time
	}))
	t.Cleanup(slow.Close)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}))
	t.Cleanup(refusing.Close)
	sw := &fakeSwarm{
		nodes: []topo.ClusterNode{
			{Name: "node1", NodeID: "n1", Role: topo.NodeManager, Addr: addr(good1), State: "ready"},
			{Name: "node2", NodeID: "n2", Role: topo.NodeWorker, Addr: addr(good2), State: "ready"},
			{Name: "slow", NodeID: "n3", Addr: addr(slow), State: "ready"},
			{Name: "refusing", NodeID: "n4", Addr: addr(refusing), State: "ready"},
			{Name: "bare", NodeID: "n5", Addr: "127.0.0.1:1", State: "ready"},
		},
		agents: map[string]bool{"n1": true, "n2": true, "n3": true, "n4": true},
	}
	c, err := Gather(context.Background(), sw, Options{Token: token, Timeout: 300 * time.Millisecond}, now)
	if err != nil {
		t.Fatal(err)
	}
	if sw.asked != DefaultService {
		t.Errorf("asked for service %q", sw.asked)
	}
	want := map[string]string{
		"node1": "", "node2": "",
		"slow":     "within 300ms",
		"refusing": "token was refused",
		"bare":     `no task of service "netviz"`,
	}
	for _, n := range c.Nodes {
		w, ok := want[n.Name]
		if !ok {
			t.Errorf("unexpected node %q", n.Name)
			continue
		}
		if w == "" {
			if !n.Answered() || n.Error != "" {
				t.Errorf("%s: answered %v, error %q", n.Name, n.Answered(), n.Error)
			}
			continue
		}
		if n.Answered() || !strings.HasPrefix(n.Error, "did not answer: ") || !strings.Contains(n.Error, w) {
			t.Errorf("%s: error %q, want one with %q", n.Name, n.Error, w)
		}
	}
	if len(c.Warnings) != 3 {
		t.Errorf("warnings = %+v, want one per node that did not answer", c.Warnings)
	}
	// The two that answered are tunnelled both ways.
	if tu := tunnelOf(t, c, "node1", "node2"); !tu.FromA || !tu.FromB {
		t.Errorf("node1–node2 = %+v", tu)
	}
	// The snapshot's node ID does not override the Swarm API's.
	if n, _ := c.Node("node1"); n.NodeID != "n1" || n.Role != topo.NodeManager || n.State != "ready" {
		t.Errorf("node1 = %+v", n)
	}
}

func TestGatherSwarmAPIFailing(t *testing.T) {
	sentinel := errors.New("this node is not a swarm manager")
	_, err := Gather(context.Background(), &fakeSwarm{err: sentinel}, Options{}, now)
	if !errors.Is(err, sentinel) {
		t.Errorf("err = %v", err)
	}
}

func TestFetchAnswers(t *testing.T) {
	s := clustertest.Node(clustertest.Spec{Name: "n", Addr: clustertest.Addr1})
	good := serveNode(t, s)
	got, err := Fetch(context.Background(), Options{Token: token}, addr(good))
	if err != nil || got.Host.Hostname != "n" || got.Swarm == nil {
		t.Fatalf("Fetch = %v, %v", got, err)
	}
	_, err = Fetch(context.Background(), Options{Token: "wrong"}, addr(good))
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong token: %v", err)
	}
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) }))
	t.Cleanup(garbage.Close)
	if _, err := Fetch(context.Background(), Options{}, addr(garbage)); err == nil || !strings.Contains(err.Error(), "not a snapshot") {
		t.Errorf("garbage: %v", err)
	}
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no snapshot yet", http.StatusServiceUnavailable)
	}))
	t.Cleanup(broken.Close)
	if _, err := Fetch(context.Background(), Options{}, addr(broken)); err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "no snapshot yet") {
		t.Errorf("503: %v", err)
	}
	// A bare address gets the port.
	if _, err := Fetch(context.Background(), Options{Port: 1, Timeout: time.Second}, "127.0.0.1"); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("refused: %v", err)
	}
}

func TestGatherEveryNode(t *testing.T) {
	three := clustertest.Three(0)
	srv := serveNode(t, three[0].Snapshot)
	sw := &fakeSwarm{nodes: []topo.ClusterNode{{Name: "node1", NodeID: "n1", Addr: addr(srv)}}, agents: map[string]bool{}}
	c, err := Gather(context.Background(), sw, Options{Token: token, EveryNode: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	if sw.asked != "" || len(c.Unanswered()) != 0 {
		t.Errorf("asked the service %q; unanswered %+v", sw.asked, c.Unanswered())
	}
}
