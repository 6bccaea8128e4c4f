// Package pathfind explains how a packet would go from one place to another
// on a Docker host — container, host, published port or the outside — in the
// diagram's terms: interfaces, veths, bridges, iptables chains, NAT. It
// reasons over a topo.Snapshot only; it sends no packet.
package pathfind

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/netviz/netviz/firewall"
	"github.com/netviz/netviz/topo"
)

// Verdicts.
const (
	Reachable = "reachable"
	Blocked   = "blocked"
	Unknown   = "unknown"
)

// ErrUnknownEndpoint is returned for a SRC or DST that names nothing netviz
// can place (wraps topo.ErrUnknownContainer so the CLI's exit code applies).
var ErrUnknownEndpoint = fmt.Errorf("unknown endpoint: %w", topo.ErrUnknownContainer)

// Hop is one step: where the packet is, and the rule or route that sends
// it on (or stops it).
type Hop struct {
	At  string `json:"at"`
	Why string `json:"why,omitempty"`
}

// Result is the answer: verdict, hops, and the reason in one sentence.
type Result struct {
	From    string `json:"from"`
	To      string `json:"to"`
	Verdict string `json:"verdict"`
	Hops    []Hop  `json:"hops"`
	Reason  string `json:"reason"`
}

// Options say what kind of packet to follow.
type Options struct {
	Protocol string // tcp (default) or udp
	Port     int    // destination port when DST gives none (default 80)
}

// endpoint is a resolved SRC or DST.
type endpoint struct {
	input     string
	container *topo.Container
	host      bool
	addr      netip.Addr // the address used (a container's chosen one)
	port      int
}

func (e endpoint) label() string {
	switch {
	case e.container != nil:
		return e.container.Name
	case e.host:
		return "host"
	}
	return e.addr.String()
}

// Find follows a packet from src to dst.
func Find(s *topo.Snapshot, src, dst string, o Options) (Result, error) {
	if o.Protocol == "" {
		o.Protocol = "tcp"
	}
	if o.Port == 0 {
		o.Port = 80
	}
	from, err := resolve(s, src)
	if err != nil {
		return Result{}, err
	}
	to, err := resolve(s, dst)
	if err != nil {
		return Result{}, err
	}
	if to.port == 0 {
		to.port = o.Port
	}
	w := &walker{s: s, proto: o.Protocol}
	w.run(from, to)
	r := Result{From: src, To: dst, Verdict: w.verdict, Hops: w.hops, Reason: w.reason}
	if r.Hops == nil {
		r.Hops = []Hop{}
	}
	return r, nil
}

func resolve(s *topo.Snapshot, in string) (endpoint, error) {
	e := endpoint{input: in}
	if in == "host" {
		e.host = true
		return e, nil
	}
	if c, ok := s.Container(in); ok {
		e.container = c
		return e, nil
	}
	addrText := in
	if ap, err := netip.ParseAddrPort(in); err == nil {
		addrText, e.port = ap.Addr().String(), int(ap.Port())
	}
	a, err := netip.ParseAddr(addrText)
	if err != nil {
		return e, fmt.Errorf("%w %q: want a container name or ID, an IP, IP:port, or host", ErrUnknownEndpoint, in)
	}
	e.addr = a.Unmap()
	for i := range s.Containers {
		c := &s.Containers[i]
		for _, ep := range c.Endpoints {
			if p, err := netip.ParsePrefix(ep.IPv4); err == nil && p.Addr() == e.addr {
				e.container = c
				return e, nil
			}
		}
	}
	if hostOwns(s, e.addr) {
		e.host = true
	}
	return e, nil
}

func hostOwns(s *topo.Snapshot, a netip.Addr) bool {
	if a.IsLoopback() || a.IsUnspecified() {
		return true
	}
	for _, i := range s.Interfaces {
		for _, cidr := range i.Addresses {
			if p, err := netip.ParsePrefix(cidr); err == nil && p.Addr() == a {
				return true
			}
		}
	}
	return false
}

// walker accumulates hops until a verdict.
type walker struct {
	s       *topo.Snapshot
	proto   string
	hops    []Hop
	verdict string
	reason  string
	unsure  []string
	bridge  string // the bridge the packet is on, "" when none
}

func (w *walker) hop(at, why string)  { w.hops = append(w.hops, Hop{At: at, Why: why}) }
func (w *walker) done() bool          { return w.verdict != "" }
func (w *walker) block(reason string) { w.verdict, w.reason = Blocked, reason }
func (w *walker) unknown(reason string) {
	w.verdict, w.reason = Unknown, reason
}

func (w *walker) reach(reason string) {
	if len(w.unsure) > 0 {
		w.verdict, w.reason = Unknown, reason+", but "+strings.Join(w.unsure, "; ")
		return
	}
	w.verdict, w.reason = Reachable, reason
}

// attachment is one container interface on a network.
type attachment struct {
	network  *topo.Network
	addr     netip.Addr
	iface    string // inside the container
	hostVeth string
	bridge   string // the host veth's actual master
}

func (w *walker) attachments(c *topo.Container) []attachment {
	var out []attachment
	for _, ep := range c.Endpoints {
		n, ok := w.s.Network(ep.Network)
		if !ok {
			continue
		}
		a := attachment{network: n}
		if p, err := netip.ParsePrefix(ep.IPv4); err == nil {
			a.addr = p.Addr()
		}
		for _, p := range w.s.Pairs {
			if p.Container == c.Name && strings.EqualFold(p.MAC, ep.MAC) {
				a.iface, a.hostVeth, a.bridge = p.ContainerInterface, p.HostInterface, p.Bridge
			}
		}
		if a.iface == "" {
			for _, i := range c.Interfaces {
				if ep.MAC != "" && strings.EqualFold(i.MAC, ep.MAC) {
					a.iface = i.Name
				}
			}
		}
		out = append(out, a)
	}
	return out
}

func (w *walker) run(from, to endpoint) {
	switch {
	case from.container != nil && from.container.State != topo.StateRunning:
		w.block(fmt.Sprintf("%s is not running", from.container.Name))
		return
	case to.container != nil && to.container.State != topo.StateRunning:
		w.block(fmt.Sprintf("%s is not running", to.container.Name))
		return
	}
	switch {
	case from.container != nil && to.container != nil:
		w.containerToContainer(from.container, to)
	case from.container != nil && to.host:
		w.containerToHost(from.container, to)
	case from.container != nil:
		w.containerToOutside(from.container, to)
	case from.host && to.container != nil:
		w.hostToContainer(to, "")
	case from.host && to.host:
		w.hostToHost(to)
	case from.host:
		w.hostToOutside(to)
	case to.host:
		w.outsideToHost(from, to)
	case to.container != nil:
		w.outsideToContainer(from, to)
	default:
		w.unknown(fmt.Sprintf("neither %s nor %s is on this host", from.label(), to.label()))
	}
}

func (w *walker) containerToContainer(src *topo.Container, to endpoint) {
	dst := to.container
	if src.Namespace != "" && src.Namespace == dst.Namespace {
		w.hop(src.Name+":lo", "same network namespace")
		w.reach(fmt.Sprintf("%s and %s share a network namespace: delivered over loopback", src.Name, dst.Name))
		return
	}
	srcAtt, dstAtt := w.attachments(src), w.attachments(dst)
	// Same network first: the bridge delivers it.
	for _, a := range srcAtt {
		for _, b := range dstAtt {
			if a.network.ID != b.network.ID {
				continue
			}
			switch a.network.Driver {
			case "bridge":
				why := fmt.Sprintf("%s is on network %q too", b.addr, a.network.Name)
				if ns, ok := w.s.Namespace(src.Namespace); ok {
					if r, ok := lookup(ns.Routes, b.addr); ok {
						why = routeText(r)
					}
				}
				if !w.leaveWhy(src.Name, a, why) {
					return
				}
				if sysctl(w.s, topo.SysctlBridgeNFCallIP) == "1" {
					if !w.filter("FORWARD", firewall.Packet{In: a.network.Bridge, Out: a.network.Bridge, Src: a.addr, Dst: b.addr}, "") {
						return
					}
				}
				if !w.enter(dst.Name, b) {
					return
				}
				w.reach(fmt.Sprintf("same bridge network %q: delivered by %s", a.network.Name, a.network.Bridge))
				return
			case "macvlan", "ipvlan":
				w.hop(fmt.Sprintf("%s:%s", src.Name, a.iface), a.network.Driver+" on "+a.network.Parent)
				w.hop(fmt.Sprintf("%s:%s", dst.Name, b.iface), "same "+a.network.Driver+" network")
				w.reach(fmt.Sprintf("same %s network %q: delivered on %s", a.network.Driver, a.network.Name, a.network.Parent))
				return
			}
		}
	}
	// Different networks: out through the source's gateway, routed by the host.
	var target *attachment
	for i := range dstAtt {
		if dstAtt[i].addr.IsValid() && dstAtt[i].network.Driver == "bridge" {
			target = &dstAtt[i]
			break
		}
	}
	if target == nil {
		w.unknown(fmt.Sprintf("%s has no IPv4 address on a bridge network netviz can follow", dst.Name))
		return
	}
	out, ok := w.containerEgress(src, target.addr)
	if !ok {
		return
	}
	in := out.network.Bridge
	w.hopHostRoute(target.addr)
	if w.done() {
		return
	}
	if !w.forwarding() {
		return
	}
	if !w.filter("FORWARD", firewall.Packet{In: in, Out: target.network.Bridge, Src: out.addr, Dst: target.addr}, "") {
		return
	}
	if !w.enter(dst.Name, *target) {
		return
	}
	w.reach(fmt.Sprintf("routed by the host from %s to %s and allowed by FORWARD", in, target.network.Bridge))
}

// containerEgress takes the packet from the container to its bridge along
// the container's own route to dst.
func (w *walker) containerEgress(c *topo.Container, dst netip.Addr) (attachment, bool) {
	atts := w.attachments(c)
	if c.NetworkMode == "host" {
		w.block(c.Name + " uses the host's network: follow it as `host`")
		return attachment{}, false
	}
	var routes []topo.Route
	if ns, ok := w.s.Namespace(c.Namespace); ok {
		routes = ns.Routes
	}
	r, ok := lookup(routes, dst)
	if !ok && len(routes) > 0 {
		w.hop(c.Name, "no route")
		w.block(fmt.Sprintf("%s has no route to %s (an internal network has no gateway)", c.Name, dst))
		return attachment{}, false
	}
	for _, a := range atts {
		if a.network.Driver != "bridge" {
			continue
		}
		if ok && r.Interface != a.iface {
			continue
		}
		why := "via its gateway " + a.network.Bridge
		if ok {
			why = routeText(r)
		}
		if !w.leaveWhy(c.Name, a, why) {
			return attachment{}, false
		}
		return a, true
	}
	w.unknown(fmt.Sprintf("%s's route to %s does not go through a Docker bridge netviz can follow", c.Name, dst))
	return attachment{}, false
}

// leaveWhy walks container interface → host veth → bridge; why is the
// route (or reason) that sends the packet out of the container.
func (w *walker) leaveWhy(name string, a attachment, why string) bool {
	if a.iface == "" || a.hostVeth == "" {
		w.hop(name, "")
		w.unknown(fmt.Sprintf("netviz did not see %s's interface on %q (run it with sudo)", name, a.network.Name))
		return false
	}
	w.hop(name+":"+a.iface, why)
	if c, ok := w.s.Container(name); ok {
		for _, i := range c.Interfaces {
			if i.Name == a.iface && !i.Up {
				w.block(fmt.Sprintf("%s:%s is down", name, a.iface))
				return false
			}
		}
	}
	return w.vethAndBridge(a, "veth pair")
}

// enter walks bridge → host veth → container interface.
func (w *walker) enter(name string, a attachment) bool {
	if a.iface == "" || a.hostVeth == "" {
		w.unknown(fmt.Sprintf("netviz did not see %s's interface on %q (run it with sudo)", name, a.network.Name))
		return false
	}
	if w.bridge != a.network.Bridge {
		w.bridge = a.network.Bridge
		w.hop(a.network.Bridge, "")
		if !w.up(a.network.Bridge) {
			return false
		}
	}
	if a.bridge != a.network.Bridge {
		w.block(fmt.Sprintf("%s is not attached to %s (master %q)", a.hostVeth, a.network.Bridge, a.bridge))
		return false
	}
	w.hop(a.hostVeth, "port of "+a.network.Bridge)
	if !w.up(a.hostVeth) {
		return false
	}
	w.hop(name+":"+a.iface, "veth pair")
	return true
}

func (w *walker) vethAndBridge(a attachment, why string) bool {
	w.hop(a.hostVeth, why)
	if !w.up(a.hostVeth) {
		return false
	}
	if a.bridge != a.network.Bridge {
		w.block(fmt.Sprintf("%s is not attached to %s (master %q): the container is cut off", a.hostVeth, a.network.Bridge, a.bridge))
		return false
	}
	w.hop(a.network.Bridge, "master of "+a.hostVeth)
	w.bridge = a.network.Bridge
	return w.up(a.network.Bridge)
}

func (w *walker) up(name string) bool {
	if i, ok := w.s.HostInterface(name); ok && !i.Up {
		w.block(name + " is down")
		return false
	}
	return true
}

func sysctl(s *topo.Snapshot, name string) string { return s.Sysctls[name] }

func (w *walker) forwarding() bool {
	if sysctl(w.s, topo.SysctlIPForward) == "0" {
		w.hop("routing", "net.ipv4.ip_forward = 0")
		w.block("the host does not forward packets (net.ipv4.ip_forward = 0)")
		return false
	}
	return true
}

// filter evaluates a filter chain in every IPv4 rule set, then the native
// nftables base chains on the same hook: a packet must pass each of them.
func (w *walker) filter(chain string, p firewall.Packet, _ string) bool {
	p.Protocol, p.CTState = w.proto, "NEW"
	if p.DPort == 0 {
		p.DPort = 80
	}
	if !w.s.Firewall.Read() {
		w.hop(chain, "rules not read")
		w.unsure = append(w.unsure, "netviz could not read the firewall rules (run it with sudo)")
		return w.nftFilter(strings.ToLower(chain), p)
	}
	for _, rs := range w.s.Firewall.RuleSets {
		if rs.Family != 4 {
			continue
		}
		if _, ok := rs.Chain("filter", chain); !ok {
			continue
		}
		d := firewall.Evaluate(&rs, "filter", chain, p)
		at := chain
		if len(w.s.Firewall.RuleSets) > 2 && rs.Backend != w.s.Firewall.DockerBackend {
			at = chain + " (" + rs.Backend + ")"
		}
		if d.Uncertain {
			w.unsure = append(w.unsure, fmt.Sprintf("a %s rule netviz cannot evaluate was on the way", rs.Backend))
		}
		switch d.Verdict {
		case "DROP", "REJECT":
			if d.Rule != nil {
				where := at + " → " + d.Chain
				if d.Chain == chain {
					where = at
				}
				w.hop(where+": "+d.Verdict, "-A "+d.Chain+" "+d.Rule.Raw)
				w.block(fmt.Sprintf("dropped by %s%s", d.Chain, explain(d)))
			} else {
				w.hop(at+": policy "+d.Verdict, "no rule accepts it")
				w.block(fmt.Sprintf("the %s policy is %s and no rule accepts this packet", chain, d.Verdict))
			}
			return false
		case "ACCEPT":
			why := "policy ACCEPT"
			if d.Rule != nil {
				why = "-A " + d.Chain + " " + d.Rule.Raw
			}
			w.hop(at+": ACCEPT", why)
		}
	}
	return w.nftFilter(strings.ToLower(chain), p)
}

// nftFilter follows the packet through the native nftables base chains on
// a hook (forward, input): Debian's inet filter, firewalld, Docker 29's
// docker-bridges. An accept ends only its own chain; a drop is final.
func (w *walker) nftFilter(hook string, p firewall.Packet) bool {
	for _, h := range firewall.HookChains(&w.s.Firewall, "filter", hook, 4) {
		d := firewall.EvaluateNft(h.Table, h.Chain.Name, p)
		at := h.Label()
		if d.Uncertain {
			w.unsure = append(w.unsure, fmt.Sprintf("a rule in %s netviz cannot evaluate was on the way", at))
		}
		where := at
		if d.Rule != nil && d.Chain != h.Chain.Name {
			where = at + " → " + d.Chain
		}
		switch d.Verdict {
		case "DROP", "REJECT":
			if d.Rule != nil {
				w.hop(where+": "+d.Verdict, d.Rule.Raw)
				w.block("dropped by the nftables chain " + nftName(h.Table, d.Chain))
			} else {
				w.hop(at+": policy "+d.Verdict, "no rule accepts it")
				w.block(fmt.Sprintf("the nftables chain %s has policy %s and no rule accepts this packet: Docker's ACCEPT rules do not override another table's drop",
					nftName(h.Table, h.Chain.Name), strings.ToLower(d.Verdict)))
			}
			return false
		case "ACCEPT":
			why := "policy accept"
			if d.Rule != nil {
				why = d.Rule.Raw
			}
			w.hop(where+": ACCEPT", why)
		}
	}
	return true
}

func nftName(t *topo.NftTable, chain string) string { return t.Family + " " + t.Name + " " + chain }

func explain(d firewall.Decision) string {
	switch {
	case strings.HasPrefix(d.Chain, "DOCKER-ISOLATION"):
		return " (different bridge networks are isolated)"
	case d.Chain == "DOCKER-USER":
		return " (a rule someone added to DOCKER-USER)"
	case (d.Chain == "FORWARD" || d.Chain == "DOCKER-FORWARD") && d.Rule != nil &&
		d.Rule.In != "" && d.Rule.In == d.Rule.Out && !strings.HasPrefix(d.Rule.In, "!"):
		// What Docker adds for a network created with enable_icc=false.
		return fmt.Sprintf(" (inter-container communication is off on %s: com.docker.network.bridge.enable_icc=false)", d.Rule.In)
	}
	return ""
}

// nat evaluates a nat chain of the Docker backend.
func (w *walker) nat(chain string, p firewall.Packet) firewall.Decision {
	p.Protocol, p.CTState = w.proto, "NEW"
	return w.docker("nat", chain, p)
}

// docker evaluates one of Docker's own chains (nat PREROUTING, raw
// PREROUTING, ...): in its iptables backend, or in its nftables table,
// whose base chains Docker names after iptables' (nat-PREROUTING).
func (w *walker) docker(table, chain string, p firewall.Packet) firewall.Decision {
	fw := &w.s.Firewall
	if fw.DockerBackend == topo.BackendNftables {
		t, ok := fw.Nftable("ip", topo.DockerNftTable)
		if !ok {
			return firewall.Decision{}
		}
		return firewall.EvaluateNft(t, table+"-"+chain, p)
	}
	rs, ok := fw.RuleSet(fw.DockerBackend, 4)
	if !ok {
		return firewall.Decision{}
	}
	return firewall.Evaluate(rs, table, chain, p)
}

// ruleText is a rule of Docker's that decided, as its backend prints it.
func (w *walker) ruleText(d firewall.Decision) string {
	if w.s.Firewall.DockerBackend == topo.BackendNftables {
		return "nftables ip " + topo.DockerNftTable + " " + d.Chain + ": " + d.Rule.Raw
	}
	return "-A " + d.Chain + " " + d.Rule.Raw
}

func (w *walker) hopHostRoute(dst netip.Addr) {
	r, ok := lookup(w.s.Routes, dst)
	if !ok {
		if len(w.s.Routes) > 0 {
			w.hop("routing", "no route")
			w.block(fmt.Sprintf("the host has no route to %s", dst))
		}
		return
	}
	w.hop("routing", routeText(r))
}

func (w *walker) containerToHost(src *topo.Container, to endpoint) {
	dst := to.addr
	if !dst.IsValid() {
		// "host": the gateway of the container's first bridge network.
		// "host": the address of the container's first bridge.
		for _, a := range w.attachments(src) {
			if a.network.Driver == "bridge" && !dst.IsValid() {
				if g, err := netip.ParseAddr(firstV4(w.s, a.network.Bridge)); err == nil {
					dst = g
				}
			}
		}
		if !dst.IsValid() {
			w.unknown(fmt.Sprintf("%s is on no bridge with an address netviz knows", src.Name))
			return
		}
	}
	out, ok := w.containerEgress(src, dst)
	if !ok {
		return
	}
	if to.port != 0 && to.addr.IsValid() {
		// A published port? Docker's DNAT first, then its userland proxy.
		d := w.nat("PREROUTING", firewall.Packet{In: out.network.Bridge, Src: out.addr, Dst: dst, DPort: to.port, DstLocal: true})
		if d.Verdict == "DNAT" {
			w.dnat(d, out.network.Bridge, out.addr)
			return
		}
		if c, p, ok := w.published(dst, to.port); ok {
			w.bridge = ""
			w.hop(fmt.Sprintf("docker-proxy %s:%d", p.HostIP, p.HostPort), "published port; no DNAT for traffic from a bridge, so Docker's userland proxy takes it")
			w.hostToContainer(endpoint{container: c, port: p.ContainerPort}, "from docker-proxy")
			if w.verdict == Reachable {
				w.reason = fmt.Sprintf("published port %d: docker-proxy forwards it to %s:%d", to.port, c.Name, p.ContainerPort)
			}
			return
		}
	}
	if !w.filter("INPUT", firewall.Packet{In: out.network.Bridge, Src: out.addr, Dst: dst, DPort: to.port}, "") {
		return
	}
	w.hop("host "+dst.String(), "local address")
	w.reach(fmt.Sprintf("%s is the host's own address, reached through %s", dst, out.network.Bridge))
}

// published finds the container that publishes port on addr.
func (w *walker) published(addr netip.Addr, port int) (*topo.Container, topo.Port, bool) {
	for i := range w.s.Containers {
		c := &w.s.Containers[i]
		if c.State != topo.StateRunning {
			continue
		}
		for _, p := range c.Ports {
			if p.HostPort != port || p.Protocol != w.proto {
				continue
			}
			hip, err := netip.ParseAddr(p.HostIP)
			if err != nil || hip.IsUnspecified() && hip.Is4() == addr.Is4() || hip == addr || (addr.IsLoopback() && hip.IsUnspecified()) {
				return c, p, true
			}
		}
	}
	return nil, topo.Port{}, false
}

// dnat follows a DNAT decision to the container it names. in and src are
// where the packet came from ("" for the host itself).
func (w *walker) dnat(d firewall.Decision, in string, src netip.Addr) {
	addr, port, _ := firewall.HostPort(d.Rule.ToDestination)
	w.hop("DNAT "+d.Rule.ToDestination, w.ruleText(d))
	var target *topo.Container
	var att attachment
	for i := range w.s.Containers {
		for _, a := range w.attachments(&w.s.Containers[i]) {
			if a.addr == addr {
				target, att = &w.s.Containers[i], a
			}
		}
	}
	if target == nil || target.State != topo.StateRunning {
		w.block(fmt.Sprintf("the DNAT target %s is no running container's address (see doctor: published-port-mismatch)", d.Rule.ToDestination))
		return
	}
	if in != "" {
		if !w.forwarding() {
			return
		}
		if !w.filter("FORWARD", firewall.Packet{In: in, Out: att.network.Bridge, Src: src, Dst: addr, DPort: port}, "") {
			return
		}
	}
	if !w.enter(target.Name, att) {
		return
	}
	w.reach(fmt.Sprintf("published port: DNAT to %s (%s)", d.Rule.ToDestination, target.Name))
}

func (w *walker) hostToContainer(to endpoint, why string) {
	var att *attachment
	for _, a := range w.attachments(to.container) {
		if a.network.Driver == "bridge" && a.addr.IsValid() && (!to.addr.IsValid() || a.addr == to.addr) {
			att = &a
			break
		}
	}
	if att == nil {
		w.unknown(fmt.Sprintf("%s has no IPv4 address on a bridge network netviz can follow", to.container.Name))
		return
	}
	if len(w.hops) == 0 {
		w.hop("host", why)
	}
	r, ok := lookup(w.s.Routes, att.addr)
	if ok {
		w.hop("routing", routeText(r))
		if r.Interface != att.network.Bridge {
			w.block(fmt.Sprintf("the host routes %s to %s, not to %s (see doctor: subnet-overlap)", att.addr, r.Interface, att.network.Bridge))
			return
		}
	}
	if !w.enter(to.container.Name, *att) {
		return
	}
	w.reach(fmt.Sprintf("the host reaches %s directly on %s", att.addr, att.network.Bridge))
}

func (w *walker) hostToHost(to endpoint) {
	w.hop("host", "")
	if to.port != 0 && to.addr.IsValid() {
		local := firewall.Packet{Dst: to.addr, DPort: to.port, DstLocal: true}
		d := w.nat("OUTPUT", local)
		if d.Verdict == "DNAT" {
			w.dnat(d, "", netip.Addr{})
			return
		}
		if c, p, ok := w.published(to.addr, to.port); ok {
			w.hop(fmt.Sprintf("docker-proxy %s:%d", p.HostIP, p.HostPort), "published port; loopback is not DNATed, Docker's userland proxy takes it")
			w.hostToContainer(endpoint{container: c}, "")
			if w.verdict == Reachable {
				w.reason = fmt.Sprintf("published port %d: docker-proxy forwards it to %s:%d", to.port, c.Name, p.ContainerPort)
			}
			return
		}
		w.hop(to.addr.String()+":"+strconv.Itoa(to.port), "no DNAT, no published port")
		w.unknown("nothing Docker publishes listens there; a host process might")
		return
	}
	w.reach("the host's own address")
}

func (w *walker) hostToOutside(to endpoint) {
	w.hop("host", "")
	w.hopHostRoute(to.addr)
	if w.done() {
		return
	}
	r, _ := lookup(w.s.Routes, to.addr)
	w.hop(r.Interface, "")
	if !w.up(r.Interface) {
		return
	}
	w.hop("outside", "")
	w.reach(fmt.Sprintf("leaves through %s; beyond the host netviz cannot see", r.Interface))
}

func (w *walker) containerToOutside(src *topo.Container, to endpoint) {
	out, ok := w.containerEgress(src, to.addr)
	if !ok {
		return
	}
	w.hopHostRoute(to.addr)
	if w.done() {
		return
	}
	r, _ := lookup(w.s.Routes, to.addr)
	if _, docker := w.bridgeNetwork(r.Interface); docker {
		w.unknown(fmt.Sprintf("%s is on Docker bridge %s but no container has it", to.addr, r.Interface))
		return
	}
	if !w.forwarding() {
		return
	}
	if !w.filter("FORWARD", firewall.Packet{In: out.network.Bridge, Out: r.Interface, Src: out.addr, Dst: to.addr, DPort: to.port}, "") {
		return
	}
	d := w.nat("POSTROUTING", firewall.Packet{In: out.network.Bridge, Out: r.Interface, Src: out.addr, Dst: to.addr, DPort: to.port})
	masq, how := false, "masqueraded"
	switch d.Verdict {
	case "MASQUERADE":
		w.hop("MASQUERADE as "+firstV4(w.s, r.Interface), w.ruleText(d))
		masq = true
	case "SNAT": // a network created with -o com.docker.network.host_ipv4=ADDR
		w.hop("SNAT to "+toSource(d.Rule.Raw), w.ruleText(d))
		masq, how = true, "source-NATed to "+toSource(d.Rule.Raw)
	}
	w.hop(r.Interface, "")
	if !w.up(r.Interface) {
		return
	}
	w.hop("outside", "")
	if !masq && w.s.Firewall.Read() {
		w.unknown(fmt.Sprintf("it leaves %s with the private source %s and no MASQUERADE or SNAT: replies are unlikely to come back (see doctor: missing-masquerade)", r.Interface, out.addr))
		return
	}
	w.reach(fmt.Sprintf("forwarded out through %s and %s; beyond the host netviz cannot see", r.Interface, how))
}

// toSource is an SNAT rule's --to-source, which netviz keeps in Raw only.
func toSource(raw string) string {
	f := strings.Fields(raw)
	for i := range f[:max(len(f)-1, 0)] {
		if f[i] == "--to-source" || f[i] == "to" && i > 0 && f[i-1] == "snat" { // iptables, nft
			return f[i+1]
		}
	}
	return "?"
}

func (w *walker) outsideToHost(from, to endpoint) {
	uplink := w.s.Host.Uplink
	w.hop(from.label(), "")
	w.hop(uplink, "")
	if to.port != 0 {
		d := w.nat("PREROUTING", firewall.Packet{In: uplink, Src: from.addr, Dst: to.addr, DPort: to.port, DstLocal: true})
		if d.Verdict == "DNAT" {
			w.dnat(d, uplink, from.addr)
			return
		}
	}
	if !w.filter("INPUT", firewall.Packet{In: uplink, Src: from.addr, Dst: to.addr, DPort: to.port}, "") {
		return
	}
	w.hop("host "+to.addr.String(), "local address")
	w.reach("delivered to the host itself; whether a process listens netviz cannot see")
}

func (w *walker) outsideToContainer(from, to endpoint) {
	uplink := w.s.Host.Uplink
	w.hop(from.label(), "")
	w.hop(uplink, "")
	var att *attachment
	for _, a := range w.attachments(to.container) {
		if a.network.Driver == "bridge" && a.addr.IsValid() {
			att = &a
			break
		}
	}
	if att == nil {
		w.unknown(fmt.Sprintf("%s has no IPv4 address on a bridge network netviz can follow", to.container.Name))
		return
	}
	// Docker 28 drops direct access to container addresses in the raw table.
	d := w.docker("raw", "PREROUTING", firewall.Packet{In: uplink, Src: from.addr, Dst: att.addr, Protocol: w.proto, DPort: to.port})
	if d.Verdict == "DROP" && d.Rule != nil {
		w.hop("raw PREROUTING: DROP", w.ruleText(d))
		w.block("Docker drops packets from outside addressed straight to a container")
		return
	}
	if !w.forwarding() {
		return
	}
	if !w.filter("FORWARD", firewall.Packet{In: uplink, Out: att.network.Bridge, Src: from.addr, Dst: att.addr, DPort: to.port}, "") {
		return
	}
	if !w.enter(to.container.Name, *att) {
		return
	}
	w.reach("forwarded straight to the container's address")
}

func (w *walker) bridgeNetwork(iface string) (*topo.Network, bool) {
	for i := range w.s.Networks {
		if w.s.Networks[i].Bridge == iface && iface != "" {
			return &w.s.Networks[i], true
		}
	}
	return nil, false
}

func firstV4(s *topo.Snapshot, iface string) string {
	if i, ok := s.HostInterface(iface); ok {
		for _, a := range i.Addresses {
			if p, err := netip.ParsePrefix(a); err == nil && p.Addr().Is4() {
				return p.Addr().String()
			}
		}
	}
	return iface + "'s address"
}

// lookup is a longest-prefix match over IPv4 or IPv6 routes.
func lookup(routes []topo.Route, dst netip.Addr) (topo.Route, bool) {
	var (
		best topo.Route
		bits = -1
	)
	fam := 4
	if !dst.Is4() {
		fam = 6
	}
	for _, r := range routes {
		if r.Family != fam {
			continue
		}
		var p netip.Prefix
		if r.Dst == "default" {
			p = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
			if fam == 6 {
				p = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
			}
		} else {
			var err error
			if p, err = netip.ParsePrefix(r.Dst); err != nil {
				a, err := netip.ParseAddr(r.Dst)
				if err != nil {
					continue
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
		}
		if p.Masked().Contains(dst) && (p.Bits() > bits || p.Bits() == bits && r.Metric < best.Metric) {
			best, bits = r, p.Bits()
		}
	}
	return best, bits >= 0
}

func routeText(r topo.Route) string {
	s := "route " + r.Dst
	if r.Gateway != "" {
		s += " via " + r.Gateway
	}
	if r.Interface != "" {
		s += " dev " + r.Interface
	}
	return s
}

// Text renders the result as the hops joined by arrows, then each hop's
// reason, then the verdict.
func (r Result) Text() string {
	var b strings.Builder
	var at []string
	for _, h := range r.Hops {
		at = append(at, h.At)
	}
	b.WriteString(strings.Join(at, " → "))
	b.WriteString("\n\n")
	for i, h := range r.Hops {
		if h.Why == "" {
			fmt.Fprintf(&b, "  %2d. %s\n", i+1, h.At)
		} else {
			fmt.Fprintf(&b, "  %2d. %s: %s\n", i+1, h.At, h.Why)
		}
	}
	fmt.Fprintf(&b, "\n%s: %s\n", strings.ToUpper(r.Verdict), r.Reason)
	return b.String()
}
