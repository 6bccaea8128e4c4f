package html

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	stdhtml "html"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/render/diagram"
	"github.com/netviz/netviz/render/diagram/dot"
	"github.com/netviz/netviz/render/graphviz"
	"github.com/netviz/netviz/topo"
)

var testOptions = diagram.Options{Version: "test", Now: rendertest.Now}

// svgOf draws d with the given engine.
func svgOf(t testing.TB, d *diagram.Diagram, engine string) []byte {
	t.Helper()
	var graph bytes.Buffer
	if err := dot.Write(&graph, d); err != nil {
		t.Fatal(err)
	}
	svg, err := graphviz.Render(context.Background(), graph.Bytes(), graphviz.FormatSVG, engine)
	if err != nil {
		t.Fatal(err)
	}
	return svg
}

func writeHTMLFor(t testing.TB, d *diagram.Diagram, engine string) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := Write(&out, d, svgOf(t, d, engine)); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// htmlData returns the node details the page embeds.
func htmlData(t *testing.T, page []byte) map[string]nodeInfo {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="nv-data">(.*?)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("page has no nv-data script")
	}
	var data map[string]nodeInfo
	if err := json.Unmarshal(m[1], &data); err != nil {
		t.Fatalf("nv-data is not JSON: %v", err)
	}
	return data
}

func TestHTMLHostileStringsStayText(t *testing.T) {
	s := rendertest.Diagram(t, "hostile")
	d := diagram.Build(s, testOptions)
	for _, engine := range []string{graphviz.EngineDot, graphviz.EngineEmbedded} {
		t.Run(engine, func(t *testing.T) {
			if engine == graphviz.EngineDot {
				testenv.RequireProgram(t, "dot", "graphviz")
			}
			svg := svgOf(t, d, engine)
			page := writeHTMLFor(t, d, engine)
			for name, b := range map[string][]byte{"SVG": svg, "HTML": page} {
				lower := strings.ToLower(string(b))
				if strings.Contains(lower, "<script>alert") || strings.Contains(lower, "<img src=x") {
					t.Errorf("%s has the hostile markup unescaped", name)
				}
			}
			if n := strings.Count(strings.ToLower(string(page)), "<script"); n != 2 {
				t.Errorf("page has %d <script> elements, want 2 (the data and netviz's own)", n)
			}
			// The names are drawn as text, exactly.
			if !strings.Contains(string(svg), stdhtml.EscapeString("<script>alert(1)</script>")) &&
				!strings.Contains(string(svg), "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Error("SVG does not draw the container name as text")
			}
			if !strings.Contains(stdhtml.UnescapeString(string(svg)), `web"&{}|\N\G`) {
				t.Error(`SVG does not draw the name web"&{}|\N\G as it is`)
			}
			data := htmlData(t, page)
			found := false
			for _, info := range data {
				for _, f := range info.Fields {
					if f.Key == "label note" && f.Value == "<script>alert(1)</script>" {
						found = true
					}
				}
			}
			if !found {
				t.Error("details lost the label's exact value")
			}
		})
	}
}

func TestHTMLSelfContained(t *testing.T) {
	d := diagram.Build(rendertest.Diagram(t, "pod"), testOptions)
	page := string(writeHTMLFor(t, d, graphviz.EngineEmbedded))
	for _, bad := range []string{"src=", "href=", "@import", "url(", "<link", "fetch(", "XMLHttpRequest"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q: it must fetch nothing", bad)
		}
	}
	if !strings.Contains(stdhtml.UnescapeString(page), `content="default-src 'none';`) {
		t.Error("page has no Content-Security-Policy forbidding fetches")
	}
	data := htmlData(t, []byte(page))
	for _, id := range []string{"cluster_host", "host_eth0", "host_docker0", "cluster_ns_4026532206", "if_ns_4026532206_eth0"} {
		if _, ok := data[id]; !ok {
			t.Errorf("details have no entry for %s", id)
		}
		if !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("inline SVG has no element %s", id)
		}
	}
	if got := data["cluster_ns_4026532206"].Members; len(got) != 1 || got[0] != "if_ns_4026532206_eth0" {
		t.Errorf("pod cluster members = %v", got)
	}
}

// The Content-Security-Policy names the page's script by hash: the script
// must reach the page byte for byte or the browser refuses to run it.
func TestHTMLScriptMatchesCSP(t *testing.T) {
	page := writeHTMLFor(t, diagram.Build(rendertest.Diagram(t, "pod"), testOptions), graphviz.EngineEmbedded)
	m := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no script")
	}
	sum := sha256.Sum256(m[1])
	want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if !strings.Contains(stdhtml.UnescapeString(string(page)), want) {
		t.Errorf("CSP does not allow the script on the page (%s)", want)
	}
}

// The page is the embedded template, style sheet and script, each put in
// as it is.
func TestHTMLPageAssets(t *testing.T) {
	page := string(writeHTMLFor(t, diagram.Build(rendertest.Diagram(t, "pod"), testOptions), graphviz.EngineEmbedded))
	for name, asset := range map[string]string{"page.css": "<style>\n" + pageStyle + "</style>", "page.js": "<script>\n" + pageJS + "</script>"} {
		if !strings.Contains(page, asset) {
			t.Errorf("%s is not in the page byte for byte", name)
		}
	}
}

func TestHTMLRefusesUnsafeSVG(t *testing.T) {
	d := &diagram.Diagram{Title: "t"}
	for name, svg := range map[string]string{
		"script":        `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
		"handler":       `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`,
		"foreignObject": `<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>`,
		"javascript":    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href=" JavaScript:alert(1)"><text>x</text></a></svg>`,
		"not XML":       `<svg><g></svg>`,
		"no svg":        `<html></html>`,
	} {
		if err := Write(&bytes.Buffer{}, d, []byte(svg)); !errors.Is(err, ErrUnsafeSVG) {
			t.Errorf("%s: err = %v, want ErrUnsafeSVG", name, err)
		}
	}
}

// A problem's message reaches the details panel exactly, and never as
// markup.
func TestProblemsStayText(t *testing.T) {
	opt := testOptions
	hostile := rendertest.HostileProblem()
	opt.Problems = []topo.Finding{hostile}
	d := diagram.Build(rendertest.Diagram(t, "hostile"), opt)
	page := writeHTMLFor(t, d, graphviz.EngineEmbedded)
	if strings.Contains(strings.ToLower(string(page)), "<img") {
		t.Error("the message became markup in the page")
	}
	var cluster string
	for _, c := range d.Clusters {
		if len(c.Problems) > 0 {
			cluster = c.ID
		}
	}
	found := false
	for _, f := range htmlData(t, page)[cluster].Fields {
		found = found || f.Value == hostile.Message
	}
	if !found {
		t.Error("the details panel lost the problem's exact message")
	}
}

// chromium loads a page headless and returns the DOM after its script ran.
func chromium(t *testing.T, args ...string) []byte {
	t.Helper()
	path := testenv.RequireProgram(t, "chromium", "chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, path, append(base, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	return out
}

// elementClass returns the class attribute of the element with the given id.
func elementClass(dom []byte, id string) (string, bool) {
	m := regexp.MustCompile(`<g id="` + regexp.QuoteMeta(id) + `" class="([^"]*)"`).FindSubmatch(dom)
	if m == nil {
		return "", false
	}
	return string(m[1]), true
}

func TestHTMLInChromium(t *testing.T) {
	testenv.RequireProgram(t, "chromium", "chromium")
	dir := t.TempDir()
	write := func(name string, page []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, page, 0o644); err != nil {
			t.Fatal(err)
		}
		return "file://" + p
	}
	pod := write("pod.html", writeHTMLFor(t, diagram.Build(rendertest.Diagram(t, "pod"), testOptions), graphviz.EngineAuto))

	t.Run("search by name", func(t *testing.T) {
		dom := chromium(t, "--dump-dom", pod+"#search=cache")
		if c, ok := elementClass(dom, "cluster_ns_4026532209"); !ok || !strings.Contains(c, "nv-hit") {
			t.Errorf("cache's cluster class = %q, want nv-hit", c)
		}
		if c, _ := elementClass(dom, "if_ns_4026532209_eth0"); !strings.Contains(c, "nv-hit") {
			t.Errorf("cache's eth0 class = %q, want nv-hit with its cluster", c)
		}
		if c, _ := elementClass(dom, "if_ns_4026532203_eth0"); strings.Contains(c, "nv-hit") {
			t.Errorf("web's eth0 is lit by a search for cache")
		}
		// The cluster, its eth0, and the host veth paired with it.
		if !bytes.Contains(dom, []byte(`<span id="nv-count" aria-live="polite">3 matches</span>`)) {
			t.Error("match count not shown")
		}
	})
	t.Run("search by IP", func(t *testing.T) {
		dom := chromium(t, "--dump-dom", pod+"#search=172.17.0.2")
		if c, _ := elementClass(dom, "if_ns_4026532203_eth0"); !strings.Contains(c, "nv-hit") {
			t.Errorf("web's eth0 class = %q, want nv-hit", c)
		}
	})
	t.Run("select shows details", func(t *testing.T) {
		dom := chromium(t, "--dump-dom", pod+"#select=cluster_ns_4026532206")
		if c, _ := elementClass(dom, "cluster_ns_4026532206"); !strings.Contains(c, "nv-selected") {
			t.Errorf("pod cluster class = %q, want nv-selected", c)
		}
		if bytes.Contains(dom, []byte(`<aside id="nv-details" hidden`)) {
			t.Error("details panel still hidden")
		}
		for _, want := range []string{
			`<h2 id="nv-details-title">pod-app</h2>`,
			`<dt>container</dt><dd>pod-sidecar</dd>`,
			`<dt>image</dt><dd>envoyproxy/envoy:v1.31</dd>`,
			`<dt>endpoint appnet</dt><dd>172.18.0.2/16`,
		} {
			if !bytes.Contains(dom, []byte(want)) {
				t.Errorf("details panel lacks %s", want)
			}
		}
	})
	t.Run("hostile", func(t *testing.T) {
		d := diagram.Build(rendertest.Diagram(t, "hostile"), testOptions)
		page := write("hostile.html", writeHTMLFor(t, d, graphviz.EngineAuto))
		cluster := d.Clusters[1].ID
		dom := chromium(t, "--dump-dom", page+"#search=alert&select="+cluster)
		if bytes.Contains(bytes.ToLower(dom), []byte("<script>alert")) || bytes.Contains(dom, []byte("<img src")) {
			t.Error("hostile markup became elements")
		}
		if !bytes.Contains(dom, []byte(`<dd>&lt;script&gt;alert(1)&lt;/script&gt;</dd>`)) {
			t.Error("details panel does not show the hostile label as text")
		}
	})
	t.Run("screenshot", func(t *testing.T) {
		shot := filepath.Join(dir, "pod.png")
		chromium(t, "--screenshot="+shot, "--window-size=1400,900", "--hide-scrollbars", pod+"#search=pod-app&select=if_ns_4026532206_eth0")
		f, err := os.Open(shot)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if b := img.Bounds(); b.Dx() != 1400 || b.Dy() != 900 {
			t.Errorf("screenshot is %v, want 1400x900", b)
		}
		// The page drew something: more than a handful of colours.
		colours := map[uint32]bool{}
		for y := 0; y < img.Bounds().Dy(); y += 7 {
			for x := 0; x < img.Bounds().Dx(); x += 7 {
				r, g, b, _ := img.At(x, y).RGBA()
				colours[r>>8<<16|g>>8<<8|b>>8] = true
			}
		}
		if len(colours) < 20 {
			t.Errorf("screenshot has %d colours: blank page?", len(colours))
		}
		if keep := os.Getenv("NETVIZ_ARTIFACTS"); keep != "" {
			b, _ := os.ReadFile(shot)
			_ = os.WriteFile(filepath.Join(keep, "html-screenshot.png"), b, 0o644)
		}
	})
}
