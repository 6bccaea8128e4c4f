package topo_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/topo"
)

// The native tables survive a snapshot's round trip, and an older snapshot
// without them reads as none.
func TestNftablesRoundTrip(t *testing.T) {
	s := topo.Snapshot{SchemaVersion: topo.SchemaVersion, Firewall: topo.Firewall{Nftables: fwtest.Native(t, "nft-forward-accepts-docker.json")}}
	b, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := topo.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := back.Firewall.Nftables[0].Chains[1]
	if c.Name != "forward" || c.Hook != "forward" || c.Policy != "DROP" || len(c.Rules) != 8 || c.Rules[3].In != "docker0" {
		t.Errorf("forward chain after a round trip: %+v", c)
	}
	old, err := topo.Decode(bytes.NewReader([]byte(`{"schemaVersion": 1, "firewall": {"ruleSets": []}}`)))
	if err != nil || old.Firewall.Nftables == nil || len(old.Firewall.Nftables) != 0 {
		t.Errorf("older snapshot: %v %#v", err, old.Firewall.Nftables)
	}
}
