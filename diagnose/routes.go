package diagnose

import "github.com/netviz/netviz/topo"

func checkDefaultRoute(s *topo.Snapshot) []Finding {
	if len(s.Routes) == 0 {
		return nil // routes were not read
	}
	for _, r := range s.Routes {
		if r.Dst == "default" && r.Family == 4 {
			return nil
		}
	}
	return []Finding{{ID: NoDefaultRoute, Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.HostRef()},
		Message: "the host has no IPv4 default route: containers (and the host) can reach only directly connected networks",
		Fix:     "ip route add default via <gateway> dev <uplink>"}}
}
