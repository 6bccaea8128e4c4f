package topo

import (
	"slices"
	"testing"
)

func TestGlobalAddrs(t *testing.T) {
	got := GlobalAddrs([]string{"172.17.0.2/16", "fe80::42:acff:fe11:2/64", "fd00::2/64", "not an address"})
	if want := []string{"172.17.0.2/16", "fd00::2/64", "not an address"}; !slices.Equal(got, want) {
		t.Errorf("GlobalAddrs = %q, want %q", got, want)
	}
}
