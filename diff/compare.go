package diff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/netviz/netviz/diagnose"
	"github.com/netviz/netviz/topo"
)

// Options change what Compare looks at.
type Options struct {
	// FindingsGiven says OldFindings and NewFindings are what diagnose found
	// on each side, to be used instead of running diagnose.Run on the two
	// snapshots: a filtered view must be diagnosed whole, then narrowed with
	// diagnose.Within, or the checks take what the filter left out for
	// missing.
	FindingsGiven            bool
	OldFindings, NewFindings []topo.Finding
	// NoFindings leaves doctor's findings out of the comparison.
	NoFindings bool
	// Narrow says the snapshots are filtered views (topo.Filter): the
	// host's routes and firewall rules, which a filter keeps whole, are
	// compared only where they are about what the views show.
	Narrow bool
}

// Compare says what differs from old to new: what was added, removed and
// changed, in a deterministic order, with notes on compose services. When
// and by which netviz the snapshots were taken, and their warnings (what
// could not be read), are not differences.
func Compare(old, new *topo.Snapshot) Result {
	return CompareWith(old, new, Options{})
}

// CompareWith is Compare with options.
func CompareWith(old, new *topo.Snapshot, o Options) Result {
	if old == nil {
		old = &topo.Snapshot{}
	}
	if new == nil {
		new = &topo.Snapshot{}
	}
	d := newDiffer(old, new)
	if o.Narrow {
		d.scope = newScope(old, new)
	}
	d.host()
	d.networks()
	d.bridges()
	d.containers()
	d.namespaces()
	d.pairs()
	d.hostInterfaces()
	d.routes("", old.Routes, new.Routes)
	d.firewall()
	d.movedRuleChanges()
	if !o.NoFindings {
		of, nf := o.OldFindings, o.NewFindings
		if !o.FindingsGiven {
			of, nf = diagnose.Run(old), diagnose.Run(new)
		}
		d.findings(of, nf)
	}
	d.compose()
	d.countSubsumed()
	return d.result()
}

// differ is one comparison under way. Besides the result, it remembers what
// came or went whole (a network with its bridge, a container), so that the
// parts that came or went with it — its bridge, routes, veths, interfaces,
// ports and firewall rules — are not listed once more each.
type differ struct {
	old, new *topo.Snapshot
	r        Result
	// addedContainers and removedContainers are by name.
	addedContainers, removedContainers map[string]bool
	// wholeBridges are bridges added or removed with their network, by
	// bridge name, mapped to the network's name.
	wholeBridges map[string]string
	// wholeIPs are the addresses (no prefix length) of containers added or
	// removed, mapped to the container's name.
	wholeIPs map[string]string
	// movedIPs are the addresses a container kept from one side to the
	// other had only before or has only now (it changed networks), and
	// moved collects the rules about them that came or went, reported as
	// one change of that container (see firewall.go).
	movedIPs map[string]string
	moved    map[string]*movedRules
	// subsumed counts the firewall rules left out per item (object+id).
	subsumed map[[2]string]int
	// oldIdx and newIdx look things up in each snapshot without a scan.
	oldIdx, newIdx index
	// scope, when set, narrows host routes and rules to filtered views.
	scope *scope
}

// index is what the comparison looks up in one snapshot, by key.
type index struct {
	// pairEnds are, by container (or unowned namespace ID), the links there
	// that are the far end of a veth pair: the pair, not the link, is what
	// comes and goes.
	pairEnds map[string]map[string]bool
	// namespaces by ID, host links by name.
	namespaces map[string]*topo.Namespace
	links      map[string]*topo.Interface
}

func newIndex(s *topo.Snapshot) index {
	x := index{pairEnds: map[string]map[string]bool{}, namespaces: map[string]*topo.Namespace{},
		links: map[string]*topo.Interface{}}
	for _, p := range s.Pairs {
		owner := p.Container
		if owner == "" {
			owner = p.Namespace
		}
		if x.pairEnds[owner] == nil {
			x.pairEnds[owner] = map[string]bool{}
		}
		x.pairEnds[owner][p.ContainerInterface] = true
	}
	for i := range s.Namespaces {
		x.namespaces[s.Namespaces[i].ID] = &s.Namespaces[i]
	}
	for i := range s.Interfaces {
		x.links[s.Interfaces[i].Name] = &s.Interfaces[i]
	}
	return x
}

func newDiffer(old, new *topo.Snapshot) *differ {
	return &differ{old: old, new: new,
		r:               Result{Added: []Item{}, Removed: []Item{}, Changed: []Change{}},
		addedContainers: map[string]bool{}, removedContainers: map[string]bool{},
		wholeBridges: map[string]string{}, wholeIPs: map[string]string{}, movedIPs: map[string]string{}, moved: map[string]*movedRules{}, subsumed: map[[2]string]int{},
		oldIdx: newIndex(old), newIdx: newIndex(new),
	}
}

func (d *differ) added(object, id, detail string) {
	d.r.Added = append(d.r.Added, Item{Object: object, ID: id, Detail: detail})
}

func (d *differ) removed(object, id, detail string) {
	d.r.Removed = append(d.r.Removed, Item{Object: object, ID: id, Detail: detail})
}

func (d *differ) note(object, id, text string) {
	d.r.Notes = append(d.r.Notes, Note{Object: object, ID: id, Text: text})
}

// field records a change of a comparable field when before and after differ.
func field[T comparable](d *differ, object, id, name string, before, after T) {
	if before != after {
		d.r.Changed = append(d.r.Changed, Change{Object: object, ID: id, Field: name, Before: before, After: after})
	}
}

// listField records a change of a list field; lists are compared in order,
// so callers sort them first when order means nothing.
func listField(d *differ, object, id, name string, before, after []string) {
	if !slices.Equal(before, after) {
		d.r.Changed = append(d.r.Changed, Change{Object: object, ID: id, Field: name,
			Before: nonNilStrings(before), After: nonNilStrings(after)})
	}
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// match pairs the elements of two lists by key: each is either only in old,
// only in new, or in both. Keys are unique within a list; a duplicate
// (which a well-formed snapshot does not have) is compared once.
func match[T any](old, new []T, key func(*T) string, onlyOld, onlyNew func(*T), both func(o, n *T)) {
	olds := make(map[string]*T, len(old))
	for i := range old {
		olds[key(&old[i])] = &old[i]
	}
	seen := make(map[string]bool, len(new))
	for i := range new {
		k := key(&new[i])
		if seen[k] {
			continue
		}
		seen[k] = true
		if o, ok := olds[k]; ok {
			both(o, &new[i])
		} else if onlyNew != nil {
			onlyNew(&new[i])
		}
	}
	for i := range old {
		k := key(&old[i])
		if !seen[k] && onlyOld != nil {
			seen[k] = true
			onlyOld(&old[i])
		}
	}
}

// objectRank orders the kinds of object as a person reads a change: the
// host first, then what Docker made, then the kernel's parts of it, then
// the firewall and findings.
var objectRank = map[string]int{
	ObjHost: 0, ObjSetting: 1, ObjProject: 2, ObjService: 3, ObjNetwork: 4, ObjBridge: 5, ObjContainer: 6,
	ObjNamespace: 7, ObjPair: 8, ObjInterface: 9, ObjPort: 10, ObjRoute: 11, ObjRule: 12, ObjFinding: 13,
}

func compareObjects(aObj, aID, bObj, bID string) int {
	return cmp.Or(cmp.Compare(objectRank[aObj], objectRank[bObj]), strings.Compare(aObj, bObj), strings.Compare(aID, bID))
}

// result sorts what was found: by kind of object, then ID; an object's
// changed fields stay in the order they were compared.
func (d *differ) result() Result {
	byItem := func(a, b Item) int {
		return cmp.Or(compareObjects(a.Object, a.ID, b.Object, b.ID), strings.Compare(a.Detail, b.Detail))
	}
	slices.SortStableFunc(d.r.Added, byItem)
	slices.SortStableFunc(d.r.Removed, byItem)
	slices.SortStableFunc(d.r.Changed, func(a, b Change) int { return compareObjects(a.Object, a.ID, b.Object, b.ID) })
	slices.SortStableFunc(d.r.Notes, func(a, b Note) int {
		return cmp.Or(compareObjects(a.Object, a.ID, b.Object, b.ID), strings.Compare(a.Text, b.Text))
	})
	return d.r
}

// countSubsumed adds to an item's detail how many firewall rules came or
// went with it and are not listed on their own.
func (d *differ) countSubsumed() {
	for _, items := range []*[]Item{&d.r.Added, &d.r.Removed} {
		for i := range *items {
			it := &(*items)[i]
			if n := d.subsumed[[2]string{it.Object, it.ID}]; n > 0 {
				it.Detail = joinDetail(it.Detail, plural(n, "firewall rule"))
			}
		}
	}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func joinDetail(parts ...string) string {
	out := parts[:0:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

func (d *differ) host() {
	o, n := d.old.Host, d.new.Host
	field(d, ObjHost, "host", "hostname", o.Hostname, n.Hostname)
	field(d, ObjHost, "host", "kernel", o.Kernel, n.Kernel)
	field(d, ObjHost, "host", "runtime", runtimeText(o.Runtime), runtimeText(n.Runtime))
	field(d, ObjHost, "host", "uplink", o.Uplink, n.Uplink)
	// A sysctl absent on one side was not read there: not a change.
	for _, name := range sortedKeys(d.new.Sysctls) {
		if before, ok := d.old.Sysctls[name]; ok {
			field(d, ObjSetting, name, "value", before, d.new.Sysctls[name])
		}
	}
}

func runtimeText(r topo.Runtime) string {
	return strings.TrimSpace(r.Name + " " + r.Version)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (d *differ) networks() {
	key := func(n *topo.Network) string { return n.Name }
	match(d.old.Networks, d.new.Networks, key,
		func(n *topo.Network) {
			d.removed(ObjNetwork, n.Name, networkDetail(n))
			d.noteWholeBridge(d.old, n)
		},
		func(n *topo.Network) {
			d.added(ObjNetwork, n.Name, networkDetail(n))
			d.noteWholeBridge(d.new, n)
		},
		func(o, n *topo.Network) {
			field(d, ObjNetwork, n.Name, "id", o.ID, n.ID)
			field(d, ObjNetwork, n.Name, "driver", o.Driver, n.Driver)
			field(d, ObjNetwork, n.Name, "internal", o.Internal, n.Internal)
			field(d, ObjNetwork, n.Name, "ipv6", o.IPv6, n.IPv6)
			listField(d, ObjNetwork, n.Name, "subnets", subnets(o), subnets(n))
			field(d, ObjNetwork, n.Name, "bridge", o.Bridge, n.Bridge)
			field(d, ObjNetwork, n.Name, "parent", o.Parent, n.Parent)
			listField(d, ObjNetwork, n.Name, "options", keyValues(o.Options), keyValues(n.Options))
		})
}

// noteWholeBridge remembers the bridge of a network that came or went, if
// the bridge is in that snapshot, so that it is not listed on its own.
func (d *differ) noteWholeBridge(s *topo.Snapshot, n *topo.Network) {
	if n.Bridge == "" {
		return
	}
	for _, b := range s.Bridges {
		if b.Name == n.Bridge {
			d.wholeBridges[b.Name] = n.Name
		}
	}
}

func networkDetail(n *topo.Network) string {
	var parts []string
	parts = append(parts, "driver "+n.Driver)
	if n.Bridge != "" {
		parts = append(parts, "bridge "+n.Bridge)
	}
	if n.Parent != "" {
		parts = append(parts, "parent "+n.Parent)
	}
	parts = append(parts, subnets(n)...)
	if n.Internal {
		parts = append(parts, "internal")
	}
	if p := n.ComposeProject(); p != "" {
		parts = append(parts, "project "+p)
	}
	return joinDetail(parts...)
}

func subnets(n *topo.Network) []string {
	out := make([]string, 0, len(n.Subnets))
	for _, s := range n.Subnets {
		out = append(out, s.Subnet)
	}
	slices.Sort(out)
	return out
}

func keyValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, k+"="+m[k])
	}
	return out
}

func (d *differ) bridges() {
	key := func(b *topo.Bridge) string { return b.Name }
	detail := func(b *topo.Bridge) string {
		return joinDetail(strings.Join(topo.GlobalAddrs(b.Addresses), ", "), "network "+cmp.Or(b.Network, "none"))
	}
	match(d.old.Bridges, d.new.Bridges, key,
		func(b *topo.Bridge) {
			if _, whole := d.wholeBridges[b.Name]; !whole {
				d.removed(ObjBridge, b.Name, detail(b))
			}
		},
		func(b *topo.Bridge) {
			if _, whole := d.wholeBridges[b.Name]; !whole {
				d.added(ObjBridge, b.Name, detail(b))
			}
		},
		func(o, n *topo.Bridge) {
			field(d, ObjBridge, n.Name, "network", o.Network, n.Network)
			field(d, ObjBridge, n.Name, "state", o.State, n.State)
			// Only the bridge's link says whether it is set up (ip link set up).
			oi, ook := d.oldIdx.links[o.Name]
			ni, nok := d.newIdx.links[n.Name]
			if ook && nok {
				field(d, ObjBridge, n.Name, "up", oi.Up, ni.Up)
			}
			field(d, ObjBridge, n.Name, "mtu", o.MTU, n.MTU)
			listField(d, ObjBridge, n.Name, "addresses", topo.GlobalAddrs(o.Addresses), topo.GlobalAddrs(n.Addresses))
			field(d, ObjBridge, n.Name, "stp", o.STP, n.STP)
		})
}

// addrOnly strips a prefix length: "172.18.0.2/16" → "172.18.0.2".
func addrOnly(cidr string) string {
	a, _, _ := strings.Cut(cidr, "/")
	return a
}
