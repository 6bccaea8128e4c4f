package diagnose

import (
	"fmt"
	"slices"

	"github.com/netviz/netviz/topo"
)

func checkIPForward(s *topo.Snapshot) []Finding {
	var out []Finding
	if v, ok := s.Sysctls[topo.SysctlIPForward]; ok && v == "0" {
		out = append(out, Finding{ID: IPForwardDisabled, Severity: topo.SeverityError, Subject: []topo.Ref{topo.SettingRef(topo.SysctlIPForward)},
			Message: "the kernel does not forward IPv4 packets between interfaces, so containers on bridge networks cannot reach anything beyond their bridge and published ports do not answer from outside",
			Fix:     "sysctl -w net.ipv4.ip_forward=1  (and set it in /etc/sysctl.d/ to survive a reboot)"})
		return out
	}
	ifaces := []string{s.Host.Uplink}
	for br := range dockerBridges(s) {
		ifaces = append(ifaces, br)
	}
	slices.Sort(ifaces[1:])
	for _, i := range ifaces {
		if i == "" {
			continue
		}
		key := topo.ForwardingSysctl(i)
		if v, ok := s.Sysctls[key]; ok && v == "0" {
			out = append(out, Finding{ID: IPForwardDisabled, Severity: topo.SeverityError, Subject: []topo.Ref{ifaceRef(s, i), topo.SettingRef(key)},
				Message: fmt.Sprintf("forwarding is off on %s, so packets routed in or out of it are dropped even though net.ipv4.ip_forward is on", i),
				Fix:     fmt.Sprintf("sysctl -w %s=1", key)})
		}
	}
	return out
}
