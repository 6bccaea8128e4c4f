package diagnose

import (
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
