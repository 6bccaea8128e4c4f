package docker

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/topo"
)

// swarmDaemon answers the Swarm routes netviz cluster uses, as a manager
// of API 1.41 would; notManager makes it answer as a daemon outside a
// swarm does (503).
func swarmDaemon(t *testing.T, notManager bool) (*Source, *[]string) {
	t.Helper()
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_ping" {
			w.Header().Set("Api-Version", "1.41")
			w.WriteHeader(http.StatusOK)
			return
		}
		if notManager {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"message":"This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again."}`))
			return
		}
		route := r.URL.Path[strings.Index(r.URL.Path[1:], "/")+1:]
		filters, _ := url.QueryUnescape(r.URL.Query().Get("filters"))
		queries = append(queries, route+" "+filters)
		var body any
		switch route {
		case "/nodes":
			body = []map[string]any{
				{"ID": "n1", "Spec": map[string]any{"Role": "manager"}, "Description": map[string]any{"Hostname": "m1"},
					"Status": map[string]any{"State": "ready", "Addr": "0.0.0.0"}, "ManagerStatus": map[string]any{"Addr": "10.9.0.1:2377", "Leader": true}},
				{"ID": "n2", "Spec": map[string]any{"Role": "worker", "Name": "named"}, "Description": map[string]any{"Hostname": "w1"},
					"Status": map[string]any{"State": "down", "Addr": "10.9.0.2"}},
			}
		case "/services":
			if strings.Contains(filters, "label") {
				body = []map[string]any{{"ID": "s-label", "Spec": map[string]any{"Name": "agent"}}}
			} else {
				// The name filter matches by prefix: a longer name must not count.
				body = []map[string]any{{"ID": "s-dev", "Spec": map[string]any{"Name": "netviz-dev"}}}
			}
		case "/tasks":
			body = []map[string]any{
				{"ID": "t1", "NodeID": "n1", "Status": map[string]any{"State": "running"}},
				{"ID": "t2", "NodeID": "n2", "Status": map[string]any{"State": "starting"}},
			}
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	s, err := New(Options{Host: "tcp://" + strings.TrimPrefix(srv.URL, "http://"), CallTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, &queries
}

func TestSwarmNodesAndWhereTheServiceRuns(t *testing.T) {
	s, queries := swarmDaemon(t, false)
	nodes, err := s.Nodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []topo.ClusterNode{
		{Name: "m1", NodeID: "n1", Role: topo.NodeManager, Addr: "10.9.0.1", State: "ready"},
		{Name: "named", NodeID: "n2", Role: topo.NodeWorker, Addr: "10.9.0.2", State: "down"},
	}
	if len(nodes) != 2 || nodes[0] != want[0] || nodes[1] != want[1] {
		t.Errorf("nodes = %+v, want %+v", nodes, want)
	}
	agents, err := s.ServiceNodes(context.Background(), "netviz")
	if err != nil {
		t.Fatal(err)
	}
	if len(agents) != 1 || !agents["n1"] {
		t.Errorf("agents = %v, want n1 only (n2's task is not running)", agents)
	}
	got := strings.Join(*queries, "\n")
	for _, w := range []string{`"name":{"netviz":true}`, `"label":{"io.netviz.agent=true":true}`, `"service":{"s-label":true}`, `"desired-state":{"running":true}`} {
		if !strings.Contains(got, w) {
			t.Errorf("queries lack %s:\n%s", w, got)
		}
	}
	if strings.Contains(got, "s-dev") {
		t.Errorf("took the tasks of netviz-dev for netviz's:\n%s", got)
	}
}

func TestSwarmOutsideASwarm(t *testing.T) {
	s, _ := swarmDaemon(t, true)
	if _, err := s.Nodes(context.Background()); !errors.Is(err, ErrNotManager) {
		t.Errorf("Nodes: %v, want ErrNotManager", err)
	}
	if _, err := s.ServiceNodes(context.Background(), "netviz"); !errors.Is(err, ErrNotManager) {
		t.Errorf("ServiceNodes: %v, want ErrNotManager", err)
	}
}
