package inspect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/netviz/netviz/topo"
)

// readSwarm asks the runtime about its swarm (when it can tell), at the
// same time as everything else.
func (in *Inspector) readSwarm(ctx context.Context, f *facts) {
	sr, ok := in.Runtime.(SwarmReader)
	if !ok {
		return
	}
	sw, err := sr.Swarm(ctx)
	if err != nil {
		if ctx.Err() == nil {
			f.swarmWarn = append(f.swarmWarn, topo.Warning{Code: "swarm-unreadable", Message: fmt.Sprintf("cannot ask the daemon about its swarm: %v", err)})
		}
		return
	}
	f.swarm = sw
	f.swarmWarn = append(f.swarmWarn, sw.Warnings...)
}

// readDockerNamespaces reads Docker's own namespaces, once the containers'
// are known (their nsids, as Docker's namespaces see them, pair the
// overlay legs). They join the namespaces read, so that the host's
// docker_gwbridge veth of ingress_sbox pairs like any other.
func (in *Inspector) readDockerNamespaces(ctx context.Context, f *facts) {
	dr, ok := in.Kernel.(DockerNamespaceReader)
	if !ok || f.swarm.NetnsDir == "" || f.denied {
		// Without the right to open namespaces, the namespace-denied
		// warning has said what is missing.
		return
	}
	// Only containers on an overlay have a leg in a sandbox: asking every
	// sandbox about the others' namespaces would cost one open and one
	// netlink request each for nothing.
	overlay := map[string]bool{}
	for _, n := range f.networks {
		if n.Driver == topo.DriverOverlay {
			overlay[n.Name] = true
		}
	}
	var pids []int
	for _, c := range f.containers {
		_, read := f.refOf[c.ID]
		if read && c.PID > 0 && slices.ContainsFunc(c.Endpoints, func(e topo.Endpoint) bool { return overlay[e.Network] }) {
			pids = append(pids, c.PID)
		}
	}
	keep := func(name string) bool { return DockerRole(name) != "" }
	found, err := dr.DockerNamespaces(ctx, f.swarm.NetnsDir, keep, pids)
	if err != nil && ctx.Err() == nil {
		f.warn(topo.Warning{Code: "docker-namespaces-unreadable", Subject: f.swarm.NetnsDir,
			Message: fmt.Sprintf("cannot read Docker's own namespaces under %s (overlay sandboxes, ingress_sbox): %v", f.swarm.NetnsDir, err)})
	}
	if len(found) == 0 && f.swarm.Node != nil {
		f.warn(topo.Warning{Code: "docker-namespaces-missing", Subject: f.swarm.NetnsDir,
			Message: fmt.Sprintf("the node is in a swarm but no overlay sandbox or ingress_sbox was found under %s: the daemon's exec root may be elsewhere", f.swarm.NetnsDir)})
	}
	for _, d := range found {
		if _, known := f.namespaces[d.Ref]; !known {
			f.namespaces[d.Ref] = d
			f.docker = append(f.docker, d.Ref)
		}
	}
}

// dockerNetwork names the Docker network one of Docker's namespaces
// serves: "1-<netid prefix>" and "lb_<netid prefix>" by the ID's start,
// ingress_sbox the ingress network.
func dockerNetwork(name string, networks []topo.Network) *topo.Network {
	prefix := ""
	switch {
	case name == "ingress_sbox":
		for i := range networks {
			if networks[i].Name == topo.NetworkIngress && networks[i].Driver == topo.DriverOverlay {
				return &networks[i]
			}
		}
		return nil
	case strings.HasPrefix(name, "lb_"):
		prefix = strings.TrimPrefix(name, "lb_")
	case DockerRole(name) == topo.RoleOverlaySandbox:
		prefix = name[2:]
	}
	if prefix == "" {
		return nil
	}
	for i := range networks {
		if strings.HasPrefix(networks[i].ID, prefix) {
			return &networks[i]
		}
	}
	return nil
}

// overlayPeer is a veth in one of Docker's namespaces, on a bridge there,
// matched with its peer elsewhere.
type overlayPeer struct {
	sandbox NamespaceFacts
	veth    Link
	bridge  string
	peer    match
}

// overlayPairs matches the veths on the bridges of Docker's namespaces
// (br0 of an overlay sandbox) with their peers, by the same kernel
// attributes as host veths, but with the nsids the sandbox gives.
func (b *builder) overlayPairs() []overlayPeer {
	var out []overlayPeer
	for _, ref := range b.f.docker {
		s := b.namespaces[ref]
		if s.Docker == nil {
			continue
		}
		byIdx := map[int]Link{}
		for _, l := range s.Links {
			byIdx[l.Index] = l
		}
		for _, l := range s.Links {
			if l.Kind != topo.KindVeth || l.MasterIndex <= 0 || l.LinkNetNsID < 0 {
				continue
			}
			op := overlayPeer{sandbox: s, veth: l, bridge: byIdx[l.MasterIndex].Name}
			if pref, ok := s.Docker.PeerNsIDs[l.LinkNetNsID]; ok {
				if pf, ok := b.namespaces[pref]; ok {
					for _, pl := range pf.Links {
						if pl.Index == l.ParentIndex && pl.Kind == topo.KindVeth {
							op.peer = match{ns: pf, link: pl, verified: pl.ParentIndex == l.Index && pl.LinkNetNsID >= 0}
						}
					}
				}
			}
			out = append(out, op)
		}
	}
	return out
}

// indexOverlayPeers lets the far ends of overlay legs name their veth in
// Docker's namespace.
func (b *builder) indexOverlayPeers(peers []overlayPeer) {
	b.sandboxPeer = map[peerRef]Link{}
	for _, op := range peers {
		if op.peer.ns.Ref != (NSRef{}) {
			b.sandboxPeer[peerRef{op.peer.ns.Ref, op.peer.link.Index}] = op.veth
		}
	}
}

// overlayTopoPairs turns the overlay peers into the model's pairs: the
// "host" end is the sandbox's veth (HostNamespace says where it is).
func (b *builder) overlayTopoPairs(peers []overlayPeer) []topo.Pair {
	var out []topo.Pair
	for _, op := range peers {
		pair := topo.Pair{
			HostInterface: op.veth.Name, HostIfindex: op.veth.Index, Bridge: op.bridge,
			HostNamespace: NamespaceID(op.sandbox.Ref), IPv6: []string{}, Ports: []topo.Port{},
			ContainerIfindex: op.veth.ParentIndex,
		}
		if n := dockerNetwork(op.sandbox.Name, b.f.networks); n != nil {
			pair.Network = n.Name
		}
		if op.peer.ns.Ref == (NSRef{}) {
			b.warn(topo.Warning{Code: "peer-namespace-unknown", Subject: op.veth.Name,
				Message: fmt.Sprintf("the peer of veth %q in Docker's namespace %s is in a namespace netviz did not read", op.veth.Name, op.sandbox.Name)})
			out = append(out, pair)
			continue
		}
		b.fillPeer(&pair, op.peer)
		out = append(out, pair)
	}
	return out
}

// fillPeer fills what a pair says of its far end from the matched link,
// and who holds that end: the container owning its namespace, or one of
// Docker's own namespaces (ingress_sbox's or a load balancer's leg:
// Docker's, not an orphan).
func (b *builder) fillPeer(pair *topo.Pair, m match) {
	pair.Namespace = NamespaceID(m.ns.Ref)
	pair.NamespaceName = m.ns.Name
	pair.ContainerInterface = m.link.Name
	pair.ContainerIfindex = m.link.Index
	pair.MAC = strings.ToLower(m.link.MAC)
	pair.Verified = m.verified
	for _, a := range m.link.Addresses {
		if strings.Contains(a, ":") {
			pair.IPv6 = append(pair.IPv6, a)
		} else if pair.IPv4 == "" {
			pair.IPv4 = a
		}
	}
	if o := b.owners[m.ns.Ref]; o != nil {
		b.attribute(pair, o, m)
	} else if m.ns.Docker != nil {
		pair.Sandbox = m.ns.Name
	}
}

// overlays are the overlay networks whose sandbox this node holds.
func (b *builder) overlays() []topo.Overlay {
	var out []topo.Overlay
	for _, ref := range b.f.docker {
		s := b.namespaces[ref]
		if DockerRole(s.Name) != topo.RoleOverlaySandbox || s.Docker == nil {
			continue
		}
		o := topo.Overlay{Namespace: NamespaceID(ref), NamespaceName: s.Name, Peers: []topo.VTEPPeer{}}
		if n := dockerNetwork(s.Name, b.f.networks); n != nil {
			o.Network, o.NetworkID = n.Name, n.ID
			o.Ingress = n.Name == topo.NetworkIngress
			_, o.Encrypted = n.Options[topo.OptOverlayEncrypted]
			o.Services = slices.Clone(b.f.swarm.Services[n.ID]) // Sort sorts it
		}
		for _, l := range s.Links {
			switch {
			case l.Kind == topo.KindBridge && o.Bridge == "":
				o.Bridge, o.MTU = l.Name, l.MTU
			case l.VXLAN != nil && o.VXLAN.Name == "":
				o.VXLAN = topo.VXLAN{Name: l.Name, VNI: l.VXLAN.VNI, Port: l.VXLAN.Port, Local: l.VXLAN.Local, MTU: l.MTU, State: l.OperState}
			}
		}
		o.Peers = vtepPeers(s.Docker)
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Network < out[j].Network })
	return out
}

// vtepPeers groups the forwarding database's remote entries by VTEP, with
// the overlay addresses the neighbour table gives their MACs.
func vtepPeers(d *DockerNamespace) []topo.VTEPPeer {
	ipsOf := map[string][]string{}
	for _, n := range d.Neighbours {
		ipsOf[n.MAC] = append(ipsOf[n.MAC], n.IP)
	}
	byVTEP := map[string]*topo.VTEPPeer{}
	var order []string
	for _, e := range d.FDB {
		if e.Dst == "" || e.MAC == "00:00:00:00:00:00" {
			continue
		}
		p := byVTEP[e.Dst]
		if p == nil {
			p = &topo.VTEPPeer{VTEP: e.Dst}
			byVTEP[e.Dst] = p
			order = append(order, e.Dst)
		}
		p.MACs = append(p.MACs, e.MAC)
		p.IPs = append(p.IPs, ipsOf[e.MAC]...)
	}
	sort.Strings(order)
	out := make([]topo.VTEPPeer, 0, len(order))
	for _, v := range order {
		p := byVTEP[v]
		sort.Strings(p.MACs)
		sort.Strings(p.IPs)
		out = append(out, *p)
	}
	return out
}

// ipvs gathers the virtual services read in Docker's namespaces, and says
// once why those that could not be read were not.
func (b *builder) ipvs() []topo.VirtualService {
	var (
		out    []topo.VirtualService
		failed []string
		why    error
	)
	for _, ref := range b.f.docker {
		s := b.namespaces[ref]
		if s.Docker == nil {
			continue
		}
		if s.Docker.IPVSErr != nil {
			failed = append(failed, s.Name)
			why = errors.Join(why, fmt.Errorf("%s: %w", s.Name, s.Docker.IPVSErr))
			continue
		}
		for _, v := range s.Docker.IPVS {
			v.Namespace = NamespaceID(ref)
			out = append(out, v)
		}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		b.warn(topo.Warning{Code: "ipvs-unreadable", Subject: strings.Join(failed, ","),
			Message: fmt.Sprintf("cannot read the IPVS services (the routing mesh's load balancing) of %d of Docker's namespaces; the snapshot shows none for them: %v", len(failed), firstLine(why))})
	}
	return out
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// refreshDocker reads Docker's own namespaces again for a live view (and
// the swarm too when networks changed: services come and go with them),
// so that a refresh does not lose them: no container's process leads to
// them, so the container re-reads drop them.
func (in *Inspector) refreshDocker(ctx context.Context, f *facts, networks bool) {
	if networks {
		f.swarm, f.swarmWarn = SwarmFacts{}, nil
		in.readSwarm(ctx, f)
	}
	for _, ref := range f.docker {
		delete(f.namespaces, ref)
	}
	f.docker = nil
	f.warnings = slices.DeleteFunc(f.warnings, func(w topo.Warning) bool {
		return strings.HasPrefix(w.Code, "docker-namespaces-")
	})
	in.readDockerNamespaces(ctx, f)
}
