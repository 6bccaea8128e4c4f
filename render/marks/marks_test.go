package marks

import (
	"slices"
	"testing"

	"github.com/netviz/netviz/topo"
)

func TestPlaces(t *testing.T) {
	const hostNS, webNS = "ns-1", "ns-2"
	s := &topo.Snapshot{
		Host:       topo.Host{Uplink: "eth0", Namespace: hostNS},
		Interfaces: []topo.Interface{{Name: "eth0"}, {Name: "docker0"}},
		Bridges:    []topo.Bridge{{Name: "docker0"}},
		Networks:   []topo.Network{{Name: "bridge", Bridge: "docker0"}, {Name: "host"}},
		Containers: []topo.Container{{Name: "web", Namespace: webNS, Interfaces: []topo.Interface{{Name: "eth0"}}}},
		Pairs:      []topo.Pair{{HostInterface: "veth1", Container: "web", ContainerInterface: "eth0"}},
	}
	m := New(s, []topo.Finding{
		{ID: "a", Severity: topo.SeverityWarning, Subject: []topo.Ref{s.ContainerInterfaceRef("web", "eth0")}}, // web's eth0, not the uplink
		{ID: "b", Severity: topo.SeverityError, Subject: []topo.Ref{s.HostInterfaceRef("eth0")}},               // the uplink
		{ID: "c", Severity: topo.SeverityError, Subject: []topo.Ref{topo.NetworkRef("bridge")}},                // a network: its bridge
		{ID: "d", Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.ContainerRef("web"), topo.PortRef("8080/tcp")}},
		{ID: "e", Severity: topo.SeverityError, Subject: []topo.Ref{topo.SettingRef(topo.SysctlIPForward), topo.NetworkRef("host")}},
		{ID: "f", Severity: topo.SeverityInfo, Subject: []topo.Ref{topo.ContainerRef("web")}},
		{ID: "g", Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.BridgeRef("docker0"), {Kind: topo.RefInterface, Name: "eth0", Namespace: webNS}}},
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
	if want := []string{"b", "c", "e", "a", "d", "g"}; !slices.Equal(all, want) {
		t.Fatalf("Problems = %q, want %q", all, want)
	}
	for _, tc := range []struct {
		what string
		got  []int
		want []string
	}{
		{"uplink", m.Host("eth0"), []string{"b"}},
		{"bridge", m.Host("docker0"), []string{"c", "g"}},
		{"web:eth0", m.Link("web", "eth0"), []string{"a"}},
		{"web", m.Container("web"), []string{"d"}},
		{"web's undrawn links", m.Rest("web"), nil},
		// An interface in a namespace no container is named for marks no
		// link; a network without a bridge marks none either.
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
	m := New(s, []topo.Finding{{ID: "a", Severity: topo.SeverityError, Subject: []topo.Ref{s.ContainerInterfaceRef("web", "eth1")}}})
	if got := m.Rest("web"); len(got) != 1 || len(m.HostWide()) != 0 {
		t.Errorf("Rest = %v, want the finding about web:eth1 on web, none left for the host", got)
	}
}

func TestLines(t *testing.T) {
	ps := []topo.Finding{{ID: "bridge-down", Severity: topo.SeverityError}, {ID: "veth-down", Severity: topo.SeverityError},
		{ID: "veth-down", Severity: topo.SeverityError}, {ID: "mtu-mismatch", Severity: topo.SeverityWarning}}
	got := Lines(ps, Glyph, 20)
	want := []Line{{topo.SeverityError, "✖ bridge-down"}, {topo.SeverityError, "✖ veth-down"}, {topo.SeverityWarning, "⚠ mtu-mismatch"}}
	if !slices.Equal(got, want) {
		t.Errorf("Lines = %q, want %q", got, want)
	}
	if w := Worst(ps[2:]); w != topo.SeverityError {
		t.Errorf("Worst = %q", w)
	}
}

// On a Swarm node: a finding about an overlay network marks the overlay,
// one about a link in Docker's own namespace (a sandbox's vxlan0) marks
// that link, and neither is taken by a host link of the same name.
func TestPlacesOnSwarmNode(t *testing.T) {
	const hostNS, sandboxNS = "ns-1", "ns-3"
	s := &topo.Snapshot{
		Host:       topo.Host{Uplink: "eth0", Namespace: hostNS},
		Interfaces: []topo.Interface{{Name: "eth0"}, {Name: "vxlan0"}},
		Networks:   []topo.Network{{Name: "appnet", Driver: topo.DriverOverlay}, {Name: "elsewhere", Driver: topo.DriverOverlay}},
		Overlays:   []topo.Overlay{{Network: "appnet", Namespace: sandboxNS, VXLAN: topo.VXLAN{Name: "vxlan0"}}},
	}
	m := New(s, []topo.Finding{
		{ID: "overlay-mtu", Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.NetworkRef("appnet"), s.HostInterfaceRef("eth0")}},
		{ID: "vxlan", Severity: topo.SeverityError, Subject: []topo.Ref{{Kind: topo.RefInterface, Name: "vxlan0", Namespace: sandboxNS}}},
		// An overlay this node holds no sandbox of: nothing drawn, the host.
		{ID: "overlay-partitioned", Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.NetworkRef("elsewhere")}},
	})
	ids := func(ix []int) []string {
		var out []string
		for _, f := range m.List(ix) {
			out = append(out, f.ID)
		}
		return out
	}
	if got := ids(m.Host("vxlan0")); len(got) != 0 {
		t.Errorf("the host's vxlan0 took %v", got)
	}
	if got := ids(m.Overlay("appnet")); !slices.Equal(got, []string{"overlay-mtu"}) {
		t.Errorf("appnet: %v", got)
	}
	if got := ids(m.Host("eth0")); !slices.Equal(got, []string{"overlay-mtu"}) {
		t.Errorf("uplink: %v", got)
	}
	if got := ids(m.Namespaced(sandboxNS, "vxlan0")); !slices.Equal(got, []string{"vxlan"}) {
		t.Errorf("sandbox vxlan0: %v", got)
	}
	if got := ids(m.HostWide()); !slices.Equal(got, []string{"overlay-partitioned"}) {
		t.Errorf("host-wide: %v", got)
	}
}
