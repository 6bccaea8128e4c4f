package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/netviz/netviz/topo"
)

// readingRuntime is a fakeRuntime that inspects one container by ID and
// counts what it is asked.
type readingRuntime struct {
	*fakeRuntime
	lists   int
	inspect map[string]int
}

var _ ContainerReader = (*readingRuntime)(nil)

func (r *readingRuntime) Containers(ctx context.Context, all bool) ([]ContainerInfo, []topo.Warning, error) {
	r.lists++
	return r.fakeRuntime.Containers(ctx, all)
}

func (r *readingRuntime) Container(_ context.Context, id string) (ContainerInfo, error) {
	r.inspect[id]++
	for _, c := range r.containers {
		if c.ID == id {
			return c, nil
		}
	}
	return ContainerInfo{}, fmt.Errorf("container %s: %w", id, ErrGone)
}

func sameSnapshot(t *testing.T, got, want *topo.Snapshot) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	if string(g) != string(w) {
		t.Errorf("incremental snapshot differs from a full read:\n got %s\nwant %s", g, w)
	}
}

// A container that starts, a namespace that changes and a container that
// stops are re-read alone, and the model built from the cached rest is the
// one a full read builds.
func TestRefreshRereadsOnlyWhatIsTouched(t *testing.T) {
	w := newWorld(t)
	web, webNS := w.container("web", "bridge")
	webID := web.ID
	var apiNS NSRef
	webVeth := w.veth(webNS, 3, "eth0", 2, "02:42:ac:11:00:02", "172.17.0.2/16")
	rt := &readingRuntime{fakeRuntime: w.runtime, inspect: map[string]int{}}
	in := &Inspector{Runtime: rt, Kernel: w.kernel, Opts: Options{Version: "test", Now: w.snapshot(false).GeneratedAt.Local}}
	// reads counts the namespace reads of web and api that f makes.
	reads := func(f func()) (web, api int) {
		w0, a0 := w.kernel.reads[webNS], w.kernel.reads[apiNS]
		f()
		return w.kernel.reads[webNS] - w0, w.kernel.reads[apiNS] - a0
	}
	tr := in.Track()
	if _, err := tr.Full(t.Context()); err != nil {
		t.Fatal(err)
	}

	// api starts on appnet: its inspect, its namespace and the host.
	api, aNS := w.container("api", "appnet")
	apiNS = aNS
	apiID := api.ID
	w.veth(apiNS, 4, "eth0", 2, "02:42:ac:12:00:02", "172.18.0.2/16")
	var (
		got *topo.Snapshot
		err error
	)
	webReads, apiReads := reads(func() { got, err = tr.Refresh(t.Context(), Touched{Containers: []string{apiID}, Host: true}) })
	if err != nil {
		t.Fatal(err)
	}
	sameSnapshot(t, got, w.snapshot(false))
	if rt.lists != 1 || rt.inspect[apiID] != 1 || rt.inspect[webID] != 0 {
		t.Errorf("runtime asked: %d lists, inspects %v; want the first list, then api's inspect alone", rt.lists, rt.inspect)
	}
	if webReads != 0 || apiReads != 1 {
		t.Errorf("namespace reads: web %d, api %d; want api's alone", webReads, apiReads)
	}

	// An address added in web's namespace: that namespace alone.
	f := w.kernel.namespaces[webNS]
	f.Links[1].Addresses = append(f.Links[1].Addresses, "172.17.0.99/16")
	webReads, apiReads = reads(func() { got, err = tr.Refresh(t.Context(), Touched{Namespaces: []NSRef{webNS}}) })
	if err != nil {
		t.Fatal(err)
	}
	sameSnapshot(t, got, w.snapshot(false))
	if webReads != 1 || apiReads != 0 || rt.lists != 1 {
		t.Errorf("namespace reads: web %d, api %d, lists %d; want web's alone", webReads, apiReads, rt.lists)
	}

	// web stops: it goes from the list, its veth from the host.
	w.runtime.containers[0].State, w.runtime.containers[0].PID = topo.StateExited, 0
	w.kernel.host.Namespace.Links = slices.DeleteFunc(w.kernel.host.Namespace.Links, func(l Link) bool { return l.Index == webVeth.Index })
	got, err = tr.Refresh(t.Context(), Touched{Containers: []string{webID}, Host: true})
	if err != nil {
		t.Fatal(err)
	}
	sameSnapshot(t, got, w.snapshot(false))
	if len(got.Containers) != 1 || got.Containers[0].Name != "api" {
		t.Errorf("containers after web stopped: %+v", got.Containers)
	}
	if _, ok := tr.Namespaces()[webNS]; ok {
		t.Errorf("web's namespace is still tracked after it stopped")
	}
}

// Snapshots a Tracker hands out share no list with the next one it builds
// from the same rules: a live view sorts the next while a web request
// reads the last (the race detector caught serve doing exactly that).
func TestRefreshSharesNoFirewallOrRoutes(t *testing.T) {
	w := newWorld(t)
	rules := []topo.Rule{{Raw: "-j DOCKER", Target: "DOCKER"}}
	nf := &fakeFirewall{
		fw: topo.Firewall{Default: topo.BackendLegacy, RuleSets: []topo.RuleSet{{Backend: topo.BackendLegacy, Family: 4, Tables: []topo.Table{
			{Name: "filter", Chains: []topo.Chain{{Name: "FORWARD", Policy: "ACCEPT", Rules: rules}}}}}},
			Nftables: []topo.NftTable{{Family: "ip", Name: "docker-bridges", Chains: []topo.NftChain{{Chain: topo.Chain{Name: "filter-FORWARD", Rules: rules}}}}}},
		values: map[string]string{topo.SysctlIPForward: "1"},
	}
	rt := &readingRuntime{fakeRuntime: w.runtime, inspect: map[string]int{}}
	in := &Inspector{Runtime: rt, Kernel: w.kernel, Firewall: nf}
	tr := in.Track()
	first, err := tr.Full(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	next, err := tr.Refresh(t.Context(), Touched{Host: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Routes) == 0 || len(next.Routes) == 0 {
		t.Fatalf("the test world has no routes: %v, %v", first.Routes, next.Routes)
	}
	first.Firewall.RuleSets[0].Tables[0].Chains[0].Rules[0].Raw = "changed"
	first.Firewall.Nftables[0].Chains[0].Rules[0].Raw = "changed"
	first.Firewall.RuleSets[0].Tables[0].Name = "changed"
	first.Sysctls[topo.SysctlIPForward] = "changed"
	first.Routes[0].Dst = "changed"
	if next.Firewall.RuleSets[0].Tables[0].Chains[0].Rules[0].Raw != "-j DOCKER" || next.Firewall.Nftables[0].Chains[0].Rules[0].Raw != "-j DOCKER" ||
		next.Firewall.RuleSets[0].Tables[0].Name != "filter" || next.Sysctls[topo.SysctlIPForward] != "1" || next.Routes[0].Dst == "changed" {
		t.Errorf("the next snapshot changed with the first: %+v, sysctls %v, routes %v", next.Firewall, next.Sysctls, next.Routes)
	}
	if rules[0].Raw != "-j DOCKER" {
		t.Errorf("the firewall source's own rules changed: %+v", rules)
	}
}
