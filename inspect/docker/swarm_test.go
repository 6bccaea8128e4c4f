package docker

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/swarm"

	"github.com/netviz/netviz/topo"
)

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "swarm-28.5.2", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestSwarmNodeFromInfo(t *testing.T) {
	var info struct{ Swarm swarm.Info }
	readJSON(t, "info-swarm.json", &info)
	n := swarmNode(info.Swarm)
	if n.NodeID == "" || n.Addr != "10.251.77.2" || !n.Manager || n.State != "active" || n.Nodes != 1 || n.Managers != 1 || n.ClusterID == "" {
		t.Errorf("swarm node = %+v", n)
	}
	if n.VXLANPort() != topo.DefaultVXLANPort {
		t.Errorf("VXLAN port = %d, want the default", n.VXLANPort())
	}
}

func TestServiceVIPs(t *testing.T) {
	var services []swarm.Service
	readJSON(t, "services.json", &services)
	byName := map[string]swarm.Service{}
	for _, s := range services {
		byName[s.Spec.Name] = s
	}
	var ovnet, ingress network.Inspect
	readJSON(t, "network-ovnet1-verbose.json", &ovnet)
	readJSON(t, "network-ingress-verbose.json", &ingress)

	got := networkVIPs(ovnet, byName)
	// The "" entry (attachable containers, no VIP) is not a service.
	if len(got) != 1 || got[0].Service != "web" || got[0].ServiceID != byName["web"].ID || got[0].VIP != "10.0.1.5/24" ||
		!slices.Equal(got[0].Tasks, []string{"10.0.1.6"}) || len(got[0].Ports) != 0 {
		t.Errorf("ovnet1 VIPs = %+v", got)
	}
	got = networkVIPs(ingress, byName)
	want := []topo.ServicePort{{Published: 8080, Target: 80, Protocol: "tcp", Mode: "ingress"}}
	if len(got) != 1 || got[0].VIP != "10.0.0.3/24" || !slices.Equal(got[0].Ports, want) {
		t.Errorf("ingress VIPs = %+v, want web's VIP with ports %+v", got, want)
	}
	// A worker cannot list services: the VIPs and tasks are still known.
	got = networkVIPs(ingress, nil)
	if len(got) != 1 || got[0].VIP != "10.0.0.3/24" || got[0].ServiceID != "" || len(got[0].Ports) != 0 {
		t.Errorf("ingress VIPs on a worker = %+v", got)
	}
	if got := networkVIPs(ovnet, byName); got[0].EndpointMode != "vip" {
		t.Errorf("web's endpoint mode = %q, want vip", got[0].EndpointMode)
	}
	// A dnsrr service: no VIP in the network's service table, the mode
	// from the service's spec (on a manager).
	web := byName["web"]
	spec := *web.Spec.EndpointSpec
	spec.Mode = swarm.ResolutionModeDNSRR
	web.Spec.EndpointSpec, web.Endpoint.VirtualIPs = &spec, nil
	byName["web"] = web
	si := ovnet.Services["web"]
	si.VIP = ""
	ovnet.Services = map[string]network.ServiceInfo{"web": si}
	got = networkVIPs(ovnet, byName)
	if len(got) != 1 || got[0].VIP != "" || got[0].EndpointMode != topo.EndpointDNSRR || !slices.Equal(got[0].Tasks, []string{"10.0.1.6"}) {
		t.Errorf("dnsrr web = %+v", got)
	}
}
