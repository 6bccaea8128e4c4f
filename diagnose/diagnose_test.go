package diagnose

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/topo"
)

// healthy is the recorded gallery host (Docker 20.10, nft) with the rules
// iptables-save printed on it.
func healthy(t *testing.T) *topo.Snapshot {
	s := fwtest.Host(t)
	s.Firewall.RuleSets = append([]topo.RuleSet{{Backend: topo.BackendLegacy, Family: 4}}, s.Firewall.RuleSets...)
	s.Sysctls = map[string]string{topo.SysctlIPForward: "1", topo.ForwardingSysctl("docker0"): "1", topo.ForwardingSysctl("eth0"): "1"}
	return s
}

func TestHealthyHostHasNoErrors(t *testing.T) {
	fs := Run(healthy(t))
	if HasErrors(fs) {
		t.Errorf("errors on a healthy host: %+v", fs)
	}
	// What is really odd about the recorded host: a hand-made veth on
	// docker0, and an uplink MTU of 1400 under 1500-byte bridges.
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.ID+":"+strings.Join(f.SubjectNames(), ","))
	}
	for _, want := range []string{"orphan-veth:vethblue,docker0", "mtu-mismatch:docker0,eth0"} {
		if !slices.Contains(ids, want) {
			t.Errorf("missing %s in %v", want, ids)
		}
	}
}

func iface(s *topo.Snapshot, name string) *topo.Interface {
	i, _ := s.HostInterface(name)
	return i
}

func chainOf(s *topo.Snapshot, table, name string) *topo.Chain {
	rs, _ := s.Firewall.RuleSet(topo.BackendNft, 4)
	c, _ := rs.Chain(table, name)
	return c
}

func TestEachCheckFindsItsFault(t *testing.T) {
	for _, tc := range []struct {
		id       string
		subject  []string
		severity topo.Severity
		inject   func(s *topo.Snapshot)
	}{
		{IPForwardDisabled, []string{topo.SysctlIPForward}, topo.SeverityError, func(s *topo.Snapshot) { s.Sysctls[topo.SysctlIPForward] = "0" }},
		{IPForwardDisabled, []string{"docker0", "net.ipv4.conf.docker0.forwarding"}, topo.SeverityError, func(s *topo.Snapshot) { s.Sysctls[topo.ForwardingSysctl("docker0")] = "0" }},
		{BridgeDown, []string{"br-backend", "backend"}, topo.SeverityError, func(s *topo.Snapshot) { iface(s, "br-backend").Up = false }},
		{VethNoMaster, []string{"db", "veth7db0765", "br-backend"}, topo.SeverityError, func(s *topo.Snapshot) {
			for i := range s.Pairs {
				if s.Pairs[i].HostInterface == "veth7db0765" {
					s.Pairs[i].Bridge = ""
				}
			}
		}},
		{VethDown, []string{"web1", "vetha87bbed"}, topo.SeverityError, func(s *topo.Snapshot) { iface(s, "vetha87bbed").Up = false }},
		{VethDown, []string{"db:eth0"}, topo.SeverityError, func(s *topo.Snapshot) {
			c, _ := s.Container("db")
			c.Interfaces[1].Up = false
		}},
		{OrphanVeth, []string{"vethblue", "docker0"}, topo.SeverityWarning, func(*topo.Snapshot) {}},
		{EndpointWithoutInterface, []string{"api", "backend"}, topo.SeverityError, func(s *topo.Snapshot) {
			c, _ := s.Container("api")
			c.Interfaces = slices.DeleteFunc(c.Interfaces, func(i topo.Interface) bool { return i.Name == "eth1" })
		}},
		{MTUMismatch, []string{"br-backend", "eth0"}, topo.SeverityWarning, func(*topo.Snapshot) {}},
		{MTUMismatch, []string{"web1:eth0", "eth0"}, topo.SeverityWarning, func(s *topo.Snapshot) {
			c, _ := s.Container("web1")
			c.Interfaces[1].MTU = 9000
		}},
		{SubnetOverlap, []string{"appnet", "backend"}, topo.SeverityError, func(s *topo.Snapshot) {
			n, _ := s.Network("backend")
			n.Subnets[0].Subnet = "172.20.5.0/24"
		}},
		{SubnetOverlap, []string{"bridge", "172.16.0.0/12 dev tun0"}, topo.SeverityError, func(s *topo.Snapshot) {
			s.Routes = append(s.Routes, topo.Route{Dst: "172.16.0.0/12", Interface: "tun0", Family: 4})
		}},
		{MissingMasquerade, []string{"appnet", "172.20.0.0/16"}, topo.SeverityWarning, func(s *topo.Snapshot) {
			c := chainOf(s, "nat", "POSTROUTING")
			c.Rules = slices.DeleteFunc(c.Rules, func(r topo.Rule) bool { return r.Source == "172.20.0.0/16" })
		}},
		{ForwardDrop, []string{"appnet", "FORWARD"}, topo.SeverityError, func(s *topo.Snapshot) {
			c := chainOf(s, "filter", "FORWARD")
			c.Rules = slices.DeleteFunc(c.Rules, func(r topo.Rule) bool { return r.In == "br-edf6ad18f54c" })
		}},
		{ForwardDrop, []string{"bridge", "DOCKER-USER"}, topo.SeverityError, func(s *topo.Snapshot) {
			c := chainOf(s, "filter", "DOCKER-USER")
			c.Rules = append([]topo.Rule{{Raw: "-i docker0 -j DROP", In: "docker0", Target: "DROP"}}, c.Rules...)
		}},
		{PublishedPortMismatch, []string{"web1", "8080/tcp", "172.17.0.9"}, topo.SeverityError, func(s *topo.Snapshot) {
			c := chainOf(s, "nat", "DOCKER")
			c.Rules[len(c.Rules)-1].ToDestination = "172.17.0.9:80"
		}},
		{IptablesBackendSplit, []string{"iptables-legacy", "iptables-nft"}, topo.SeverityError, func(s *topo.Snapshot) {
			s.Firewall.RuleSets[0].Tables = []topo.Table{{Name: "filter", Chains: []topo.Chain{{Name: "FORWARD", Policy: "DROP"}}}}
		}},
		{IptablesBackendSplit, []string{"iptables-legacy", "iptables-nft"}, topo.SeverityInfo, func(s *topo.Snapshot) { s.Firewall.Default = topo.BackendLegacy }},
		{NoDefaultRoute, []string{"host"}, topo.SeverityWarning, func(s *topo.Snapshot) {
			s.Routes = slices.DeleteFunc(s.Routes, func(r topo.Route) bool { return r.Dst == "default" })
		}},
	} {
		t.Run(tc.id+"/"+strings.Join(tc.subject, ","), func(t *testing.T) {
			s := healthy(t)
			before := Run(s)
			if has(before, tc.id, tc.subject) && tc.severity == topo.SeverityError {
				t.Fatalf("%s %v before the fault", tc.id, tc.subject)
			}
			tc.inject(s)
			after := Run(s)
			var got *Finding
			for i := range after {
				if after[i].ID == tc.id && slices.Equal(after[i].SubjectNames(), tc.subject) {
					got = &after[i]
				}
			}
			if got == nil {
				t.Fatalf("no %s %v in\n%s", tc.id, tc.subject, dump(after))
			}
			if got.Severity != tc.severity || got.Message == "" || got.Fix == "" {
				t.Errorf("finding %+v", *got)
			}
		})
	}
}

func has(fs []Finding, id string, subject []string) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.ID == id && slices.Equal(f.SubjectNames(), subject) })
}

func dump(fs []Finding) string {
	b, _ := json.MarshalIndent(fs, "", "  ")
	return string(b)
}

func TestNoFirewallNoFirewallFindings(t *testing.T) {
	s := healthy(t)
	s.Firewall = topo.Firewall{}
	s.Sysctls = map[string]string{}
	for _, f := range Run(s) {
		switch f.ID {
		case MissingMasquerade, ForwardDrop, PublishedPortMismatch, IptablesBackendSplit, IPForwardDisabled:
			t.Errorf("without rules or sysctls: %+v", f)
		}
	}
}

// Subjects say what each name is: the uplink eth0 and a container's eth0
// are different objects in different namespaces.
func TestSubjectsAreTyped(t *testing.T) {
	s := healthy(t)
	web1, _ := s.Container("web1")
	web1.Interfaces[1].MTU = 9000
	for _, f := range Run(s) {
		if f.ID != MTUMismatch || f.Subject[0].Kind != topo.RefInterface {
			continue
		}
		in, up := f.Subject[0], f.Subject[1]
		if in.Container != "web1" || in.Name != "eth0" || in.Namespace != web1.Namespace || in.InHost(s.Host.Namespace) {
			t.Errorf("container side %+v, want web1's eth0 in %s", in, web1.Namespace)
		}
		if up.Kind != topo.RefInterface || up.Name != "eth0" || !up.InHost(s.Host.Namespace) || up.Namespace != s.Host.Namespace {
			t.Errorf("uplink %+v, want eth0 in the host's %s", up, s.Host.Namespace)
		}
		return
	}
	t.Fatalf("no mtu-mismatch on web1:eth0 in\n%s", dump(Run(s)))
}
