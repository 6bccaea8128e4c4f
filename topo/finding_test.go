package topo

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestRefTellsUplinkFromContainerLink(t *testing.T) {
	s := &Snapshot{
		Host:       Host{Namespace: "ns-1", Uplink: "eth0"},
		Containers: []Container{{Name: "web1", Namespace: "ns-2"}, {Name: "side", Namespace: "ns-2", SharesNamespaceWith: "web1"}},
	}
	up := s.HostInterfaceRef("eth0")
	in := s.ContainerInterfaceRef("web1", "eth0")
	side := s.ContainerInterfaceRef("side", "eth0")
	if up == in {
		t.Fatal("the uplink and web1's eth0 are the same ref")
	}
	if !up.InHost("ns-1") || in.InHost("ns-1") {
		t.Errorf("InHost: uplink %v, web1:eth0 %v; want true, false", up.InHost("ns-1"), in.InHost("ns-1"))
	}
	if in.Namespace != "ns-2" || side.Namespace != "ns-2" {
		t.Errorf("namespaces %q %q, want ns-2 for both (side shares web1's)", in.Namespace, side.Namespace)
	}
	if got := []string{up.String(), in.String(), HostRef().String()}; !slices.Equal(got, []string{"eth0", "web1:eth0", "host"}) {
		t.Errorf("String() = %q", got)
	}
}

func TestFindingJSONAndOrder(t *testing.T) {
	fs := []Finding{
		{ID: "mtu-mismatch", Severity: SeverityWarning, Subject: []Ref{BridgeRef("docker0")}},
		{ID: "bridge-down", Severity: SeverityInfo, Subject: []Ref{BridgeRef("br-a")}},
		{ID: "veth-down", Severity: SeverityError, Subject: []Ref{ContainerRef("b")}},
		{ID: "veth-down", Severity: SeverityError, Subject: []Ref{ContainerRef("a")}},
	}
	slices.SortFunc(fs, CompareFindings)
	var got []string
	for _, f := range fs {
		got = append(got, f.ID+" "+f.SubjectNames()[0])
	}
	want := []string{"veth-down a", "veth-down b", "mtu-mismatch docker0", "bridge-down br-a"}
	if !slices.Equal(got, want) {
		t.Errorf("order %q, want %q", got, want)
	}
	b, err := json.Marshal(Finding{ID: "x", Severity: SeverityError, Subject: []Ref{{Kind: RefInterface, Name: "eth0", Namespace: "ns-2", Container: "web1"}}})
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"id":"x","severity":"error","subject":[{"kind":"interface","name":"eth0","namespace":"ns-2","container":"web1"}],"message":"","fix":""}`
	if string(b) != wantJSON {
		t.Errorf("JSON\n got %s\nwant %s", b, wantJSON)
	}
}
