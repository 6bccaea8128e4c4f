package serve

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/internal/browsertest"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/topo"
)

// hostile is markup anyone who runs a container can put in a label.
const hostile = `<img src=x onerror=alert(1)>`

// hostileSnapshot is the renderers' hostile fixture (markup in container
// and interface names) with markup in every container's labels too.
func hostileSnapshot(t *testing.T) *topo.Snapshot {
	s := rendertest.Diagram(t, "hostile")
	for i := range s.Containers {
		s.Containers[i].Labels = map[string]string{"evil": hostile, hostile: "</script><script>alert(2)</script>"}
	}
	return s
}

func hostileChanges() diff.Result {
	return diff.Result{
		Added:   []diff.Item{{Object: diff.ObjContainer, ID: hostile, Detail: hostile}},
		Changed: []diff.Change{{Object: diff.ObjInterface, ID: hostile + ":eth0", Field: "mtu", Before: hostile, After: 1500}},
	}
}

// diagramOf fetches /api/diagram.
func diagramOf(t *testing.T, base string) drawing {
	t.Helper()
	resp := get(t, base+"/api/diagram")
	var d drawing
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/api/diagram: %d %v", resp.StatusCode, err)
	}
	return d
}

// TestHostileNamesEscaped checks what the server sends: the SVG has no
// element or attribute the markup asked for, the data carries it as text,
// the snapshot is JSON the browser may not sniff as HTML.
func TestHostileNamesEscaped(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	s := New(Options{Loopback: true})
	s.Publish(update(1, hostileSnapshot(t), diff.Result{}))
	base := start(t, s)

	d := diagramOf(t, base)
	dec := xml.NewDecoder(strings.NewReader(d.SVG))
	elements := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not XML: %v", err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		elements++
		switch strings.ToLower(el.Name.Local) {
		case "img", "script", "foreignobject", "iframe":
			t.Errorf("the SVG has a <%s> element", el.Name.Local)
		}
		for _, a := range el.Attr {
			if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") {
				t.Errorf("the SVG has an %s attribute", a.Name.Local)
			}
		}
	}
	if elements < 10 || strings.Contains(d.SVG, "<img") || !strings.Contains(d.SVG, "&lt;script&gt;") {
		t.Errorf("the SVG does not draw the hostile names escaped (%d elements)", elements)
	}
	if !bytes.Contains(d.Data, []byte(`\u003cimg src=x onerror=alert(1)\u003e`)) {
		t.Errorf("the element details do not carry the label as text: %.300s", d.Data)
	}

	resp := get(t, base+"/api/snapshot")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("the snapshot is served as %q, nosniff %q", ct, resp.Header.Get("X-Content-Type-Options"))
	}
	if _, err := topo.Decode(resp.Body); err != nil {
		t.Errorf("the snapshot does not read back: %v", err)
	}
	if page := body(t, get(t, base+"/")); strings.Contains(page, "onerror") || strings.Contains(page, "alert(") {
		t.Error("the page itself carries host data")
	}
}

// TestBrowserHostile opens the page in headless Chromium on a host whose
// names and labels are markup: no dialog opens, no element is injected,
// and the markup shows as text in the details panel and the change log.
func TestBrowserHostile(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	b := browsertest.New(t)
	s := New(Options{Loopback: true})
	s.Publish(update(1, hostileSnapshot(t), diff.Result{}))
	base := start(t, s)

	// Select an element whose details carry the hostile label.
	d := diagramOf(t, base)
	var data map[string]struct {
		Fields []struct{ Key, Value string }
	}
	if err := json.Unmarshal(d.Data, &data); err != nil {
		t.Fatal(err)
	}
	var pick string
	for id, info := range data {
		for _, f := range info.Fields {
			if f.Value == hostile && (pick == "" || id < pick) {
				pick = id
			}
		}
	}
	if pick == "" {
		t.Fatal("no element has the hostile label in its details")
	}
	b.Navigate(t, base+"/#search="+url.QueryEscape("<img")+"&select="+url.QueryEscape(pick))
	b.WaitFor(t, "the diagram", `document.querySelector("#nv-canvas svg g.node")`)
	b.WaitFor(t, "the label in the details panel", `document.getElementById("nv-details-fields").textContent.indexOf(`+browsertest.JSString(hostile)+`) >= 0`)
	s.Publish(update(2, hostileSnapshot(t), hostileChanges()))
	b.WaitFor(t, "the hostile change in the log", `document.getElementById("nv-log").textContent.indexOf(`+browsertest.JSString("+ container "+hostile)+`) >= 0`)
	var injected struct {
		Img, Handlers, Scripts int
	}
	b.Eval(t, `({img: document.querySelectorAll("img").length,
		handlers: document.querySelectorAll("[onerror],[onload],[onclick]").length,
		scripts: document.querySelectorAll("script").length})`, &injected)
	if injected.Img != 0 || injected.Handlers != 0 || injected.Scripts != 1 {
		t.Errorf("injected into the page: %+v", injected)
	}
	b.NoDialogs(t)
}
