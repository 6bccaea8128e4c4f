package marks

import (
	"slices"
	"testing"

	"github.com/netviz/netviz/topo"
)

func TestPlaces(t *testing.T) {
	s := &topo.Snapshot{
		Host:       topo.Host{Uplink: "eth0"},
		Interfaces: []topo.Interface{{Name: "eth0"}, {Name: "docker0"}},
		Bridges:    []topo.Bridge{{Name: "docker0"}},
		Networks:   []topo.Network{{Name: "bridge", Bridge: "docker0"}},
		Containers: []topo.Container{{Name: "web", Interfaces: []topo.Interface{{Name: "eth0"}}}},
		Pairs:      []topo.Pair{{HostInterface: "veth1", Container: "web", ContainerInterface: "eth0"}},
	}
	m := New(s, []Problem{
		{ID: "a", Severity: Warning, Subject: []string{"web", "eth0"}}, // web's eth0, not the uplink
		{ID: "b", Severity: Error, Subject: []string{"eth0"}},          // the uplink
		{ID: "c", Severity: Error, Subject: []string{"bridge"}},        // a network: its bridge
		{ID: "d", Severity: Warning, Subject: []string{"web", "8080/tcp"}},
		{ID: "e", Severity: Error, Subject: []string{"net.ipv4.ip_forward"}},
		{ID: "f", Severity: "info", Subject: []string{"web"}},
	})
	ids := func(ix []int) []string {
		var out []string
		for _, p := range m.List(ix) {
			out = append(out, p.ID)
		}
		return out
	}
	// Errors first, in the order given, then warnings; info is dropped.
	var all []string
	for _, p := range m.Problems() {
		all = append(all, p.ID)
	}
	if want := []string{"b", "c", "e", "a", "d"}; !slices.Equal(all, want) {
		t.Fatalf("Problems = %q, want %q", all, want)
	}
	for _, tc := range []struct {
		what string
		got  []int
		want []string
	}{
		{"uplink", m.Host("eth0"), []string{"b"}},
		{"bridge", m.Host("docker0"), []string{"c"}},
		{"web:eth0", m.Link("web", "eth0"), []string{"a"}},
		{"web", m.Container("web"), []string{"d"}},
		{"web's undrawn links", m.Rest("web"), nil},
		{"the host", m.HostWide(), []string{"e"}},
	} {
		if got := ids(tc.got); !slices.Equal(got, tc.want) {
			t.Errorf("%s marked %q, want %q", tc.what, got, tc.want)
		}
	}
}

// A link of a container the view does not draw marks the container.
func TestRest(t *testing.T) {
	s := &topo.Snapshot{Containers: []topo.Container{{Name: "web", Interfaces: []topo.Interface{{Name: "eth1"}}}}}
	m := New(s, []Problem{{ID: "a", Severity: Error, Subject: []string{"web", "eth1"}}})
	if got := m.Rest("web"); len(got) != 1 || len(m.HostWide()) != 0 {
		t.Errorf("Rest = %v, want the problem of web:eth1 on web, none left for the host", got)
	}
}

func TestLines(t *testing.T) {
	ps := []Problem{{ID: "bridge-down", Severity: Error}, {ID: "veth-down", Severity: Error}, {ID: "veth-down", Severity: Error}, {ID: "mtu-mismatch", Severity: Warning}}
	got := Lines(ps, Glyph, 20)
	want := []Line{{Error, "✖ bridge-down"}, {Error, "✖ veth-down"}, {Warning, "⚠ mtu-mismatch"}}
	if !slices.Equal(got, want) {
		t.Errorf("Lines = %q, want %q", got, want)
	}
	if w := Worst(ps[2:]); w != Error {
		t.Errorf("Worst = %q", w)
	}
}
