package diagnose

import (
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/topo"
)

// Docker source-NATs a network created with -o
// com.docker.network.host_ipv4=ADDR with SNAT, not MASQUERADE: that is not
// a missing masquerade.
func TestSNATIsNotMissingMasquerade(t *testing.T) {
	s := healthy(t)
	c := chainOf(s, "nat", "POSTROUTING")
	for i, r := range c.Rules {
		if r.Source == "172.20.0.0/16" && r.Target == "MASQUERADE" {
			c.Rules[i] = topo.Rule{Raw: "-s 172.20.0.0/16 ! -o br-edf6ad18f54c -j SNAT --to-source 192.0.2.2",
				Source: "172.20.0.0/16", Out: "!br-edf6ad18f54c", Target: "SNAT"}
		}
	}
	if fs := Run(s); has(fs, MissingMasquerade, []string{"appnet", "172.20.0.0/16"}) {
		t.Errorf("SNAT taken for a missing MASQUERADE:\n%s", dump(fs))
	}
}

// A network whose masquerading is off on purpose has no MASQUERADE rule,
// as Docker meant: no finding, whichever option turned it off; a network
// with nat-unprotected is masqueraded and still checked.
func TestMasqueradeOffOnPurpose(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		want       bool
	}{
		{topo.OptMasquerade, "false", false},
		{topo.OptGatewayModeIPv4, topo.GatewayRouted, false},
		{topo.OptGatewayModeIPv4, topo.GatewayIsolated, false},
		{topo.OptGatewayModeIPv4, topo.GatewayNATUnprotected, true},
		{topo.OptGatewayModeIPv6, topo.GatewayRouted, true}, // IPv4 is still NATed
		{topo.OptMasquerade, "true", true},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			s := healthy(t)
			c := chainOf(s, "nat", "POSTROUTING")
			c.Rules = slices.DeleteFunc(c.Rules, func(r topo.Rule) bool { return r.Source == "172.20.0.0/16" })
			n, _ := s.Network("appnet")
			n.Options = map[string]string{tc.key: tc.value}
			if got := has(Run(s), MissingMasquerade, []string{"appnet", "172.20.0.0/16"}); got != tc.want {
				t.Errorf("missing-masquerade %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWithin(t *testing.T) {
	s := healthy(t)
	iface(s, "br-edf6ad18f54c").Up = false // appnet's bridge
	iface(s, "veth7db0765").Up = false     // db's, on backend
	s.Sysctls[topo.SysctlIPForward] = "0"
	s.Routes = slices.DeleteFunc(s.Routes, func(r topo.Route) bool { return r.Dst == "default" })
	dnat := chainOf(s, "nat", "DOCKER")
	dnat.Rules[len(dnat.Rules)-1].ToDestination = "172.30.0.9:80" // an address on backend no one has
	all := Run(s)

	sub, err := topo.Filter{Network: "backend"}.Apply(s)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range Within(all, sub) {
		got = append(got, f.ID+":"+strings.Join(f.SubjectNames(), ","))
	}
	want := []string{
		"ip-forward-disabled:net.ipv4.ip_forward",
		"published-port-mismatch:web1,8080/tcp,172.30.0.9",
		"veth-down:db,veth7db0765",
		"mtu-mismatch:br-backend,eth0",
		"no-default-route:host",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings about network backend:\n got %q\nwant %q\nof all:\n%s", got, want, dump(all))
	}
}

// A container whose MTU is above its bridge's raised it itself: the fix is
// inside the container, not a network option (and the default bridge
// cannot be recreated at all).
func TestMTUFixForAContainer(t *testing.T) {
	s := healthy(t)
	c, _ := s.Container("web1")
	c.Interfaces[1].MTU = 9000
	for _, f := range Run(s) {
		if f.ID == MTUMismatch && slices.Equal(f.SubjectNames(), []string{"web1:eth0", "eth0"}) {
			if want := "nsenter -t $(docker inspect -f '{{.State.Pid}}' web1) -n ip link set eth0 mtu 1400"; !strings.HasPrefix(f.Fix, want) {
				t.Errorf("fix %q, want %q…", f.Fix, want)
			}
			return
		}
	}
	t.Error("no mtu-mismatch for web1")
}
