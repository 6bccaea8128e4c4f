package topo

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// oldComposeSnapshot is a snapshot as netviz wrote it before the compose
// keys: only the labels say what compose made.
const oldComposeSnapshot = `{
  "schemaVersion": 2,
  "host": {"hostname": "h", "uplink": "eth0", "namespace": "ns-1"},
  "containers": [
    {"name": "web-api-2", "id": "a2", "state": "running", "namespace": "ns-3",
     "labels": {"com.docker.compose.project": "web", "com.docker.compose.service": "api", "com.docker.compose.container-number": "2"},
     "endpoints": [{"network": "web_front"}]},
    {"name": "web-api-1", "id": "a1", "state": "running", "namespace": "ns-2",
     "labels": {"com.docker.compose.project": "web", "com.docker.compose.service": "api", "com.docker.compose.container-number": "1"},
     "endpoints": [{"network": "web_front"}, {"network": "web_back"}]},
    {"name": "web-api-run-5f2c", "id": "a9", "state": "exited",
     "labels": {"com.docker.compose.project": "web", "com.docker.compose.service": "api", "com.docker.compose.container-number": "1", "com.docker.compose.oneoff": "True"}},
    {"name": "solo", "id": "s1", "state": "running", "namespace": "ns-4", "endpoints": [{"network": "bridge"}]}
  ],
  "networks": [
    {"name": "web_front", "id": "n1", "bridge": "br-front",
     "labels": {"com.docker.compose.project": "web", "com.docker.compose.network": "front"}},
    {"name": "web_back", "id": "n2", "bridge": "br-back",
     "labels": {"com.docker.compose.project": "web", "com.docker.compose.network": "back"}},
    {"name": "bridge", "id": "n3", "bridge": "docker0"}
  ],
  "pairs": [
    {"container": "web-api-1", "hostInterface": "veth1", "bridge": "br-front", "network": "web_front", "namespace": "ns-2"},
    {"container": "web-api-1", "containerInterface": "eth1", "hostInterface": "veth1b", "bridge": "br-back", "network": "web_back", "namespace": "ns-2"},
    {"container": "web-api-2", "hostInterface": "veth2", "bridge": "br-front", "network": "web_front", "namespace": "ns-3"},
    {"container": "solo", "hostInterface": "veth3", "bridge": "docker0", "network": "bridge", "namespace": "ns-4"},
    {"hostInterface": "vetho", "bridge": "docker0", "namespace": "ns-9"}
  ],
  "bridges": [{"name": "br-back", "ports": ["veth1b"]}, {"name": "br-front", "ports": ["veth1", "veth2"]}, {"name": "docker0", "ports": ["veth3", "vetho"]}],
  "interfaces": [{"name": "eth0"}, {"name": "br-front"}, {"name": "br-back"}, {"name": "docker0"},
    {"name": "veth1"}, {"name": "veth1b"}, {"name": "veth2"}, {"name": "veth3"}, {"name": "vetho"}],
  "namespaces": [{"id": "ns-1", "host": true}, {"id": "ns-2"}, {"id": "ns-3"}, {"id": "ns-4"}, {"id": "ns-9"}]
}`

func decodeCompose(t *testing.T) *Snapshot {
	t.Helper()
	s, err := Decode(strings.NewReader(oldComposeSnapshot))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOldSnapshotGetsComposeFieldsFromLabels(t *testing.T) {
	s := decodeCompose(t)
	api2, _ := s.Container("web-api-2")
	if got := api2.Compose; got == nil || *got != (Compose{Project: "web", Service: "api", Number: 2}) {
		t.Errorf("web-api-2 compose = %+v", got)
	}
	if run, _ := s.Container("web-api-run-5f2c"); run.Compose == nil || !run.Compose.OneOff {
		t.Errorf("docker compose run's container: compose %+v, want oneoff", run.Compose)
	}
	if api2.Compose.OneOff {
		t.Error("web-api-2 is oneoff")
	}
	if solo, _ := s.Container("solo"); solo.Compose != nil {
		t.Errorf("solo has compose %+v; compose did not make it", solo.Compose)
	}
	front, _ := s.Network("web_front")
	if got := front.Compose; got == nil || *got != (ComposeNetwork{Project: "web", Network: "front"}) {
		t.Errorf("web_front compose = %+v", got)
	}
	for _, p := range s.Pairs {
		want := ""
		if strings.HasPrefix(p.Container, "web-") {
			want = "web"
		}
		if p.Project != want || (want != "" && p.Service != "api") {
			t.Errorf("pair %s: project %q service %q", p.HostInterface, p.Project, p.Service)
		}
	}
	if got := s.Projects(); !slices.Equal(got, []string{"web"}) {
		t.Errorf("Projects() = %v", got)
	}
}

func TestComposeJSONKeys(t *testing.T) {
	var buf bytes.Buffer
	if err := Encode(&buf, decodeCompose(t)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Containers []map[string]json.RawMessage `json:"containers"`
		Networks   []map[string]json.RawMessage `json:"networks"`
		Pairs      []map[string]json.RawMessage `json:"pairs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	compact := func(raw json.RawMessage) string {
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	// Sorted by name: solo, web-api-1, web-api-2.
	if got := compact(doc.Containers[2]["compose"]); got != `{"project":"web","service":"api","number":2}` {
		t.Errorf("container %s compose = %s", doc.Containers[2]["name"], got)
	}
	if _, ok := doc.Containers[0]["compose"]; ok {
		t.Errorf("non-compose container has a compose key")
	}
	if got := compact(doc.Networks[2]["compose"]); got != `{"project":"web","network":"front"}` {
		t.Errorf("network %s compose = %s", doc.Networks[2]["name"], got)
	}
	p := doc.Pairs[1] // solo, web-api-1, ...
	if compact(p["project"]) != `"web"` || compact(p["service"]) != `"api"` {
		t.Errorf("pair %s: project %s service %s", p["hostInterface"], p["project"], p["service"])
	}
	if _, ok := doc.Pairs[len(doc.Pairs)-1]["project"]; ok {
		t.Errorf("orphan pair has a project key")
	}
}

func TestFilterByProject(t *testing.T) {
	cname := func(c Container) string { return c.Name }
	pname := func(p Pair) string { return p.HostInterface }
	nname := func(n Network) string { return n.Name }
	got, err := Filter{Project: "web"}.Apply(decodeCompose(t))
	if err != nil {
		t.Fatal(err)
	}
	if c := names(got.Containers, cname); !slices.Equal(c, []string{"web-api-1", "web-api-2", "web-api-run-5f2c"}) {
		t.Errorf("containers %v", c)
	}
	if p := names(got.Pairs, pname); !slices.Equal(p, []string{"veth1", "veth1b", "veth2"}) {
		t.Errorf("pairs %v", p)
	}
	if n := names(got.Networks, nname); !slices.Equal(n, []string{"web_back", "web_front"}) {
		t.Errorf("networks %v", n)
	}

	// With --network too, both must hold.
	got, err = Filter{Project: "web", Network: "web_back"}.Apply(decodeCompose(t))
	if err != nil {
		t.Fatal(err)
	}
	if c := names(got.Containers, cname); !slices.Equal(c, []string{"web-api-1"}) {
		t.Errorf("web on web_back: containers %v", c)
	}

	// A project whose containers are gone still has its networks.
	s := decodeCompose(t)
	s.Containers = slices.DeleteFunc(s.Containers, func(c Container) bool { return c.Project() == "web" })
	s.Pairs = slices.DeleteFunc(s.Pairs, func(p Pair) bool { return p.Project == "web" })
	got, err = Filter{Project: "web"}.Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	if n := names(got.Networks, nname); len(got.Containers) != 0 || !slices.Equal(n, []string{"web_back", "web_front"}) {
		t.Errorf("empty project: containers %v networks %v", names(got.Containers, cname), n)
	}

	_, err = Filter{Project: "shop"}.Apply(decodeCompose(t))
	if !errors.Is(err, ErrUnknownProject) || !strings.Contains(err.Error(), `"shop" (known: web)`) {
		t.Errorf("unknown project: %v", err)
	}
	_, err = Filter{Project: "shop"}.Apply(filterFixture())
	if !errors.Is(err, ErrUnknownProject) || !strings.Contains(err.Error(), "nothing here was made by Docker Compose") {
		t.Errorf("unknown project on a host without compose: %v", err)
	}
}

func TestServiceCounts(t *testing.T) {
	c := func(service string, oneoff bool) *Container {
		return &Container{Compose: &Compose{Project: "web", Service: service, OneOff: oneoff}}
	}
	services, count := ServiceCounts([]*Container{c("api", false), c("db", false), c("api", false), c("api", true), {Compose: &Compose{Project: "web"}}})
	if want := []string{"", "api", "api (run)", "db"}; !slices.Equal(services, want) {
		t.Errorf("services %q, want %q", services, want)
	}
	if count["api"] != 2 || count["api (run)"] != 1 || count["db"] != 1 || count[""] != 1 {
		t.Errorf("counts %v", count)
	}
}
