package diagnose

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/netviz/netviz/topo"
)

// Finding IDs of a cluster's checks (ClusterChecks): what no single
// node's snapshot can tell.
const (
	ClusterVTEPMissing    = "cluster-vtep-missing"
	ClusterMTUDiffers     = "cluster-overlay-mtu-differs"
	ClusterNodeUnanswered = "cluster-node-unanswered"
)

// ClusterChecks runs the checks across a cluster's nodes and returns the
// findings sorted as Run sorts them. Each node's own findings are Run's
// on its snapshot.
func ClusterChecks(c *topo.Cluster) []Finding {
	out := []Finding{}
	out = append(out, checkUnanswered(c)...)
	for i := range c.Overlays {
		out = append(out, checkVTEPs(&c.Overlays[i])...)
		out = append(out, checkClusterMTU(&c.Overlays[i])...)
	}
	slices.SortFunc(out, topo.CompareFindings)
	return out
}

func checkUnanswered(c *topo.Cluster) []Finding {
	var out []Finding
	for _, n := range c.Unanswered() {
		out = append(out, Finding{
			ID: ClusterNodeUnanswered, Severity: topo.SeverityWarning, Subject: []topo.Ref{topo.NodeRef(n.Name)},
			Message: fmt.Sprintf("node %s %s: its tasks, tunnels and problems are unknown, and the checks across nodes leave it out", n.Name, n.Error),
			Fix:     fmt.Sprintf("on a manager: docker service ps netviz (a netviz task must run on %s); then check that port 7800 on %s answers from here with the token", n.Name, cmp.Or(n.Addr, "the node")),
		})
	}
	return out
}

// checkVTEPs finds a node with tasks on an overlay whose VXLAN device
// does not tunnel to another node that also has tasks on it: Docker
// fills the forwarding database from the gossip between nodes, so a
// missing entry is a partition the control plane did not heal.
func checkVTEPs(ov *topo.ClusterOverlay) []Finding {
	var out []Finding
	for _, a := range ov.Members {
		if len(a.Tasks) == 0 {
			continue
		}
		for _, b := range ov.Members {
			if b.Node == a.Node || len(b.Tasks) == 0 || b.VTEP == "" || slices.Contains(a.Peers, b.VTEP) {
				continue
			}
			out = append(out, Finding{
				ID: ClusterVTEPMissing, Severity: topo.SeverityError,
				Subject: []topo.Ref{topo.NodeRef(a.Node), topo.NetworkRef(ov.Network), topo.AddressRef(b.VTEP), topo.NodeRef(b.Node)},
				Message: fmt.Sprintf("node %s has tasks on overlay %s (VNI %d) and so has node %s, but %s's %s has no forwarding entry for %s's VTEP %s: %s's tasks cannot reach those on %s",
					a.Node, ov.Network, ov.VNI, b.Node, a.Node, cmp.Or(a.Device, "VXLAN device"), b.Node, b.VTEP, a.Node, b.Node),
				Fix: fmt.Sprintf("check that %s and %s reach each other on 7946/tcp+udp (gossip, which fills the entries) and 4789/udp; on %s: nsenter --net=/var/run/docker/netns/%s bridge fdb show dev %s",
					a.Node, b.Node, a.Node, cmp.Or(a.Namespace, "1-<netid>"), cmp.Or(a.Device, "vxlan0")),
			})
		}
	}
	return out
}

// checkClusterMTU finds an overlay whose MTU is not the same on every
// node: a packet that fits one end is dropped by the other.
func checkClusterMTU(ov *topo.ClusterOverlay) []Finding {
	byMTU := map[int][]string{}
	for _, m := range ov.Members {
		if m.MTU > 0 {
			byMTU[m.MTU] = append(byMTU[m.MTU], m.Node)
		}
	}
	if len(byMTU) < 2 {
		return nil
	}
	mtus := make([]int, 0, len(byMTU))
	for mtu := range byMTU {
		mtus = append(mtus, mtu)
	}
	// The MTU most nodes have is taken as meant; the first node of the
	// least common one is the one to look at.
	slices.SortFunc(mtus, func(a, b int) int { return cmp.Or(cmp.Compare(len(byMTU[b]), len(byMTU[a])), cmp.Compare(a, b)) })
	odd := byMTU[mtus[len(mtus)-1]][0]
	subject := []topo.Ref{topo.NodeRef(odd), topo.NetworkRef(ov.Network)}
	var parts []string
	for _, mtu := range mtus {
		parts = append(parts, fmt.Sprintf("%d on %s", mtu, strings.Join(byMTU[mtu], ", ")))
		for _, n := range byMTU[mtu] {
			if n != odd {
				subject = append(subject, topo.NodeRef(n))
			}
		}
	}
	return []Finding{{
		ID: ClusterMTUDiffers, Severity: topo.SeverityWarning, Subject: subject,
		Message: fmt.Sprintf("overlay %s has MTU %s: packets that fit the larger one are dropped on the way to the smaller", ov.Network, strings.Join(parts, "; ")),
		Fix:     fmt.Sprintf("give every node the same MTU for %s: recreate it with -o com.docker.network.driver.mtu=%d, the smallest, or make the nodes' uplinks alike", ov.Network, slices.Min(mtus)),
	}}
}
