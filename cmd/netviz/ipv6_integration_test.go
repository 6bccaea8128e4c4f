package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/pathfind"
	"github.com/netviz/netviz/topo"
)

// IPv6 out of a container, followed through the IPv6 routes and rules
// (ip6tables, or ip6 docker-bridges on Docker 29 with nftables), checked
// against a real connection over IPv6 to a listener outside that has a
// route back to the network: NAT66 where the engine does it (Docker 27
// and later), the container's own address where it does not (20.10).
func TestIntegrationPathIPv6(t *testing.T) {
	w := dockertest.New(t, "six")
	subnet := dockertest.FreeSubnet6(t).String()
	n := w.Network("n", "--ipv6", "--subnet", subnet)
	c := w.Run("c", []string{"--network", n})
	ns, link := outsideNetns(t, w)
	ip(t, "-6", "addr", "add", "2001:db8:113::1/64", "dev", link, "nodad")
	ip(t, "-n", ns, "-6", "addr", "add", "2001:db8:113::2/64", "dev", "eth0", "nodad")
	ip(t, "-n", ns, "-6", "route", "add", subnet, "via", "2001:db8:113::1")

	r := pathJSON(t, c, "2001:db8:113::2")
	if r.Verdict == pathfind.Unknown || !slices.ContainsFunc(r.Hops, func(h pathfind.Hop) bool { return h.At == link }) && r.Verdict == pathfind.Reachable {
		t.Errorf("path %s 2001:db8:113::2: %s: %s\n%v", c, r.Verdict, r.Reason, r.Hops)
	}
	masq := slices.ContainsFunc(r.Hops, func(h pathfind.Hop) bool { return h.At == "MASQUERADE as 2001:db8:113::1" })
	if dockertest.Engine(t).Major >= 27 && r.Verdict == pathfind.Reachable && !masq {
		t.Errorf("path %s 2001:db8:113::2: no NAT66 on Docker %s: %v", c, dockertest.Engine(t).Version, r.Hops)
	}
	got := sendOutTo(t, ns, c, "2001:db8:113::2") || sendOutTo(t, ns, c, "2001:db8:113::2") || sendOutTo(t, ns, c, "2001:db8:113::2")
	if want := r.Verdict == pathfind.Reachable; got != want {
		t.Errorf("ground truth: %s connected over IPv6: %v; path says %s: %s", c, got, r.Verdict, r.Reason)
	}
	t.Logf("path %s 2001:db8:113::2: %s: %s", c, r.Verdict, r.Reason)
	// What gets out is not reported dropped.
	if fs := about(doctorJSON(t, ""), n); got && slices.ContainsFunc(fs, func(f diagnose.Finding) bool {
		return f.ID == diagnose.ForwardDrop && strings.HasPrefix(f.Message, "IPv6") && f.Severity != topo.SeverityInfo
	}) {
		t.Errorf("forward-drop for IPv6 traffic that gets out:\n%s", findingList(fs))
	}
}
