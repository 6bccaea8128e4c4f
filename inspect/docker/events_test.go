package docker

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/netviz/netviz/inspect"
)

// Events become Changes: a network event names the network as its actor
// and the container in an attribute. The stream is asked from since, for
// the container and network events that change networking only; a stream
// that ends is an error.
func TestWatchChanges(t *testing.T) {
	f := loadFake(t, "testdata/api141")
	f.events = []string{
		`{"Type":"network","Action":"connect","Actor":{"ID":"n1","Attributes":{"container":"c1","name":"net1","type":"bridge"}},"time":1700000001,"timeNano":1700000001000000100}`,
		`{"Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"name":"web","image":"busybox"}},"time":1700000001,"timeNano":1700000001000000200}`,
		`{"Type":"volume","Action":"mount","Actor":{"ID":"v1"},"time":1700000001}`,
	}
	s := f.start(Options{})
	var got []inspect.Change
	since := time.Unix(1700000000, 5)
	err := s.WatchChanges(t.Context(), since, func(c inspect.Change) { got = append(got, c) })
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("WatchChanges = %v, want the stream's end as an error", err)
	}
	want := []inspect.Change{
		{Time: time.Unix(0, 1700000001000000100), Kind: inspect.ChangeNetwork, Action: "connect", ID: "n1", Name: "net1", Container: "c1"},
		{Time: time.Unix(0, 1700000001000000200), Kind: inspect.ChangeContainer, Action: "start", ID: "c1", Name: "web", Container: "c1"},
	}
	if !slices.EqualFunc(got, want, func(a, b inspect.Change) bool {
		return a.Time.Equal(b.Time) && a.Kind == b.Kind && a.Action == b.Action && a.ID == b.ID && a.Name == b.Name && a.Container == b.Container
	}) {
		t.Errorf("changes:\n got %+v\nwant %+v", got, want)
	}
	q, _ := url.ParseQuery(f.eventsQuery)
	if q.Get("since") != "1700000000.000000005" {
		t.Errorf("since = %q", q.Get("since"))
	}
	var filters map[string]map[string]bool
	if err := json.Unmarshal([]byte(q.Get("filters")), &filters); err != nil {
		t.Fatalf("filters %q: %v", q.Get("filters"), err)
	}
	for _, want := range []string{"start", "die", "destroy", "connect", "disconnect", "create"} {
		if !filters["event"][want] {
			t.Errorf("event %q not asked for: %v", want, filters["event"])
		}
	}
	if !filters["type"]["container"] || !filters["type"]["network"] || len(filters["type"]) != 2 {
		t.Errorf("types asked for: %v", filters["type"])
	}
}

// A stream cancelled by its caller ends without an error.
func TestWatchChangesEndsWithCtx(t *testing.T) {
	f := loadFake(t, "testdata/api141")
	f.hang = map[string]bool{"events": true}
	s := f.start(Options{})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.WatchChanges(ctx, time.Time{}, func(inspect.Change) {}) }()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("WatchChanges after cancel = %v", err)
	}
}

// One container is inspected by ID; one that is gone says so.
func TestContainerByID(t *testing.T) {
	f := loadFake(t, "testdata/api141")
	s := f.start(Options{})
	var id string
	for k := range f.inspects {
		id = k
		break
	}
	c, err := s.Container(t.Context(), id)
	if err != nil || c.ID != id || c.Name == "" {
		t.Errorf("Container(%s) = %+v, %v", id, c, err)
	}
	if _, err := s.Container(t.Context(), "nosuch"); !errors.Is(err, inspect.ErrGone) {
		t.Errorf("Container(nosuch) = %v, want ErrGone", err)
	}
}
