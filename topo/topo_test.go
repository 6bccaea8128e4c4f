package topo

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestDecodeErrorsSayWhere(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string
		line     int
		schema   bool
	}{
		{"empty", "  \n", "empty input", 0, false},
		{"truncated", "{\"schemaVersion\": 1,\n  \"host\": {", "unexpected end of JSON input", 2, false},
		{"syntax", "{\"schemaVersion\": 1,\n\n  \"pairs\": [,]}", "invalid character ','", 3, false},
		{"wrong type", "{\"schemaVersion\": 1,\n  \"containers\": {}}", "cannot unmarshal object", 2, false},
		{"no version", `{"containers": []}`, "not a netviz snapshot", 0, false},
		{"future version", `{"schemaVersion": 3}`, "schema version 3", 0, true},
		{"version 0", `{"schemaVersion": 0}`, "schema version 0", 0, true},
		{"trailing garbage", `{"schemaVersion": 1} {}`, "invalid character '{' after top-level value", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if errors.Is(err, ErrSchemaVersion) != tc.schema {
				t.Errorf("ErrSchemaVersion = %v, want %v", errors.Is(err, ErrSchemaVersion), tc.schema)
			}
			var de *DecodeError
			if errors.As(err, &de) && de.Line != tc.line {
				t.Errorf("line %d, want %d (%v)", de.Line, tc.line, err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestEncodeDecodeRoundTripIsStableAndHasNoNulls(t *testing.T) {
	s := &Snapshot{SchemaVersion: SchemaVersion, Containers: []Container{{Name: "b"}, {Name: "a"}},
		Pairs: []Pair{{HostInterface: "vethz"}, {Container: "b", ContainerInterface: "eth1"}, {Container: "b", ContainerInterface: "eth0"}}}
	s.Sort()
	var buf bytes.Buffer
	if err := Encode(&buf, s); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte("null")) {
		t.Errorf("snapshot JSON has null lists:\n%s", buf.String())
	}
	got, err := Decode(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := Encode(&again, got); err != nil {
		t.Fatal(err)
	}
	if again.String() != buf.String() {
		t.Errorf("round trip changed the snapshot")
	}
	var order []string
	for _, p := range got.Pairs {
		order = append(order, p.Container+":"+p.ContainerInterface+"/"+p.HostInterface)
	}
	if !slices.Equal(order, []string{"b:eth0/", "b:eth1/", ":/vethz"}) {
		t.Errorf("pairs order %v: by container, orphans last", order)
	}
	if got.Containers[0].Name != "a" {
		t.Errorf("containers not sorted by name")
	}
}

func filterFixture() *Snapshot {
	s := &Snapshot{
		SchemaVersion: SchemaVersion,
		Host:          Host{Uplink: "eth0", Namespace: "ns-1"},
		Containers: []Container{
			{Name: "web", ID: "aaaa1111", Namespace: "ns-2", Endpoints: []Endpoint{{Network: "bridge"}}},
			{Name: "side", ID: "bbbb2222", Namespace: "ns-2", SharesNamespaceWith: "web"},
			{Name: "db", ID: "cccc3333", Namespace: "ns-3", Endpoints: []Endpoint{{Network: "backend"}}},
			{Name: "mv", ID: "dddd4444", Namespace: "ns-4", Endpoints: []Endpoint{{Network: "macnet"}},
				Interfaces: []Interface{{Name: "eth0", Kind: KindMacvlan, Parent: "eth1"}}},
		},
		Networks: []Network{
			{Name: "bridge", ID: "n1", Bridge: "docker0"},
			{Name: "backend", ID: "n2", Bridge: "br-backend"},
			{Name: "macnet", ID: "n3", Parent: "eth1"},
		},
		Bridges: []Bridge{{Name: "docker0", Ports: []string{"vethw", "vetho"}}, {Name: "br-backend", Ports: []string{"vethd"}}},
		Interfaces: []Interface{
			{Name: "lo", Kind: KindLoopback}, {Name: "eth0", Kind: KindDevice}, {Name: "eth1", Kind: KindDevice},
			{Name: "docker0", Kind: KindBridge}, {Name: "br-backend", Kind: KindBridge},
			{Name: "vethw", Kind: KindVeth, Master: "docker0"}, {Name: "vethd", Kind: KindVeth, Master: "br-backend"},
			{Name: "vetho", Kind: KindVeth, Master: "docker0"},
		},
		Namespaces: []Namespace{{ID: "ns-1", Host: true}, {ID: "ns-2", Owner: "web"}, {ID: "ns-3", Owner: "db"}, {ID: "ns-4", Owner: "mv"}, {ID: "ns-9", Name: "blue"}},
		Pairs: []Pair{
			{Container: "web", HostInterface: "vethw", Bridge: "docker0", Network: "bridge", Namespace: "ns-2"},
			{Container: "db", HostInterface: "vethd", Bridge: "br-backend", Network: "backend", Namespace: "ns-3"},
			{HostInterface: "vetho", Bridge: "docker0", Network: "bridge", Namespace: "ns-9", NamespaceName: "blue"},
		},
	}
	s.Sort()
	return s
}

func names[T any](xs []T, f func(T) string) []string {
	var out []string
	for _, x := range xs {
		out = append(out, f(x))
	}
	slices.Sort(out)
	return out
}

func TestFilter(t *testing.T) {
	cname := func(c Container) string { return c.Name }
	pname := func(p Pair) string { return p.HostInterface }
	iname := func(i Interface) string { return i.Name }
	for _, tc := range []struct {
		f          Filter
		containers []string
		pairs      []string
		hostLinks  []string
	}{
		{Filter{Container: "side"}, []string{"side", "web"}, []string{"vethw"}, []string{"docker0", "eth0", "lo", "vethw"}},
		{Filter{Container: "web"}, []string{"side", "web"}, []string{"vethw"}, []string{"docker0", "eth0", "lo", "vethw"}},
		{Filter{Container: "cccc"}, []string{"db"}, []string{"vethd"}, []string{"br-backend", "eth0", "lo", "vethd"}},
		{Filter{Network: "bridge"}, []string{"side", "web"}, []string{"vethw", "vetho"}, []string{"docker0", "eth0", "lo", "vetho", "vethw"}},
		{Filter{Network: "macnet"}, []string{"mv"}, nil, []string{"eth0", "eth1", "lo"}},
		{Filter{Network: "backend", Container: "web"}, nil, nil, []string{"br-backend", "eth0", "lo"}},
	} {
		got, err := tc.f.Apply(filterFixture())
		if err != nil {
			t.Fatalf("%+v: %v", tc.f, err)
		}
		if c := names(got.Containers, cname); !slices.Equal(c, tc.containers) {
			t.Errorf("%+v: containers %v, want %v", tc.f, c, tc.containers)
		}
		want := slices.Clone(tc.pairs)
		slices.Sort(want)
		if p := names(got.Pairs, pname); !slices.Equal(p, want) {
			t.Errorf("%+v: pairs %v, want %v", tc.f, p, want)
		}
		if h := names(got.Interfaces, iname); !slices.Equal(h, tc.hostLinks) {
			t.Errorf("%+v: host links %v, want %v", tc.f, h, tc.hostLinks)
		}
	}
	orig := filterFixture()
	if _, err := (Filter{Network: "bridge"}).Apply(orig); err != nil || len(orig.Containers) != 4 || len(orig.Bridges[1].Ports) != 2 {
		t.Errorf("Apply changed its input")
	}
	for _, f := range []Filter{{Container: "ghost"}, {Network: "ghostnet"}, {Container: "aa"}} {
		_, err := f.Apply(filterFixture())
		if !errors.Is(err, ErrUnknownContainer) && !errors.Is(err, ErrUnknownNetwork) {
			t.Errorf("%+v: err = %v", f, err)
		}
	}
}

func TestNamespaceInterfacesWhereverTheyAreKept(t *testing.T) {
	s := filterFixture()
	s.Namespaces[4].Interfaces = []Interface{{Name: "eth0"}}
	if got := s.NamespaceInterfaces("ns-4"); len(got) != 1 || got[0].Kind != KindMacvlan {
		t.Errorf("container namespace: %+v", got)
	}
	if got := s.NamespaceInterfaces("ns-9"); len(got) != 1 {
		t.Errorf("orphan namespace: %+v", got)
	}
	if got := s.NamespaceInterfaces("ns-1"); len(got) != len(s.Interfaces) {
		t.Errorf("host namespace: %d interfaces", len(got))
	}
}
