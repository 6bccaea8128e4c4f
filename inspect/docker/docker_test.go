package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api"
	"github.com/docker/docker/api/types/container"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/topo"
)

func TestMain(m *testing.M) {
	// The environment of whoever runs the tests must not steer the client:
	// a DOCKER_API_VERSION would turn negotiation off.
	for _, k := range []string{"DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY"} {
		os.Unsetenv(k)
	}
	os.Exit(m.Run())
}

const (
	api141 = "testdata/api141"
	api151 = "testdata/api151"
)

func TestDescribeNegotiatesVersion(t *testing.T) {
	tests := []struct {
		name        string
		dir         string
		pingVersion string // "" keeps the fixture's
		maxAPI      string
		want        inspect.RuntimeInfo
	}{
		{
			name: "debian 20.10 speaks 1.41",
			dir:  api141,
			want: inspect.RuntimeInfo{Name: "docker", Version: "20.10.24+dfsg1", APIVersion: "1.41", Hostname: "vm", Kernel: "6.18.44-fc-v782"},
		},
		{
			name: "current engine",
			dir:  api151,
			want: inspect.RuntimeInfo{Name: "docker", Version: "28.5.2", APIVersion: "1.51", Hostname: "edge-host", Kernel: "6.18.44-fc-v782"},
		},
		{
			name:        "engine newer than the client",
			dir:         api151,
			pingVersion: "1.99",
			maxAPI:      "1.99",
			want:        inspect.RuntimeInfo{Name: "docker", Version: "28.5.2", APIVersion: api.DefaultVersion, Hostname: "edge-host", Kernel: "6.18.44-fc-v782"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := loadFake(t, tt.dir)
			if tt.pingVersion != "" {
				f.pingVersion, f.maxAPI = tt.pingVersion, tt.maxAPI
			}
			s := f.start(Options{})
			got, err := s.Describe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Describe() = %+v, want %+v", got, tt.want)
			}
			// Every call after the ping must use the negotiated version.
			prefix := "/v" + tt.want.APIVersion + "/"
			for _, p := range f.requested() {
				_, path, _ := strings.Cut(p, " ")
				if path != "/_ping" && !strings.HasPrefix(path, prefix) {
					t.Errorf("request %q does not use %s", p, prefix)
				}
			}
		})
	}
}

// TestNegotiatesOnce checks that concurrent first calls ping once.
func TestNegotiatesOnce(t *testing.T) {
	f := loadFake(t, api141)
	s := f.start(Options{})
	ctx := context.Background()
	errs := make(chan error, 3)
	go func() { _, err := s.Describe(ctx); errs <- err }()
	go func() { _, _, err := s.Containers(ctx, true); errs <- err }()
	go func() { _, err := s.Networks(ctx); errs <- err }()
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	pings := 0
	for _, p := range f.requested() {
		if strings.HasSuffix(p, "/_ping") {
			pings++
		}
	}
	if pings != 1 {
		t.Errorf("pinged %d times, want 1: %q", pings, f.requested())
	}
}

func TestContainers(t *testing.T) {
	f := loadFake(t, api141)
	s := f.start(Options{})
	got, warnings, err := s.Containers(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %+v", warnings)
	}
	byName := map[string]inspect.ContainerInfo{}
	var names []string
	for _, c := range got {
		byName[c.Name] = c
		names = append(names, c.Name)
	}
	wantNames := []string{"nvdu-created", "nvdu-exited", "nvdu-host", "nvdu-multi", "nvdu-none", "nvdu-paused", "nvdu-sidecar", "nvdu-web"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Fatalf("names = %q, want %q (sorted)", names, wantNames)
	}
	labels := map[string]string{"netviz.test": "docker-unit"}
	const (
		webID     = "574dca6a4c3f7d51ac8841f2e8d22b2e36b1e4e5ef8a046fc4fd7fe0a1ce7254"
		bridgeID  = "081bb71f5e60489afbfa177db167b67ddb1475945468aaad11c150a492d54ccd"
		customID  = "89ea3d77e3e0fedaa04a39c1347727ab17f73014b5046ab7bf259960336f05c8"
		v6ID      = "1e3a4461e45fd8df330da0414333e9a3797c417e4e3a4a579c9e80dcc3358791"
		hostNetID = "de4fc5492cfbb9d09eee8aee5f5ae930492201ffd98807dd900c97f51709cf44"
		noneNetID = "554db0f2a840385efd6412ee15c1c0a273abf0d5538ff7896e2f13358b4e8fb4"
	)
	tests := []struct {
		name string
		want inspect.ContainerInfo
	}{
		{"nvdu-web", inspect.ContainerInfo{
			ID: webID, Name: "nvdu-web", Image: "netviz-busybox:test", State: "running",
			NetworkMode: "bridge", // "default" on API 1.41
			PID:         7262, Labels: labels,
			Endpoints: []topo.Endpoint{{
				Network: "bridge", NetworkID: bridgeID,
				EndpointID: "341e47c857404101856b088af6249413d03237cf048dd13f49588dc4d4f0e40b",
				MAC:        "02:42:ac:11:00:02", IPv4: "172.17.0.2/16", Gateway: "172.17.0.1",
			}},
			// 9000/tcp is exposed, not published.
			Ports: []topo.Port{
				{HostIP: "0.0.0.0", HostPort: 5353, ContainerPort: 53, Protocol: "udp"},
				{HostIP: "::", HostPort: 5353, ContainerPort: 53, Protocol: "udp"},
				{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
				{HostIP: "0.0.0.0", HostPort: 8443, ContainerPort: 443, Protocol: "tcp"},
				{HostIP: "::", HostPort: 8443, ContainerPort: 443, Protocol: "tcp"},
			},
		}},
		{"nvdu-multi", inspect.ContainerInfo{
			ID: "0b7a101b713013eaf68a6925f0d842923c1096541c3540a5bae3fc8f514a113f", Name: "nvdu-multi",
			Image: "netviz-busybox:test", State: "running", NetworkMode: "nvdu-custom", PID: 7631, Labels: labels,
			Endpoints: []topo.Endpoint{
				{
					Network: "nvdu-custom", NetworkID: customID,
					EndpointID: "fa0bc5e714d2180a8d6e53c6e8223bd9817ce30ab9751dc0a46d0768c6a7f41c",
					MAC:        "02:42:ac:1e:07:02", IPv4: "172.30.7.2/24", Gateway: "172.30.7.1",
				},
				{
					Network: "nvdu-v6", NetworkID: v6ID,
					EndpointID: "0ce81447db50ad267550843eecb8817f189952b3abc0f6e86e81e9cca76ade87",
					MAC:        "02:42:ac:1e:08:02", IPv4: "172.30.8.2/24", IPv6: []string{"fd00:db8:8::2/64"},
					Gateway: "172.30.8.1",
				},
			},
		}},
		{"nvdu-sidecar", inspect.ContainerInfo{
			ID: "b57ac85c8127f8809acc04ffa1dd31e06ae1872d83890cb14154278572974e89", Name: "nvdu-sidecar",
			Image: "netviz-busybox:test", State: "running", NetworkMode: "container:" + webID, PID: 7336, Labels: labels,
		}},
		{"nvdu-host", inspect.ContainerInfo{
			ID: "65725f1bec6e4b7c0d82b718923f7cef37ef6b1e01bb785ebc19dc57d32855ee", Name: "nvdu-host",
			Image: "netviz-busybox:test", State: "running", NetworkMode: "host", PID: 7392, Labels: labels,
			Endpoints: []topo.Endpoint{{Network: "host", NetworkID: hostNetID, EndpointID: "6b9742c08c969f0ee30f63e228ba42f88b3411489f4b7ade5883769ee9eafdf0"}},
		}},
		{"nvdu-none", inspect.ContainerInfo{
			ID: "161358fbbe03dbb5677169c2f57866dad04b0fe7fb48164d2282335f25696184", Name: "nvdu-none",
			Image: "netviz-busybox:test", State: "running", NetworkMode: "none", PID: 7439, Labels: labels,
			Endpoints: []topo.Endpoint{{Network: "none", NetworkID: noneNetID, EndpointID: "99ec5060ff7723c5d5cd0c3c8d85f9ac7be24878c6f08bbf1788fcf4f3b449f8"}},
		}},
		{"nvdu-paused", inspect.ContainerInfo{
			ID: "d848cd81f9be5e1450f272e0f8a6b48390caa44422e8efc5f19154554f6793a1", Name: "nvdu-paused",
			Image: "netviz-busybox:test", State: "paused", NetworkMode: "nvdu-custom", PID: 7938, Labels: labels,
			Endpoints: []topo.Endpoint{{
				Network: "nvdu-custom", NetworkID: customID,
				EndpointID: "bf1761c48382d89b2cd99a15911320417fe3de04a422b0270e5ec87d31311f6f",
				MAC:        "02:42:ac:1e:07:03", IPv4: "172.30.7.3/24", Gateway: "172.30.7.1",
			}},
		}},
		{"nvdu-created", inspect.ContainerInfo{
			ID: "971fb65c3de79b82b656e810570b9846fb1fb1c69cb2dba46b4de854a16ff43e", Name: "nvdu-created",
			Image: "netviz-busybox:test", State: "created", NetworkMode: "bridge", Labels: labels,
			// Not started: attached in name only, nothing published yet.
			Endpoints: []topo.Endpoint{{Network: "bridge"}},
		}},
		{"nvdu-exited", inspect.ContainerInfo{
			ID: "d684ad9df82795f4ba280d3b2a49709f1763e77ea2edfab4cd90ba5dcd2b0e29", Name: "nvdu-exited",
			Image: "netviz-busybox:test", State: "exited", NetworkMode: "nvdu-internal", Labels: labels,
			Endpoints: []topo.Endpoint{{Network: "nvdu-internal", NetworkID: "24c522fa2dc2e23556c05a466e0bbd72a8e662f63f0e05721ebb5377effed254"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := byName[tt.name]
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", dump(got), dump(tt.want))
			}
		})
	}
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// TestContainersModernEngine reads what API 1.45+ engines send: NetworkMode
// "bridge", DNSNames, aliases without the short ID. The result must match
// what the same containers give on 1.41.
func TestContainersModernEngine(t *testing.T) {
	old, _, err := loadFake(t, api141).start(Options{}).Containers(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	cur, _, err := loadFake(t, api151).start(Options{}).Containers(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	oldBy := map[string]inspect.ContainerInfo{}
	for _, c := range old {
		oldBy[c.Name] = c
	}
	if len(cur) != 2 {
		t.Fatalf("got %d containers, want 2", len(cur))
	}
	for _, c := range cur {
		if !reflect.DeepEqual(c, oldBy[c.Name]) {
			t.Errorf("%s differs between API 1.51 and 1.41:\n%s\n%s", c.Name, dump(c), dump(oldBy[c.Name]))
		}
	}
}

func TestContainersAll(t *testing.T) {
	tests := []struct {
		all       bool
		wantQuery string
		want      int
	}{
		{all: true, wantQuery: "all=1", want: 8},
		{all: false, wantQuery: "", want: 6}, // running and paused
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("all=", tt.all), func(t *testing.T) {
			f := loadFake(t, api141)
			got, _, err := f.start(Options{}).Containers(context.Background(), tt.all)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("got %d containers, want %d", len(got), tt.want)
			}
			if f.listQuery != tt.wantQuery {
				t.Errorf("list query %q, want %q", f.listQuery, tt.wantQuery)
			}
		})
	}
}

func TestContainersGone(t *testing.T) {
	f := loadFake(t, api141)
	// Listed, then removed before its inspect: the daemon answers 404.
	const goneID = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	entry := json.RawMessage(`{"Id":"` + goneID + `","Names":["/nvdu-gone"],"Image":"netviz-busybox:test","State":"running","Status":"Up 2 seconds","HostConfig":{"NetworkMode":"default"},"NetworkSettings":{"Networks":{}},"Mounts":[]}`)
	f.addContainer(entry, goneID, "running", nil)
	got, warnings, err := f.start(Options{}).Containers(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 8 {
		t.Errorf("got %d containers, want the 8 that exist", len(got))
	}
	for _, c := range got {
		if c.Name == "nvdu-gone" || c.ID == goneID {
			t.Errorf("gone container listed: %+v", c)
		}
	}
	if len(warnings) != 1 {
		t.Fatalf("warnings = %+v, want one", warnings)
	}
	w := warnings[0]
	if w.Code != "container-gone" || w.Subject != "nvdu-gone" || !strings.Contains(w.Message, "nvdu-gone") {
		t.Errorf("warning = %+v", w)
	}
}

func TestContainersGolden(t *testing.T) {
	for _, dir := range []string{api141, api151} {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			s := loadFake(t, dir).start(Options{})
			infos, warnings, err := s.Containers(context.Background(), true)
			if err != nil {
				t.Fatal(err)
			}
			nets, err := s.Networks(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Base(dir)+"-containers.json", map[string]any{"containers": infos, "warnings": warnings})
			checkGolden(t, filepath.Base(dir)+"-networks.json", nets)
		})
	}
}

func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden.Check(t, filepath.Join("testdata", "golden", name), got)
}

func TestNetworks(t *testing.T) {
	tests := []struct {
		name string
		want topo.Network
	}{
		{"bridge", topo.Network{
			Name: "bridge", ID: "081bb71f5e60489afbfa177db167b67ddb1475945468aaad11c150a492d54ccd",
			Driver: "bridge", Scope: "local", Subnets: []topo.Subnet{{Subnet: "172.17.0.0/16"}},
			Bridge: "docker0", // from com.docker.network.bridge.name
		}},
		{"nvdu-custom", topo.Network{
			Name: "nvdu-custom", ID: "89ea3d77e3e0fedaa04a39c1347727ab17f73014b5046ab7bf259960336f05c8",
			Driver: "bridge", Scope: "local", Subnets: []topo.Subnet{{Subnet: "172.30.7.0/24", Gateway: "172.30.7.1"}},
			Bridge: "nvdu-br0", Labels: map[string]string{"netviz.test": "docker-unit"},
		}},
		{"nvdu-v6", topo.Network{
			Name: "nvdu-v6", ID: "1e3a4461e45fd8df330da0414333e9a3797c417e4e3a4a579c9e80dcc3358791",
			Driver: "bridge", Scope: "local", IPv6: true,
			Subnets: []topo.Subnet{{Subnet: "172.30.8.0/24"}, {Subnet: "fd00:db8:8::/64"}},
			Bridge:  "br-1e3a4461e45f", // no option: br- and the short ID
			Labels:  map[string]string{"netviz.test": "docker-unit"},
		}},
		{"nvdu-internal", topo.Network{
			Name: "nvdu-internal", ID: "24c522fa2dc2e23556c05a466e0bbd72a8e662f63f0e05721ebb5377effed254",
			Driver: "bridge", Scope: "local", Internal: true,
			Subnets: []topo.Subnet{{Subnet: "172.18.0.0/16", Gateway: "172.18.0.1"}},
			Bridge:  "br-24c522fa2dc2", Labels: map[string]string{"netviz.test": "docker-unit"},
		}},
		{"nvdu-macvlan", topo.Network{
			Name: "nvdu-macvlan", ID: "07c6f932bdc84ed1a753a2553c1c234c6362c4150ab1dc4725f5e95b8109b337",
			Driver: "macvlan", Scope: "local", Subnets: []topo.Subnet{{Subnet: "192.0.2.0/24"}},
			Parent: "eth0", Labels: map[string]string{"netviz.test": "docker-unit"},
		}},
		{"nvdu-ipvlan", topo.Network{
			Name: "nvdu-ipvlan", ID: "19aa5b996e16a84bda65ae7ff30bde9444688cdbf1c12140a587b29f096a01c4",
			Driver: "ipvlan", Scope: "local", Subnets: []topo.Subnet{{Subnet: "198.51.100.0/24"}},
			Parent: "eth0", Labels: map[string]string{"netviz.test": "docker-unit"},
		}},
		{"host", topo.Network{Name: "host", ID: "de4fc5492cfbb9d09eee8aee5f5ae930492201ffd98807dd900c97f51709cf44", Driver: "host", Scope: "local"}},
		{"none", topo.Network{Name: "none", ID: "554db0f2a840385efd6412ee15c1c0a273abf0d5538ff7896e2f13358b4e8fb4", Driver: "null", Scope: "local"}},
		// Only in the current-engine fixture:
		{"nvdu-dummy", topo.Network{
			Name: "nvdu-dummy", ID: "5f0c2b7e91d34a6c8e1f0a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
			Driver: "macvlan", Scope: "local", Internal: true,
			Subnets: []topo.Subnet{{Subnet: "10.99.0.0/24", Gateway: "10.99.0.1"}},
			Parent:  "dm-5f0c2b7e91d3", // no -o parent: libnetwork's dummy link
		}},
		{"mv-swarm", topo.Network{
			Name: "mv-swarm", ID: "qz7m3k1x9v2p8d4r6t0y5w1ab", Driver: "macvlan", Scope: "swarm",
			Subnets: []topo.Subnet{{Subnet: "10.20.0.0/24", Gateway: "10.20.0.1"}},
			Parent:  "eth0.20", // from its --config-from network
		}},
	}
	all := map[string]topo.Network{}
	for _, dir := range []string{api141, api151} {
		nets, err := loadFake(t, dir).start(Options{}).Networks(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range nets {
			if i > 0 && nets[i-1].Name >= n.Name {
				t.Errorf("%s: networks not sorted by name: %q before %q", dir, nets[i-1].Name, n.Name)
			}
			all[n.Name] = n
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := all[tt.name]
			if !ok {
				t.Fatalf("network %q missing", tt.name)
			}
			// The driver options are Docker's as they come (see the
			// golden files); a few are checked below.
			got.Options = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", dump(got), dump(tt.want))
			}
		})
	}
	for name, want := range map[string]map[string]string{
		"bridge":   {topo.OptMasquerade: "true", topo.OptICC: "true", topo.OptHostBindingIPv4: "0.0.0.0"},
		"mv-swarm": {"parent": "eth0.20"}, // from its --config-from network
	} {
		for k, v := range want {
			if got := all[name].Options[k]; got != v {
				t.Errorf("network %q: option %s = %q, want %q", name, k, got, v)
			}
		}
	}
}

// manyContainers is a fake with n running containers modelled on nvdu-web.
func manyContainers(t testing.TB, n int) *fakeDaemon {
	f := loadFake(t, api141)
	f.list, f.listState, f.inspects = nil, nil, map[string][]byte{}
	tmpl, err := os.ReadFile(filepath.Join(api141, "container-nvdu-web.json"))
	if err != nil {
		t.Fatal(err)
	}
	const tmplID = "574dca6a4c3f7d51ac8841f2e8d22b2e36b1e4e5ef8a046fc4fd7fe0a1ce7254"
	for i := range n {
		id := fmt.Sprintf("%064x", i+1)
		name := fmt.Sprintf("nvdu-bench-%04d", i)
		body := bytes.ReplaceAll(tmpl, []byte(tmplID), []byte(id))
		body = bytes.ReplaceAll(body, []byte(`"/nvdu-web"`), []byte(`"/`+name+`"`))
		entry := json.RawMessage(fmt.Sprintf(`{"Id":%q,"Names":["/%s"],"Image":"netviz-busybox:test","State":"running","Status":"Up 1 minute","HostConfig":{"NetworkMode":"default"},"NetworkSettings":{"Networks":{}},"Mounts":[]}`, id, name))
		f.addContainer(entry, id, "running", body)
	}
	return f
}

func TestBoundedConcurrency(t *testing.T) {
	for _, workers := range []int{1, 4, 16} {
		t.Run(fmt.Sprint(workers, " workers"), func(t *testing.T) {
			f := manyContainers(t, 32)
			// Hold every inspect until all workers are busy, then a little
			// longer: an unbounded pool would send more in that time.
			f.block = make(chan struct{})
			go func() {
				defer close(f.block)
				deadline := time.Now().Add(10 * time.Second)
				for f.inFlight.Load() < int64(workers) && time.Now().Before(deadline) {
					time.Sleep(time.Millisecond)
				}
				time.Sleep(50 * time.Millisecond)
			}()
			got, _, err := f.start(Options{Concurrency: workers}).Containers(context.Background(), true)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 32 {
				t.Fatalf("got %d containers, want 32", len(got))
			}
			if m := f.maxInFlight.Load(); m != int64(workers) {
				t.Errorf("at most %d inspects were in flight, want exactly %d", m, workers)
			}
			if n := f.inspected.Load(); n != 32 {
				t.Errorf("%d inspects, want 32", n)
			}
			for i := 1; i < len(got); i++ {
				if got[i-1].Name >= got[i].Name {
					t.Fatalf("not sorted: %q before %q", got[i-1].Name, got[i].Name)
				}
			}
		})
	}
}

func TestContainersCancel(t *testing.T) {
	f := manyContainers(t, 100)
	f.block = make(chan struct{}) // never released
	f.started = make(chan struct{}, 1)
	s := f.start(Options{Concurrency: 4})

	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := s.Containers(ctx, true)
		errc <- err
	}()
	<-f.started
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
		if errors.Is(err, inspect.ErrDaemonUnreachable) {
			t.Errorf("cancellation reported as an unreachable daemon: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Containers did not return after cancel")
	}
	if n := f.inspected.Load(); n > 4 {
		t.Errorf("%d inspects started after cancel, want at most the 4 in flight", n)
	}
}

func TestCallTimeout(t *testing.T) {
	tests := []struct {
		name string
		hang string
		call func(*Source) error
	}{
		{"version", "version", func(s *Source) error { _, err := s.Describe(context.Background()); return err }},
		{"network list", "networks", func(s *Source) error { _, err := s.Networks(context.Background()); return err }},
		{"container list", "containers/json", func(s *Source) error {
			_, _, err := s.Containers(context.Background(), true)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := loadFake(t, api141)
			f.hang = map[string]bool{tt.hang: true}
			s := f.start(Options{CallTimeout: 100 * time.Millisecond})
			start := time.Now()
			err := tt.call(s)
			if !errors.Is(err, inspect.ErrDaemonUnreachable) {
				t.Fatalf("err = %v, want ErrDaemonUnreachable", err)
			}
			if !strings.Contains(err.Error(), "no answer within 100ms") || !strings.Contains(err.Error(), s.Host()) {
				t.Errorf("message %q does not say what timed out where", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestInspectTimeout: one inspect that never answers fails the call rather
// than leave a hole in the list.
func TestInspectTimeout(t *testing.T) {
	f := manyContainers(t, 10)
	f.block = make(chan struct{})
	s := f.start(Options{CallTimeout: 100 * time.Millisecond, Concurrency: 2})
	_, _, err := s.Containers(context.Background(), true)
	if !errors.Is(err, inspect.ErrDaemonUnreachable) {
		t.Fatalf("err = %v, want ErrDaemonUnreachable", err)
	}
}

// TestDaemonError: an error that is neither "gone" nor "unreachable" fails
// the call and names what failed.
func TestDaemonError(t *testing.T) {
	tests := []struct {
		name  string
		route string
		call  func(*Source) error
		want  string
	}{
		{"inspect", "containers/574dca6a4c3f7d51ac8841f2e8d22b2e36b1e4e5ef8a046fc4fd7fe0a1ce7254/json", func(s *Source) error {
			_, _, err := s.Containers(context.Background(), true)
			return err
		}, `docker inspect container "nvdu-web": `},
		{"list", "containers/json", func(s *Source) error {
			_, _, err := s.Containers(context.Background(), true)
			return err
		}, "docker list containers: "},
		{"networks", "networks", func(s *Source) error { _, err := s.Networks(context.Background()); return err }, "docker list networks: "},
		{"info", "info", func(s *Source) error { _, err := s.Describe(context.Background()); return err }, "docker info: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := loadFake(t, api141)
			f.fail = map[string]int{tt.route: http.StatusInternalServerError}
			err := tt.call(f.start(Options{}))
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, inspect.ErrDaemonUnreachable) || errors.Is(err, inspect.ErrGone) {
				t.Errorf("err = %v, want a plain daemon error", err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) || !strings.Contains(err.Error(), "fake daemon error") {
				t.Errorf("err = %q, want %q and the daemon's message", err, tt.want)
			}
		})
	}
}

func TestContainerInfoIncomplete(t *testing.T) {
	var c container.InspectResponse
	if err := json.Unmarshal([]byte(`{"Id":"abc","Name":"/x","Config":{"Image":"busybox"}}`), &c); err != nil {
		t.Fatal(err)
	}
	if _, err := containerInfo(c); err == nil {
		t.Error("a response without State and HostConfig was accepted")
	}
	if _, err := containerInfo(container.InspectResponse{}); err == nil {
		t.Error("an empty response was accepted")
	}
}

func TestSummaryName(t *testing.T) {
	tests := []struct {
		names []string
		want  string
	}{
		{[]string{"/web"}, "web"},
		// A legacy link target also carries the linking container's view.
		{[]string{"/app/db", "/db"}, "db"},
		{nil, "0123456789ab"},
	}
	for _, tt := range tests {
		got := summaryName(container.Summary{ID: "0123456789abcdef", Names: tt.names})
		if got != tt.want {
			t.Errorf("summaryName(%q) = %q, want %q", tt.names, got, tt.want)
		}
	}
}

func TestUnreachable(t *testing.T) {
	// A port nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := "tcp://" + l.Addr().String()
	l.Close()
	missing := "unix://" + filepath.Join(t.TempDir(), "docker.sock")

	tests := []struct {
		name      string
		host      string
		dial      dialFunc
		wantCause error
		wantText  []string
	}{
		{
			name: "closed port", host: closedPort, wantCause: syscall.ECONNREFUSED,
			wantText: []string{"cannot reach the Docker daemon at " + closedPort + ": connect: connection refused", "is dockerd running?"},
		},
		{
			name: "missing socket", host: missing, wantCause: fs.ErrNotExist,
			wantText: []string{"cannot reach the Docker daemon at " + missing + ": connect: no such file or directory (is dockerd running? -H, --context or DOCKER_HOST pick another)"},
		},
		{
			// Root may connect to any socket, so the kernel's answer to
			// anyone else is played back.
			name: "permission denied", host: "unix:///var/run/docker.sock", wantCause: fs.ErrPermission,
			dial: func(context.Context, string, string) (net.Conn, error) {
				return nil, &net.OpError{Op: "dial", Net: "unix", Addr: &net.UnixAddr{Name: "/var/run/docker.sock", Net: "unix"}, Err: os.NewSyscallError("connect", syscall.EACCES)}
			},
			wantText: []string{"cannot reach the Docker daemon at unix:///var/run/docker.sock: connect: permission denied", "docker group"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := newSource(Options{Host: tt.host, CallTimeout: 2 * time.Second}, tt.dial)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			calls := map[string]func() error{
				"Describe":   func() error { _, err := s.Describe(context.Background()); return err },
				"Containers": func() error { _, _, err := s.Containers(context.Background(), true); return err },
				"Networks":   func() error { _, err := s.Networks(context.Background()); return err },
			}
			for name, call := range calls {
				err := call()
				if !errors.Is(err, inspect.ErrDaemonUnreachable) {
					t.Fatalf("%s: err = %v, want ErrDaemonUnreachable", name, err)
				}
				if !errors.Is(err, tt.wantCause) {
					t.Errorf("%s: err = %v, want it to wrap %v", name, err, tt.wantCause)
				}
				msg := err.Error()
				t.Logf("%s: %s", name, msg)
				if strings.Contains(msg, "\n") {
					t.Errorf("%s: message is not one line: %q", name, msg)
				}
				for _, w := range tt.wantText {
					if !strings.Contains(msg, w) {
						t.Errorf("%s: message %q lacks %q", name, msg, w)
					}
				}
			}
		})
	}
}

func TestHost(t *testing.T) {
	tests := []struct {
		name, env, opt, want string
	}{
		{"default socket", "", "", "unix:///var/run/docker.sock"},
		{"DOCKER_HOST", "tcp://10.0.0.2:2375", "", "tcp://10.0.0.2:2375"},
		{"option beats DOCKER_HOST", "tcp://10.0.0.2:2375", "unix:///run/user/1000/docker.sock", "unix:///run/user/1000/docker.sock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", tt.env)
			s, err := New(Options{Host: tt.opt})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if got := s.Host(); got != tt.want {
				t.Errorf("Host() = %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []string{"nonsense", "ssh://user@remote"} {
		t.Run("DOCKER_HOST="+bad, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", bad)
			s, err := New(Options{})
			if err == nil {
				s.Close()
				t.Fatalf("New accepted DOCKER_HOST=%s", bad)
			}
			t.Log(err)
		})
	}
}

func BenchmarkContainers(b *testing.B) {
	f := manyContainers(b, 500)
	s := f.start(Options{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		got, _, err := s.Containers(ctx, true)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != 500 {
			b.Fatalf("got %d containers", len(got))
		}
	}
}

func TestStreamContainersHandsOverEachInspectedContainer(t *testing.T) {
	f := loadFake(t, api141)
	const goneID = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	entry := json.RawMessage(`{"Id":"` + goneID + `","Names":["/nvdu-gone"],"Image":"netviz-busybox:test","State":"running","Status":"Up 2 seconds","HostConfig":{"NetworkMode":"default"},"NetworkSettings":{"Networks":{}},"Mounts":[]}`)
	f.addContainer(entry, goneID, "running", nil)
	var mu sync.Mutex
	seen := map[string]int{}
	got, _, err := f.start(Options{Concurrency: 4}).StreamContainers(context.Background(), true, func(c inspect.ContainerInfo) {
		mu.Lock()
		seen[c.ID]++
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(got) {
		t.Errorf("streamed %d containers, returned %d", len(seen), len(got))
	}
	for _, c := range got {
		if seen[c.ID] != 1 {
			t.Errorf("%s streamed %d times", c.Name, seen[c.ID])
		}
	}
	if seen[goneID] != 0 {
		t.Errorf("a container that 404ed was streamed")
	}
}
