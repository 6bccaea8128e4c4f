package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/pathfind"
	"github.com/netviz/netviz/topo"
)

// A rule netviz cannot evaluate (a mark) on the way out: path says
// unknown and names it, forward-drop says it met it; the connection
// itself goes through (nothing marks the packet), which is why neither
// may say blocked.
func TestIntegrationRulesNetvizCannotEvaluate(t *testing.T) {
	w := dockertest.New(t, "unk")
	n := w.Network("n")
	br := bridgeOf(w, n)
	c := w.Run("c", []string{"--network", n})
	ns, _ := outsideNetns(t, w)

	// In DOCKER-USER, or, on Docker 29 with nftables (no DOCKER-USER), in a
	// table of one's own on the forward hook; removed in cleanup.
	// nft prints the rule back in its own words (the mark's notation
	// varies), so only what names it is checked there.
	rule := `iifname "` + br + `"`
	if dockertest.Engine(t).FirewallBackend == "nftables" {
		table := w.Prefix + "-mark"
		for _, args := range [][]string{
			{"add", "table", "inet", table},
			{"add", "chain", "inet", table, "forward", "{ type filter hook forward priority filter; policy accept; }"},
			{"add", "rule", "inet", table, "forward", "iifname", br, "meta", "mark", "0x1", "drop"},
		} {
			if out, err := exec.Command("nft", args...).CombinedOutput(); err != nil {
				t.Fatalf("nft %v: %v: %s", args, err, out)
			}
		}
		t.Cleanup(func() { _ = exec.Command("nft", "delete", "table", "inet", table).Run() })
	} else {
		args := []string{"DOCKER-USER", "-i", br, "-m", "mark", "--mark", "0x1", "-j", "DROP"}
		rule = "-A DOCKER-USER -i " + br + " -m mark --mark 0x1 -j DROP"
		if out, err := exec.Command("iptables", append([]string{"-I"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("iptables -I %v: %v: %s", args, err, out)
		}
		t.Cleanup(func() { _ = exec.Command("iptables", append([]string{"-D"}, args...)...).Run() })
	}

	r := pathJSON(t, c, "203.0.113.2")
	if r.Verdict != pathfind.Unknown || !strings.Contains(r.Reason, "cannot evaluate the rule `"+rule) || !strings.Contains(r.Reason, "mark") {
		t.Errorf("path %s 203.0.113.2: %s: %s, want unknown naming `%s`", c, r.Verdict, r.Reason, rule)
	}
	fs := about(doctorJSON(t, ""), n)
	if !slices.ContainsFunc(fs, func(f diagnose.Finding) bool {
		return f.ID == diagnose.ForwardDrop && f.Severity == topo.SeverityInfo && strings.Contains(f.Message, "`"+rule) && strings.Contains(f.Message, "mark")
	}) {
		t.Errorf("no forward-drop info naming `%s`:\n%s", rule, findingList(fs))
	}
	if !sendOut(t, ns, c) && !sendOut(t, ns, c) && !sendOut(t, ns, c) {
		t.Errorf("ground truth: %s could not connect out past a rule for marked packets", c)
	}
}
