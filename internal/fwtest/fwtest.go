// Package fwtest loads the recorded firewall fixtures that the tests of
// firewall, topo, diagnose, pathfind and cmd/netviz share: the gallery host
// with the IPv4 rules iptables-save printed on it, and the rule sets
// recorded from other Docker versions and from nft in
// inspect/netfilter/testdata.
package fwtest

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/netviz/netviz/inspect/netfilter"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/topo"
)

// here is this package's directory, whatever the caller's working directory.
func here() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

func read(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Tables parses a recorded iptables-save output from
// inspect/netfilter/testdata (e.g. "docker28-legacy.v4").
func Tables(t testing.TB, name string) []topo.Table {
	t.Helper()
	return parse(t, filepath.Join(here(), "..", "..", "inspect", "netfilter", "testdata", name))
}

func parse(t testing.TB, path string) []topo.Table {
	t.Helper()
	tables, err := netfilter.Parse(read(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tables
}

// Native parses a recorded `nft -j list ruleset` from
// inspect/netfilter/testdata and keeps the tables iptables-nft-save does
// not show, as the live reader does.
func Native(t testing.TB, name string) []topo.NftTable {
	t.Helper()
	path := filepath.Join(here(), "..", "..", "inspect", "netfilter", "testdata", name)
	tables, err := netfilter.ParseNft(read(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return slices.DeleteFunc(tables, func(t topo.NftTable) bool { return netfilter.IptablesNft(t.Family, t.Name) })
}

// HostRules are the IPv4 rules recorded on the gallery host (Docker 20.10,
// iptables-nft).
func HostRules(t testing.TB) []topo.Table {
	t.Helper()
	return parse(t, filepath.Join(here(), "testdata", "host.v4"))
}

// Host is the gallery host's snapshot with HostRules as its only rule set,
// in the nft backend, which is also the default and Docker's. Sysctls are
// left to the caller.
func Host(t testing.TB) *topo.Snapshot {
	t.Helper()
	s := rendertest.Load(t, filepath.Join(here(), "testdata", "host.json"))
	s.Firewall = topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendNft,
		RuleSets: []topo.RuleSet{{Backend: topo.BackendNft, Family: 4, Tables: HostRules(t)}}}
	return s
}
