package diagnose

import (
	"slices"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/topo"
)

// The gallery host with the rules Docker 25-27 program for it
// (inspect/netfilter/testdata/docker27-legacy.v4, legacy backend, with an
// nft backend that holds nothing) has no firewall finding; breaking those
// rules gives the finding.
func TestDocker27Rules(t *testing.T) {
	load := func(t *testing.T) *topo.Snapshot {
		s := healthy(t)
		tables := fwtest.Tables(t, "docker27-legacy.v4")
		s.Firewall = topo.Firewall{Default: topo.BackendNft, DockerBackend: topo.BackendLegacy, RuleSets: []topo.RuleSet{
			{Backend: topo.BackendLegacy, Family: 4, Tables: tables}, {Backend: topo.BackendNft, Family: 4}}}
		return s
	}
	firewall := []string{IPForwardDisabled, MissingMasquerade, ForwardDrop, PublishedPortMismatch, IptablesBackendSplit}
	var got []Finding
	for _, f := range Run(load(t)) {
		if slices.Contains(firewall, f.ID) {
			got = append(got, f)
		}
	}
	// Only the note that plain `iptables` (nft here) does not show Docker's rules.
	if len(got) != 1 || got[0].ID != IptablesBackendSplit || got[0].Severity != topo.SeverityInfo {
		t.Errorf("healthy Docker 27 rules:\n%s", dump(got))
	}

	for _, tc := range []struct {
		name    string
		inject  func(rs *topo.RuleSet)
		id      string
		subject []string
	}{
		{"no MASQUERADE for backend", func(rs *topo.RuleSet) {
			c, _ := rs.Chain("nat", "POSTROUTING")
			c.Rules = slices.DeleteFunc(c.Rules, func(r topo.Rule) bool { return r.Source == "172.30.0.0/24" })
		}, MissingMasquerade, []string{"backend", "172.30.0.0/24"}},
		{"stale DNAT", func(rs *topo.RuleSet) {
			c, _ := rs.Chain("nat", "DOCKER")
			c.Rules[len(c.Rules)-1].ToDestination = "172.17.0.9:80"
		}, PublishedPortMismatch, []string{"web1", "8080/tcp", "172.17.0.9"}},
		{"DOCKER-USER drops appnet", func(rs *topo.RuleSet) {
			c, _ := rs.Chain("filter", "DOCKER-USER")
			c.Rules = append([]topo.Rule{{Raw: "-i br-edf6ad18f54c -j DROP", In: "br-edf6ad18f54c", Target: "DROP"}}, c.Rules...)
		}, ForwardDrop, []string{"appnet", "DOCKER-USER"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t)
			rs, _ := s.Firewall.RuleSet(topo.BackendLegacy, 4)
			tc.inject(rs)
			if fs := Run(s); !has(fs, tc.id, tc.subject) {
				t.Errorf("no %s %v in\n%s", tc.id, tc.subject, dump(fs))
			}
		})
	}
}
