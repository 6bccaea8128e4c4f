package render

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

// TreeOptions say how WriteTree draws.
type TreeOptions struct {
	// Color paints names by what they are — bridge, veth, container,
	// orphan, warning — with ANSI escapes. The command decides; see
	// ColorEnabled.
	Color bool
	// ASCII draws branches with |- and `- and veth pairs with <->, for
	// consoles without box-drawing characters.
	ASCII bool
	// Problems are marked at the end of the lines they are about (see
	// Problem), "✖ id" for an error and "⚠ id" for a warning ("!!" and "!"
	// in ASCII); those about no line mark the host's. A line after the tree
	// counts them.
	Problems []Problem
}

// WriteTree writes the host as a tree: the uplink, then each bridge with
// its ports (the host end of each veth pair, the container end, its
// addresses and MAC), macvlan and ipvlan links under their parent link,
// veths with no bridge, and then the containers that have no link of
// their own — host network, no network, stopped — with warnings last.
//
// Bridges are sorted by name, ports by container then interface, orphans
// (veths whose peer no container owns) after them. IPv6 link-local
// addresses are left out. Things about a container's namespace — who
// else shares it, its published ports, its problems — are shown under or on
// its first link.
func WriteTree(w io.Writer, s *topo.Snapshot, opt TreeOptions) error {
	if s == nil {
		return errors.New("render: no snapshot to draw")
	}
	glyphs := treeUnicode
	if opt.ASCII {
		glyphs = treeASCII
	}
	var buf bytes.Buffer
	tw := treeWriter{out: &buf, color: opt.Color, glyphs: glyphs}
	b := newTreeBuilder(s, glyphs, opt.Problems)
	tw.tree(b.build())
	tw.problems(b.marks.problems)
	tw.warnings(s.Warnings)
	_, err := w.Write(buf.Bytes())
	return err
}

// treeBuilder turns a snapshot into tree nodes.
type treeBuilder struct {
	s          *topo.Snapshot
	glyphs     treeGlyphs
	containers map[string]*topo.Container
	// sharers are, by owner, the other containers in the owner's namespace.
	sharers map[string][]string
	// shown are the containers already in the tree.
	shown map[string]bool
	// subs are the macvlan and ipvlan links in containers, by parent link.
	subs  map[string][]treeSub
	marks *problemMarks
	// firstLine is, by container, the line its namespace's problems go on.
	firstLine map[string]*treeNode
}

type treeSub struct {
	c     *topo.Container
	iface topo.Interface
}

func newTreeBuilder(s *topo.Snapshot, glyphs treeGlyphs, problems []Problem) *treeBuilder {
	b := &treeBuilder{
		s:          s,
		glyphs:     glyphs,
		containers: map[string]*topo.Container{},
		sharers:    map[string][]string{},
		shown:      map[string]bool{},
		subs:       map[string][]treeSub{},
		marks:      newProblemMarks(s, problems),
		firstLine:  map[string]*treeNode{},
	}
	for i := range s.Containers {
		b.containers[s.Containers[i].Name] = &s.Containers[i]
	}
	share := func(owner, name string) {
		if owner != "" && name != "" && owner != name && !slices.Contains(b.sharers[owner], name) {
			b.sharers[owner] = append(b.sharers[owner], name)
		}
	}
	for _, ns := range s.Namespaces {
		for _, c := range ns.Containers {
			share(ns.Owner, c)
		}
	}
	for _, c := range s.Containers {
		share(c.SharesNamespaceWith, c.Name)
	}
	for _, p := range s.Pairs {
		for _, c := range p.SharedWith {
			share(p.Container, c)
		}
	}
	for _, names := range b.sharers {
		slices.Sort(names)
	}
	for i := range s.Containers {
		c := &s.Containers[i]
		if c.SharesNamespaceWith != "" {
			continue // its owner lists the namespace's links
		}
		for _, iface := range c.Interfaces {
			if iface.Kind == topo.KindMacvlan || iface.Kind == topo.KindIpvlan {
				b.subs[iface.Parent] = append(b.subs[iface.Parent], treeSub{c, iface})
			}
		}
	}
	for _, subs := range b.subs {
		slices.SortStableFunc(subs, func(x, y treeSub) int {
			return cmp.Or(strings.Compare(x.c.Name, y.c.Name), strings.Compare(x.iface.Name, y.iface.Name))
		})
	}
	return b
}

func (b *treeBuilder) build() *treeNode {
	s := b.s
	root := &treeNode{cells: []treeCell{{spans: []treeSpan{{"host ", textPlain}, {cmp.Or(s.Host.Hostname, "?"), textHost}}}}}
	if s.Host.Kernel != "" {
		root.cells = append(root.cells, treeText(textPlain, "kernel "+s.Host.Kernel))
	}
	if s.Host.Runtime.Version != "" {
		root.cells = append(root.cells, treeText(textPlain, "docker "+s.Host.Runtime.Version))
	}

	bridges := b.bridges()
	uplink := s.Host.Uplink
	switch i := slices.IndexFunc(bridges, func(br topo.Bridge) bool { return br.Name == uplink }); {
	case uplink == "":
		root.add(&treeNode{cells: []treeCell{treeText(textWarning, "no uplink: the host has no default route")}})
	case i >= 0: // a bridge holds the NIC: draw it first
		bridges = slices.Concat(bridges[i:i+1], bridges[:i], bridges[i+1:])
	default:
		root.add(b.uplinkNode(uplink))
	}
	for _, br := range bridges {
		root.add(b.bridgeNode(br))
	}

	drawn := map[string]bool{uplink: true} // host links whose line carries their subs
	for _, br := range bridges {
		drawn[br.Name] = true
	}
	for _, p := range s.Pairs {
		drawn[p.HostInterface] = true
	}
	parents := make([]string, 0, len(b.subs))
	for p := range b.subs {
		if !drawn[p] {
			parents = append(parents, p)
		}
	}
	slices.Sort(parents)
	for _, p := range parents {
		root.add(b.parentNode(p))
	}

	var orphans []*treeNode
	for _, p := range b.pairs("") {
		if p.Container == "" {
			orphans = append(orphans, b.pairNode(p, nil))
		} else {
			root.add(b.pairNode(p, nil))
		}
	}
	if len(orphans) > 0 {
		n := &treeNode{cells: []treeCell{treeText(textOrphan, "orphan veths"), treeText(textPlain, "(no container owns the peer)")}}
		n.add(orphans...)
		root.add(n)
	}
	root.add(b.leftovers()...)
	if n := b.firewallNode(); n != nil {
		root.add(n)
	}

	// A container's own problems, and those of its links the tree does not
	// draw, go on the line its namespace's details hang under.
	for _, c := range s.Containers {
		if n := b.firstLine[c.Name]; n != nil {
			n.problems = problemUnion(n.problems, b.marks.container(c.Name), b.marks.rest(c.Name))
		}
	}
	root.problems = b.marks.hostWide()
	b.markLines(root)
	return root
}

// markLines turns each line's problems into a last cell.
func (b *treeBuilder) markLines(n *treeNode) {
	if ps := b.marks.list(n.problems); len(ps) > 0 {
		n.cells = append(n.cells, b.problemCell(ps))
	}
	for _, k := range n.children {
		b.markLines(k)
	}
}

func (b *treeBuilder) problemCell(ps []Problem) treeCell {
	var c treeCell
	for _, l := range problemMarkLines(ps, b.glyphs.problem, 0) {
		if len(c.spans) > 0 {
			c.spans = append(c.spans, treeSpan{" ", textPlain})
		}
		c.spans = append(c.spans, treeSpan{l.text, problemTextKind(l.severity)})
	}
	return c
}

// bridges are the snapshot's bridges by name, and any a pair names that
// the snapshot does not list.
func (b *treeBuilder) bridges() []topo.Bridge {
	out := slices.Clone(b.s.Bridges)
	known := map[string]bool{}
	for _, br := range out {
		known[br.Name] = true
	}
	for _, p := range b.s.Pairs {
		if p.Bridge != "" && !known[p.Bridge] {
			known[p.Bridge] = true
			out = append(out, topo.Bridge{Name: p.Bridge, Network: p.Network})
		}
	}
	slices.SortFunc(out, func(a, b topo.Bridge) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// pairs are the pairs whose host end is on bridge ("" for none), those
// with a container first by container, interface and host veth, then
// orphans by host veth.
func (b *treeBuilder) pairs(bridge string) []topo.Pair {
	var out []topo.Pair
	for _, p := range b.s.Pairs {
		if p.Bridge == bridge {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(x, y topo.Pair) int {
		if (x.Container == "") != (y.Container == "") {
			if x.Container == "" {
				return 1
			}
			return -1
		}
		if x.Container == "" {
			return strings.Compare(x.HostInterface, y.HostInterface)
		}
		return cmp.Or(
			strings.Compare(x.Container, y.Container),
			strings.Compare(x.ContainerInterface, y.ContainerInterface),
			strings.Compare(x.HostInterface, y.HostInterface),
		)
	})
	return out
}

func (b *treeBuilder) uplinkNode(name string) *treeNode {
	n := &treeNode{cells: []treeCell{treeText(textUplink, name), treeText(textPlain, "uplink")}, problems: b.marks.host(name)}
	if i, ok := b.s.HostInterface(name); ok {
		n.cells = append(n.cells,
			treeText(textPlain, i.State),
			treeText(textPlain, strings.Join(textGlobalAddrs(i.Addresses), " ")),
			treeText(textPlain, b.gateway(name)),
			treeText(textPlain, treeMTU(i.MTU)))
	}
	n.add(b.subNodes(name)...)
	return n
}

// gateway is "via <gateway>" of the default route through link, IPv4 first.
func (b *treeBuilder) gateway(link string) string {
	var best *topo.Route
	for i, r := range b.s.Routes {
		if r.Dst == "default" && r.Interface == link && r.Gateway != "" &&
			(best == nil || r.Family < best.Family || r.Family == best.Family && r.Metric < best.Metric) {
			best = &b.s.Routes[i]
		}
	}
	if best == nil {
		return ""
	}
	return "via " + best.Gateway
}

func (b *treeBuilder) bridgeNode(br topo.Bridge) *treeNode {
	desc := treeText(textPlain, "bridge")
	if br.Network != "" {
		desc = treeText(textPlain, fmt.Sprintf("bridge %q", br.Network))
	}
	if br.Name == b.s.Host.Uplink {
		desc = treeCell{spans: []treeSpan{{"uplink", textUplink}, {" bridge", textPlain}}}
	}
	n := &treeNode{group: "bridge", problems: b.marks.host(br.Name), cells: []treeCell{
		treeText(textBridge, br.Name),
		desc,
		treeText(textPlain, br.State),
		treeText(textPlain, strings.Join(textGlobalAddrs(br.Addresses), " ")),
		treeText(textPlain, treeMTU(br.MTU)),
	}}
	if br.Index > 0 { // a bridge the snapshot lists, not one only a pair names
		stp := "stp off"
		if br.STP {
			stp = "stp on"
		}
		n.cells = append(n.cells, treeText(textPlain, stp), treeText(textPlain, treeCount(len(br.Ports), "port", "ports", "no ports")))
	}
	n.cells = append(n.cells, treeText(textPlain, b.gateway(br.Name)))

	veths := map[string]bool{}
	for _, p := range b.pairs(br.Name) {
		veths[p.HostInterface] = true
		n.add(b.pairNode(p, &br))
	}
	for _, port := range br.Ports {
		if !veths[port] {
			n.add(b.linkNode(port))
		}
	}
	n.add(b.subNodes(br.Name)...)
	return n
}

// linkNode is a host link with no more to it than its own facts: a NIC on
// a bridge, a veth whose peer is in the host namespace too.
func (b *treeBuilder) linkNode(name string) *treeNode {
	n := &treeNode{group: "link", cells: []treeCell{treeText(textHostLink, name), {}}, problems: b.marks.host(name)}
	if i, ok := b.s.HostInterface(name); ok {
		n.cells[1] = treeText(textPlain, i.Kind)
		n.cells = append(n.cells,
			treeText(textPlain, i.State),
			treeText(textPlain, strings.Join(textGlobalAddrs(i.Addresses), " ")),
			treeText(textPlain, treeMTU(i.MTU)))
	}
	return n
}

// parentNode is a host link that macvlan or ipvlan links sit on.
func (b *treeBuilder) parentNode(name string) *treeNode {
	role := b.parentRole(name)
	var n *treeNode
	if name == "" {
		n = &treeNode{cells: []treeCell{treeText(textWarning, role+" unknown")}}
	} else {
		n = b.linkNode(name)
		n.group = ""
		n.cells[1] = treeText(textPlain, role)
	}
	n.add(b.subNodes(name)...)
	return n
}

// parentRole is "macvlan parent", "ipvlan parent" or "" for a host link.
func (b *treeBuilder) parentRole(name string) string {
	var kinds []string
	for _, sub := range b.subs[name] {
		if !slices.Contains(kinds, sub.iface.Kind) {
			kinds = append(kinds, sub.iface.Kind)
		}
	}
	if len(kinds) == 0 {
		return ""
	}
	slices.Sort(kinds)
	return strings.Join(kinds, "/") + " parent"
}

// subNodes are the macvlan and ipvlan links on host link parent.
func (b *treeBuilder) subNodes(parent string) []*treeNode {
	var out []*treeNode
	for _, sub := range b.subs[parent] {
		c, i := sub.c, sub.iface
		desc := i.Kind
		if net := b.subNetwork(c, i); net != "" {
			desc = fmt.Sprintf("%s %q", i.Kind, net)
		}
		n := &treeNode{group: "sub", problems: b.marks.link(c.Name, i.Name), cells: []treeCell{
			{spans: []treeSpan{{c.Name, textContainer}, {":" + i.Name, textPlain}}},
			treeText(textPlain, desc),
			treeText(textPlain, strings.Join(textGlobalAddrs(i.Addresses), " ")),
			treeText(textPlain, i.MAC),
		}}
		if c.State != topo.StateRunning {
			n.cells = append(n.cells, treeText(textStopped, c.State))
		}
		b.details(n, c.Name)
		out = append(out, n)
	}
	return out
}

// subNetwork names the Docker network of a macvlan or ipvlan link: the
// inspector matches endpoints by MAC, which ipvlan links share with their
// parent, so fall back to the container's network of that driver and parent.
func (b *treeBuilder) subNetwork(c *topo.Container, i topo.Interface) string {
	if i.Network != "" {
		return i.Network
	}
	var found string
	for _, e := range c.Endpoints {
		if n, ok := b.s.Network(e.Network); ok && n.Driver == i.Kind && n.Parent == i.Parent {
			if found != "" {
				return ""
			}
			found = n.Name
		}
	}
	return found
}

// pairNode is one veth pair: host end ⇄ container end, addresses, MAC and
// whatever is odd about it. br is the bridge it is a port of, if any.
func (b *treeBuilder) pairNode(p topo.Pair, br *topo.Bridge) *treeNode {
	iface := p.ContainerInterface
	if iface == "" && p.ContainerIfindex > 0 {
		iface = "if" + strconv.Itoa(p.ContainerIfindex) // as `ip link` writes an unknown peer
	}
	peer := treeCell{tight: true, spans: []treeSpan{{b.glyphs.pair + " ", textPlain}}}
	switch {
	case p.Container != "":
		peer.spans = append(peer.spans, treeSpan{p.Container, textContainer})
	case p.NamespaceName != "":
		peer.spans = append(peer.spans, treeSpan{fmt.Sprintf("netns %q", p.NamespaceName), textOrphan})
	default:
		peer.spans = append(peer.spans, treeSpan{"netns " + textNamespaceName(p), textOrphan})
	}
	if iface != "" {
		peer.spans = append(peer.spans, treeSpan{":" + iface, textPlain})
	}
	addrs := textGlobalAddrs(p.IPv6)
	if p.IPv4 != "" {
		addrs = append([]string{p.IPv4}, addrs...)
	}
	group := "pair"
	if p.Container == "" {
		group = "orphan" // their longer peer names would spread the ports of a bridge
	}
	n := &treeNode{group: group, cells: []treeCell{
		treeText(textVeth, p.HostInterface),
		peer,
		treeText(textPlain, strings.Join(addrs, " ")),
		treeText(textPlain, p.MAC),
	}}
	n.problems = b.marks.host(p.HostInterface)
	if p.Container != "" {
		n.problems = problemUnion(n.problems, b.marks.link(p.Container, p.ContainerInterface))
		for _, c := range p.SharedWith {
			n.problems = problemUnion(n.problems, b.marks.link(c, p.ContainerInterface))
		}
	}

	if c, ok := b.containers[p.Container]; ok && c.State != topo.StateRunning {
		n.cells = append(n.cells, treeText(textStopped, c.State))
	}
	if p.Namespace != "" && !p.Verified {
		n.cells = append(n.cells, treeText(textWarning, "unverified"))
	}
	if hi, ok := b.s.HostInterface(p.HostInterface); ok {
		if hi.State != "" && hi.State != "up" {
			n.cells = append(n.cells, treeText(textWarning, hi.State))
		}
		if br != nil && br.MTU > 0 && hi.MTU > 0 && hi.MTU != br.MTU {
			n.cells = append(n.cells, treeText(textWarning, treeMTU(hi.MTU)))
		}
		if a := textGlobalAddrs(hi.Addresses); len(a) > 0 {
			n.cells = append(n.cells, treeText(textPlain, "host end "+strings.Join(a, " ")))
		}
	}
	if p.Container != "" {
		b.details(n, p.Container)
	}
	// A host veth can itself carry macvlans (labs do this to get a parent
	// that needs no NIC): they hang under its line, not under a second one.
	if role := b.parentRole(p.HostInterface); role != "" {
		n.cells = append(n.cells, treeText(textPlain, role))
		n.add(b.subNodes(p.HostInterface)...)
	}
	return n
}

// details hangs what belongs to a container's namespace rather than to one
// of its links under the container's first link in the tree.
func (b *treeBuilder) details(n *treeNode, name string) {
	if b.shown[name] {
		return
	}
	b.shown[name] = true
	b.firstLine[name] = n
	if others := b.sharers[name]; len(others) > 0 {
		line := &treeNode{cells: []treeCell{{spans: []treeSpan{{"also in this namespace: ", textPlain}}}}}
		for i, o := range others {
			b.shown[o] = true
			b.firstLine[o] = line
			if i > 0 {
				line.cells[0].spans = append(line.cells[0].spans, treeSpan{", ", textPlain})
			}
			line.cells[0].spans = append(line.cells[0].spans, treeSpan{o, textContainer})
		}
		n.add(line)
	}
	if c, ok := b.containers[name]; ok && len(c.Ports) > 0 {
		n.add(&treeNode{cells: []treeCell{treeText(textPlain, "published "+publishedPorts(c.Ports))}})
	}
}

// firewallNode says where Docker's rules are and whether the kernel
// forwards, when the snapshot holds the firewall (netviz docker reads it;
// older snapshots and netviz veth do not).
func (b *treeBuilder) firewallNode() *treeNode {
	fw, sysctls := b.s.Firewall, b.s.Sysctls
	if len(fw.RuleSets) == 0 && len(fw.Nftables) == 0 && fw.DockerBackend == "" {
		return nil
	}
	n := &treeNode{cells: []treeCell{treeText(textPlain, "firewall")}}
	switch fw.DockerBackend {
	case "":
		n.cells = append(n.cells, treeText(textWarning, "no Docker rules found"))
	case topo.BackendNftables:
		n.cells = append(n.cells, treeText(textPlain, "Docker's rules in nftables (table ip docker-bridges)"))
	default:
		n.cells = append(n.cells, treeText(textPlain, "Docker's rules in iptables-"+fw.DockerBackend))
	}
	if fw.Default != "" && fw.Default != fw.DockerBackend {
		n.cells = append(n.cells, treeText(textWarning, "iptables command: "+fw.Default))
	}
	if k := len(fw.Nftables); k > 0 {
		n.cells = append(n.cells, treeText(textPlain, treeCount(k, "native nftables table", "native nftables tables", "")))
	}
	switch sysctls[topo.SysctlIPForward] {
	case "1":
		n.cells = append(n.cells, treeText(textPlain, "ip_forward on"))
	case "0":
		n.cells = append(n.cells, treeText(textWarning, "ip_forward off"))
	}
	return n
}

// leftovers are the containers no link placed in the tree, one line per
// reason: host network, no network, namespace not read, no link, stopped.
func (b *treeBuilder) leftovers() []*treeNode {
	const (
		hostNet = iota
		noNet
		unread
		unlinked
		stopped
		reasons
	)
	labels := [reasons]string{"host network: ", "no network: ", "namespace not read: ", "no host link: ", "stopped: "}
	var lines [reasons]*treeNode
	for i := range b.s.Containers {
		c := &b.s.Containers[i]
		if b.shown[c.Name] {
			continue
		}
		owner := c
		if o, ok := b.containers[c.SharesNamespaceWith]; ok {
			owner = o
		}
		var why int
		var note string
		switch {
		case c.State != topo.StateRunning && c.State != topo.StatePaused:
			why, note = stopped, c.State
		case owner.NetworkMode == "host" || c.Namespace != "" && c.Namespace == b.s.Host.Namespace:
			why = hostNet
		case c.Namespace == "":
			why = unread
		case owner.NetworkMode == "none":
			why = noNet
			if owner == c {
				note = b.loopbackNote(c.Namespace)
			}
		default:
			why, note = unlinked, owner.NetworkMode
		}
		if owner != c {
			note = strings.TrimPrefix(note+", ", ", ") + "container:" + owner.Name
		}
		if c.State == topo.StatePaused {
			note = strings.TrimPrefix(note+", ", ", ") + c.State
		}
		kind := textContainer
		if why == stopped {
			kind = textStopped
		}
		if lines[why] == nil {
			lines[why] = &treeNode{cells: []treeCell{{spans: []treeSpan{{labels[why], textPlain}}}}}
		} else {
			lines[why].cells[0].spans = append(lines[why].cells[0].spans, treeSpan{", ", textPlain})
		}
		spans := &lines[why].cells[0].spans
		*spans = append(*spans, treeSpan{c.Name, kind})
		if note != "" {
			*spans = append(*spans, treeSpan{" (" + note + ")", textPlain})
		}
		if ps := b.marks.list(problemUnion(b.marks.container(c.Name), b.marks.rest(c.Name))); len(ps) > 0 {
			*spans = append(*spans, treeSpan{" ", textPlain})
			*spans = append(*spans, b.problemCell(ps).spans...)
		}
	}
	var out []*treeNode
	for _, l := range lines {
		if l != nil {
			out = append(out, l)
		}
	}
	return out
}

// loopbackNote says which links a network-less namespace has: "lo only"
// when that is all, as it should be.
func (b *treeBuilder) loopbackNote(ns string) string {
	var names []string
	for _, i := range b.s.NamespaceInterfaces(ns) {
		names = append(names, i.Name)
	}
	if len(names) == 1 && names[0] == "lo" {
		return "lo only"
	}
	return strings.Join(names, ", ")
}

func treeMTU(mtu int) string {
	if mtu <= 0 {
		return ""
	}
	return "mtu " + strconv.Itoa(mtu)
}

func treeCount(n int, one, many, none string) string {
	switch n {
	case 0:
		return none
	case 1:
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// textGlobalAddrs drops IPv6 link-local addresses, which every IPv6-enabled
// link has and which say nothing about how containers are wired.
func textGlobalAddrs(addrs []string) []string {
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is6() && p.Addr().IsLinkLocalUnicast() {
			continue
		}
		out = append(out, a)
	}
	return out
}

// textNamespaceName names the namespace of an orphan pair's peer: its
// /run/netns name, else its ID, else "?" when the peer was not found.
func textNamespaceName(p topo.Pair) string {
	return cmp.Or(p.NamespaceName, p.Namespace, "?")
}
