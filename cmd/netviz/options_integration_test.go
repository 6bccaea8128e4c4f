package main

// Integration tests for the bridge driver options that change what Docker
// programs in the firewall: masquerading off, gateway modes,
// inter-container communication off, the default host address of
// published ports. Each checks doctor and path against real traffic.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/pathfind"
	"github.com/netviz/netviz/topo"
)

// A network whose masquerading is off on purpose: no missing-masquerade,
// and path's verdict matches a real connection to a listener outside,
// first with no route back to the network's subnet, then with one.
func TestIntegrationMasqueradeOff(t *testing.T) {
	for _, tc := range []struct {
		opt, value string
		since      int // the first Docker major version that has the option
	}{
		{topo.OptMasquerade, "false", 0},
		{topo.OptGatewayModeIPv4, topo.GatewayRouted, 27},
	} {
		t.Run(tc.opt+"="+tc.value, func(t *testing.T) {
			if e := dockertest.Engine(t); e.Major < tc.since {
				testenv.NotApplicable(t, "Docker %s has no %s (Docker %d added it)", e.Version, tc.opt, tc.since)
			}
			w := dockertest.New(t, "masq")
			n := w.Network("n", "-o", tc.opt+"="+tc.value)
			subnet := w.Docker("network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", n)
			c := w.Run("c", []string{"--network", n})
			addr := w.InspectContainer(c).NetworkSettings.Networks[n].IPAddress
			ns, _ := outsideNetns(t, w)

			if fs := about(doctorJSON(t, ""), n); slices.ContainsFunc(fs, func(f diagnose.Finding) bool { return f.ID == diagnose.MissingMasquerade }) {
				t.Errorf("missing-masquerade where it is off on purpose:\n%s", findingList(fs))
			}
			r := pathJSON(t, c, "203.0.113.2")
			t.Logf("path %s 203.0.113.2: %s: %s", c, r.Verdict, r.Reason)
			if slices.ContainsFunc(r.Hops, func(h pathfind.Hop) bool { return strings.Contains(h.At, "MASQUERADE") }) ||
				!strings.Contains(r.Reason, "with its own source address "+addr) || !strings.Contains(r.Reason, tc.opt+"="+tc.value) {
				t.Errorf("path %s 203.0.113.2: %s: %s\n%v", c, r.Verdict, r.Reason, r.Hops)
			}

			// Ground truth. Not masqueraded, so the outside cannot answer
			// until it has a route back to the subnet...
			if sendOut(t, ns, c) {
				t.Errorf("ground truth: %s connected out with no route back to %s: it was masqueraded", c, subnet)
			}
			ip(t, "-n", ns, "route", "add", subnet, "via", "203.0.113.1")
			// ...and then the connection works when path says reachable
			// (a slow listener on a loaded machine is not a verdict: try
			// again), and fails when path says Docker drops the replies.
			got := sendOut(t, ns, c) || sendOut(t, ns, c) || sendOut(t, ns, c)
			if want := r.Verdict == pathfind.Reachable; got != want {
				t.Errorf("ground truth: %s connected out with a route back: %v; path says %s: %s", c, got, r.Verdict, r.Reason)
			}
			if tc.value == topo.GatewayRouted && r.Verdict != pathfind.Reachable {
				t.Errorf("path %s 203.0.113.2 from a routed network: %s: %s", c, r.Verdict, r.Reason)
			}
		})
	}
}

// nat-unprotected is masqueraded as usual; doctor and path treat it so.
func TestIntegrationGatewayModeNATUnprotected(t *testing.T) {
	if e := dockertest.Engine(t); e.Major < 27 {
		testenv.NotApplicable(t, "Docker %s has no gateway modes (Docker 27 added them)", e.Version)
	}
	w := dockertest.New(t, "natu")
	n := w.Network("n", "-o", topo.OptGatewayModeIPv4+"="+topo.GatewayNATUnprotected)
	c := w.Run("c", []string{"--network", n})
	ns, _ := outsideNetns(t, w)
	if fs := about(doctorJSON(t, ""), n); slices.ContainsFunc(fs, func(f diagnose.Finding) bool { return f.ID == diagnose.MissingMasquerade }) {
		t.Errorf("missing-masquerade for nat-unprotected:\n%s", findingList(fs))
	}
	r := pathJSON(t, c, "203.0.113.2")
	if r.Verdict != pathfind.Reachable || !slices.ContainsFunc(r.Hops, func(h pathfind.Hop) bool { return h.At == "MASQUERADE as 203.0.113.1" }) {
		t.Errorf("path %s 203.0.113.2: %+v", c, r)
	}
	if !sendOut(t, ns, c) && !sendOut(t, ns, c) && !sendOut(t, ns, c) {
		t.Errorf("ground truth: %s could not connect out, but netviz says reachable", c)
	}
}

// enable_icc=false: containers of one network cannot talk to each other,
// and path says that is why, on every engine.
func TestIntegrationICCOff(t *testing.T) {
	w := dockertest.New(t, "icc")
	n := w.Network("n", "-o", topo.OptICC+"=false")
	httpd := []string{"sh", "-c", "busybox mkdir -p /www && echo netviz-ok > /www/index.html && exec httpd -f -p 80 -h /www"}
	a := w.Run("a", []string{"--network", n})
	b := w.Run("b", []string{"--network", n}, httpd...)
	bIP := w.InspectContainer(b).NetworkSettings.Networks[n].IPAddress
	time.Sleep(300 * time.Millisecond) // httpd binding
	r := pathJSON(t, a, b)
	if r.Verdict != pathfind.Blocked || !strings.Contains(r.Reason, "inter-container communication is off") {
		t.Errorf("path %s %s: %s: %s\n%v", a, b, r.Verdict, r.Reason, r.Hops)
	}
	if err := fetch(a, bIP); err == nil {
		t.Errorf("ground truth: %s fetched from %s with enable_icc=false", a, b)
	}
}

// host_binding_ipv4: a port published without an address is published on
// that one; netviz shows it there and doctor finds nothing wrong.
func TestIntegrationHostBinding(t *testing.T) {
	w := dockertest.New(t, "hbind")
	n := w.Network("n", "-o", topo.OptHostBindingIPv4+"=127.0.0.1")
	httpd := []string{"sh", "-c", "busybox mkdir -p /www && echo netviz-ok > /www/index.html && exec httpd -f -p 80 -h /www"}
	c := w.Run("c", []string{"--network", n, "-p", "80"}, httpd...)
	s := snapshotJSON(t)
	net, _ := s.Network(n)
	if net.Options[topo.OptHostBindingIPv4] != "127.0.0.1" {
		t.Errorf("network options %v", net.Options)
	}
	ct, _ := s.Container(c)
	if len(ct.Ports) == 0 || !slices.ContainsFunc(ct.Ports, func(p topo.Port) bool { return p.HostIP == "127.0.0.1" && p.ContainerPort == 80 }) {
		t.Fatalf("ports %+v, want 127.0.0.1:…->80", ct.Ports)
	}
	if fs := about(doctorJSON(t, ""), n, c); len(fs) > 0 {
		t.Errorf("findings:\n%s", findingList(fs))
	}
	var port int
	for _, p := range ct.Ports {
		if p.HostIP == "127.0.0.1" {
			port = p.HostPort
		}
	}
	dst := fmt.Sprintf("127.0.0.1:%d", port)
	if r := pathJSON(t, "host", dst); r.Verdict != pathfind.Reachable || !strings.Contains(r.Reason, c) {
		t.Errorf("path host %s: %s: %s", dst, r.Verdict, r.Reason)
	}
}
