package topo

import (
	"slices"
	"testing"
)

// A filter on one overlay network keeps that overlay, the sandbox its
// containers' legs are in, and the IPVS services of the namespaces kept.
func TestFilterKeepsOverlay(t *testing.T) {
	s := &Snapshot{
		Host: Host{Namespace: "ns-1"},
		Containers: []Container{
			{Name: "a", Namespace: "ns-10", State: StateRunning, Endpoints: []Endpoint{{Network: "ova"}}},
			{Name: "b", Namespace: "ns-11", State: StateRunning, Endpoints: []Endpoint{{Network: "ovb"}}},
		},
		Networks: []Network{{Name: "ova", ID: "aaa", Driver: DriverOverlay}, {Name: "ovb", ID: "bbb", Driver: DriverOverlay}},
		Namespaces: []Namespace{{ID: "ns-1", Host: true}, {ID: "ns-10"}, {ID: "ns-11"},
			{ID: "ns-20", Name: "1-aaa", Role: RoleOverlaySandbox}, {ID: "ns-21", Name: "1-bbb", Role: RoleOverlaySandbox},
			{ID: "ns-22", Name: "lb_aaa", Role: RoleLoadBalancer}},
		Pairs: []Pair{
			{Container: "a", Namespace: "ns-10", HostNamespace: "ns-20", HostInterface: "veth0", Bridge: "br0", Network: "ova"},
			{Container: "b", Namespace: "ns-11", HostNamespace: "ns-21", HostInterface: "veth0", Bridge: "br0", Network: "ovb"},
			{Sandbox: "lb_aaa", Namespace: "ns-22", HostNamespace: "ns-20", HostInterface: "veth1", Bridge: "br0", Network: "ova"},
		},
		Overlays: []Overlay{{Network: "ova", NetworkID: "aaa", Namespace: "ns-20"}, {Network: "ovb", NetworkID: "bbb", Namespace: "ns-21"}},
		IPVS:     []VirtualService{{Namespace: "ns-22", FWMark: 257}, {Namespace: "ns-21", FWMark: 258}},
	}
	out, err := Filter{Network: "ova"}.Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Overlays) != 1 || out.Overlays[0].Network != "ova" {
		t.Errorf("overlays = %+v", out.Overlays)
	}
	var ids []string
	for _, ns := range out.Namespaces {
		ids = append(ids, ns.ID)
	}
	if !slices.Equal(ids, []string{"ns-1", "ns-10", "ns-20", "ns-22"}) {
		t.Errorf("namespaces = %v, want the host, a's, ova's sandbox and its load balancer", ids)
	}
	if len(out.IPVS) != 1 || out.IPVS[0].FWMark != 257 {
		t.Errorf("ipvs = %+v", out.IPVS)
	}
}
