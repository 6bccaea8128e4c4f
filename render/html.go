package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
)

// ErrUnsafeSVG is returned by WriteHTML for an SVG that could run script.
var ErrUnsafeSVG = errors.New("SVG is not safe to inline")

// WriteHTML writes one self-contained page: svg (Graphviz's drawing of d)
// inline, pan and zoom, a search box, and a details panel filled from d.
// It fetches nothing: no CDN, no fonts; its Content-Security-Policy forbids
// every fetch and every script but its own. The page applies
// "#search=<text>" and "#select=<element id>" from its URL on load.
func WriteHTML(w io.Writer, d *Diagram, svg []byte) error {
	inline, err := htmlInlineSVG(svg)
	if err != nil {
		return err
	}
	page := htmlPage{
		Title:    d.Title,
		Subtitle: d.Subtitle,
		CSP:      htmlCSP,
		SVG:      template.HTML(inline), // checked by htmlInlineSVG: no script, no handlers
		Data:     htmlNodeData(d),
		Script:   template.JS(htmlScript),
	}
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

type htmlPage struct {
	Title, Subtitle string
	CSP             string
	SVG             template.HTML
	Data            map[string]htmlNodeInfo
	// Script goes in verbatim: the template would strip its comments and
	// so change the hash the CSP names.
	Script template.JS
}

// htmlNodeInfo is what the page knows of one SVG element, by element id.
type htmlNodeInfo struct {
	Kind   string  `json:"kind"`
	Title  string  `json:"title"`
	Fields []Field `json:"fields"`
	// Members are the ids of a cluster's nodes, lit up with it.
	Members []string `json:"members,omitempty"`
	// Text is what the search box looks in, lower case.
	Text string `json:"text"`
}

func htmlNodeData(d *Diagram) map[string]htmlNodeInfo {
	data := map[string]htmlNodeInfo{}
	node := func(n Node) {
		fields := htmlFields(n.Problems, n.Details)
		data[n.ID] = htmlNodeInfo{Kind: string(n.Kind), Title: n.Title, Fields: fields, Text: htmlSearchText(n.Title, htmlLines(n.Problems, n.Lines), fields)}
	}
	for _, c := range d.Clusters {
		fields := htmlFields(c.Problems, c.Details)
		info := htmlNodeInfo{Kind: "cluster " + string(c.Kind), Title: c.Title, Fields: fields, Text: htmlSearchText(c.Title, htmlLines(c.Problems, c.Lines), fields)}
		for _, n := range c.Nodes {
			info.Members = append(info.Members, n.ID)
			node(n)
		}
		data[c.ID] = info
	}
	for _, n := range d.Nodes {
		node(n)
	}
	return data
}

// htmlFields are the details panel's rows: the problems first, what they
// mean and their fix, then the details.
func htmlFields(problems []Problem, details []Field) []Field {
	if len(problems) == 0 {
		return details
	}
	return append(problemFields(problems), details...)
}

// htmlLines are the lines the search box looks in: the problems' IDs too.
func htmlLines(problems []Problem, lines []string) []string {
	for _, p := range problems {
		lines = append(slices.Clip(lines), p.ID)
	}
	return lines
}

func htmlSearchText(title string, lines []string, fields []Field) string {
	parts := append([]string{title}, lines...)
	for _, f := range fields {
		parts = append(parts, f.Value)
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

// htmlInlineSVG returns svg from its <svg> element on, for use inside HTML,
// after checking that it is well-formed XML with nothing that runs script:
// no script, foreignObject or style elements, no on* attributes, no
// javascript: or data: links. Graphviz's output passes; anything else that
// would not is refused rather than repaired.
func htmlInlineSVG(svg []byte) ([]byte, error) {
	start := bytes.Index(svg, []byte("<svg"))
	if start < 0 {
		return nil, fmt.Errorf("%w: no <svg> element", ErrUnsafeSVG)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsafeSVG, err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch strings.ToLower(el.Name.Local) {
		case "script", "foreignobject", "style", "iframe", "object", "embed", "handler":
			return nil, fmt.Errorf("%w: it has a <%s> element", ErrUnsafeSVG, el.Name.Local)
		}
		for _, a := range el.Attr {
			name := strings.ToLower(a.Name.Local)
			value := strings.ToLower(strings.TrimSpace(a.Value))
			if strings.HasPrefix(name, "on") {
				return nil, fmt.Errorf("%w: it has an %s attribute", ErrUnsafeSVG, a.Name.Local)
			}
			if (name == "href" || name == "src") && (strings.HasPrefix(value, "javascript:") || strings.HasPrefix(value, "data:")) {
				return nil, fmt.Errorf("%w: it links to %.20q", ErrUnsafeSVG, a.Value)
			}
		}
	}
	return svg[start:], nil
}

// htmlCSP allows the page's own script (by hash) and inline styles, and
// nothing else: no fetch of any kind, no injected script or handler.
var htmlCSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-" + htmlScriptHash() + "'"

func htmlScriptHash() string {
	sum := sha256.Sum256([]byte(htmlScript))
	return base64.StdEncoding.EncodeToString(sum[:])
}

var htmlTemplate = template.Must(template.New("page").Parse(htmlPageSource))

const htmlPageSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="netviz">
<title>{{.Title}}</title>
<style>
html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2937; background: #f1f5f9; }
body { display: flex; flex-direction: column; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; padding: 8px 14px; background: #fff; border-bottom: 1px solid #cbd5e1; }
header h1 { font-size: 16px; margin: 0; }
header .sub { color: #6b7280; font-size: 12px; }
header .tools { margin-left: auto; display: flex; align-items: center; gap: 6px; }
#nv-search { width: 240px; padding: 5px 8px; border: 1px solid #94a3b8; border-radius: 6px; font: inherit; }
#nv-count { color: #6b7280; font-size: 12px; min-width: 70px; }
button { font: inherit; padding: 4px 10px; border: 1px solid #94a3b8; background: #f8fafc; border-radius: 6px; cursor: pointer; }
button:hover { background: #e2e8f0; }
main { flex: 1; display: flex; min-height: 0; }
#nv-viewport { flex: 1; position: relative; overflow: hidden; cursor: grab; background: #fff; touch-action: none; }
#nv-viewport.nv-dragging { cursor: grabbing; }
#nv-canvas { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
#nv-canvas svg { display: block; }
#nv-details { width: 340px; overflow: auto; background: #fff; border-left: 1px solid #cbd5e1; padding: 10px 14px; box-sizing: border-box; }
#nv-details[hidden] { display: none; }
#nv-details h2 { font-size: 15px; margin: 4px 0 2px; word-break: break-all; }
#nv-details .kind { color: #6b7280; font-size: 12px; margin-bottom: 8px; }
#nv-details dl { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); gap: 3px 10px; margin: 0; font-size: 12px; }
#nv-details dt { color: #6b7280; overflow-wrap: anywhere; }
#nv-details dd { margin: 0; word-break: break-all; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
#nv-details .close { float: right; }
.hint { color: #6b7280; font-size: 12px; }
g.node, g.cluster { cursor: pointer; }
svg.nv-searching g.node:not(.nv-hit), svg.nv-searching g.cluster:not(.nv-hit) { opacity: 0.25; }
svg.nv-searching g.edge { opacity: 0.15; }
g.nv-hit > path, g.nv-hit > polygon { stroke: #2563eb !important; stroke-width: 3px; }
g.nv-selected > path, g.nv-selected > polygon { stroke: #7c3aed !important; stroke-width: 4px; }
</style>
</head>
<body>
<header>
<div><h1>{{.Title}}</h1><div class="sub">{{.Subtitle}}</div></div>
<div class="tools">
<input id="nv-search" type="search" placeholder="Search a container, IP, MAC…" autocomplete="off" spellcheck="false">
<span id="nv-count" aria-live="polite"></span>
<button id="nv-zoom-in" title="Zoom in">+</button>
<button id="nv-zoom-out" title="Zoom out">−</button>
<button id="nv-fit" title="Fit to window">Fit</button>
<button id="nv-actual" title="Actual size">1:1</button>
</div>
<div class="hint">drag to pan · wheel to zoom · click a box for its details · / to search</div>
</header>
<main>
<div id="nv-viewport"><div id="nv-canvas">{{.SVG}}</div></div>
<aside id="nv-details" hidden>
<button class="close" id="nv-close" title="Close">×</button>
<h2 id="nv-details-title"></h2>
<div class="kind" id="nv-details-kind"></div>
<dl id="nv-details-fields"></dl>
</aside>
</main>
<script type="application/json" id="nv-data">{{.Data}}</script>
<script>{{.Script}}</script>
</body>
</html>
`

// htmlScript is the page's only script. It builds the details panel with
// textContent, never innerHTML, so no string from the snapshot is parsed.
const htmlScript = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("nv-data").textContent);
  var viewport = document.getElementById("nv-viewport");
  var canvas = document.getElementById("nv-canvas");
  var svg = canvas.querySelector("svg");
  var search = document.getElementById("nv-search");
  var count = document.getElementById("nv-count");
  var panel = document.getElementById("nv-details");
  var scale = 1, tx = 0, ty = 0, hits = [], hitAt = -1, selected = null;

  var vb = svg.viewBox && svg.viewBox.baseVal;
  var W = vb && vb.width ? vb.width : svg.getBBox().width;
  var H = vb && vb.height ? vb.height : svg.getBBox().height;
  svg.setAttribute("width", W);
  svg.setAttribute("height", H);

  function apply() {
    canvas.style.transform = "translate(" + tx + "px," + ty + "px) scale(" + scale + ")";
  }
  function zoomAt(factor, x, y) {
    var s = Math.min(8, Math.max(0.02, scale * factor));
    tx = x - (x - tx) * s / scale;
    ty = y - (y - ty) * s / scale;
    scale = s;
    apply();
  }
  function zoomCenter(factor) {
    var r = viewport.getBoundingClientRect();
    zoomAt(factor, r.width / 2, r.height / 2);
  }
  function fit() {
    var r = viewport.getBoundingClientRect();
    scale = Math.min(r.width / W, r.height / H, 1);
    tx = (r.width - W * scale) / 2;
    ty = Math.max(0, (r.height - H * scale) / 2);
    apply();
  }
  function actual() {
    scale = 1; tx = 0; ty = 0;
    apply();
  }
  function reveal(el) {
    var v = viewport.getBoundingClientRect();
    var r = el.getBoundingClientRect();
    if (r.left >= v.left && r.right <= v.right && r.top >= v.top && r.bottom <= v.bottom && r.width > 24) {
      return; // in sight and big enough to read
    }
    if (scale < 0.8) {
      zoomCenter(0.8 / scale);
    }
    r = el.getBoundingClientRect();
    tx += v.left + v.width / 2 - (r.left + r.width / 2);
    ty += v.top + v.height / 2 - (r.top + r.height / 2);
    apply();
  }

  function element(id) {
    var el = document.getElementById(id);
    return el && svg.contains(el) ? el : null;
  }
  function select(id) {
    if (selected) {
      selected.classList.remove("nv-selected");
      selected = null;
    }
    var info = data[id], el = element(id);
    if (!info || !el) {
      panel.hidden = true;
      return;
    }
    selected = el;
    el.classList.add("nv-selected");
    document.getElementById("nv-details-title").textContent = info.title;
    document.getElementById("nv-details-kind").textContent = info.kind;
    var dl = document.getElementById("nv-details-fields");
    while (dl.firstChild) {
      dl.removeChild(dl.firstChild);
    }
    (info.fields || []).forEach(function (f) {
      var dt = document.createElement("dt");
      dt.textContent = f.key;
      var dd = document.createElement("dd");
      dd.textContent = f.value;
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    panel.hidden = false;
  }

  function clearHits() {
    hits.forEach(function (el) { el.classList.remove("nv-hit"); });
    hits = [];
    hitAt = -1;
    svg.classList.remove("nv-searching");
    count.textContent = "";
  }
  function runSearch(q) {
    clearHits();
    q = q.trim().toLowerCase();
    if (!q) {
      return;
    }
    var lit = {};
    function light(id) {
      var el = element(id);
      if (el && !lit[id]) {
        lit[id] = true;
        el.classList.add("nv-hit");
        hits.push(el);
      }
    }
    Object.keys(data).sort().forEach(function (id) {
      var info = data[id];
      if (info.text.indexOf(q) >= 0) {
        light(id);
        (info.members || []).forEach(light);
      }
    });
    svg.classList.add("nv-searching");
    count.textContent = hits.length === 1 ? "1 match" : hits.length + " matches";
    if (hits.length) {
      hitAt = 0;
      reveal(hits[0]);
    }
  }

  search.addEventListener("input", function () { runSearch(search.value); });
  search.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && hits.length) {
      hitAt = (hitAt + 1) % hits.length;
      reveal(hits[hitAt]);
    } else if (e.key === "Escape") {
      search.value = "";
      clearHits();
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "/" && document.activeElement !== search) {
      e.preventDefault();
      search.focus();
    }
  });
  document.getElementById("nv-zoom-in").addEventListener("click", function () { zoomCenter(1.25); });
  document.getElementById("nv-zoom-out").addEventListener("click", function () { zoomCenter(0.8); });
  document.getElementById("nv-fit").addEventListener("click", fit);
  document.getElementById("nv-actual").addEventListener("click", actual);
  document.getElementById("nv-close").addEventListener("click", function () { select(null); });

  viewport.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = viewport.getBoundingClientRect();
    var dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    zoomAt(Math.exp(-dy * 0.0015), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });

  var drag = null;
  viewport.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) {
      return;
    }
    drag = { x: e.clientX, y: e.clientY, tx: tx, ty: ty, moved: false };
    viewport.setPointerCapture(e.pointerId);
  });
  viewport.addEventListener("pointermove", function (e) {
    if (!drag) {
      return;
    }
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 4) {
      drag.moved = true;
      viewport.classList.add("nv-dragging");
    }
    if (drag.moved) {
      tx = drag.tx + dx;
      ty = drag.ty + dy;
      apply();
    }
  });
  viewport.addEventListener("pointerup", function (e) {
    if (!drag) {
      return;
    }
    var moved = drag.moved;
    drag = null;
    viewport.classList.remove("nv-dragging");
    if (moved) {
      return;
    }
    var hit = document.elementFromPoint(e.clientX, e.clientY);
    var g = hit && hit.closest ? hit.closest("g.node, g.cluster") : null;
    select(g ? g.id : null);
  });

  fit();
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.get("search")) {
    search.value = params.get("search");
    runSearch(search.value);
  }
  if (params.get("select")) {
    select(params.get("select"));
    if (selected) {
      reveal(selected);
    }
  }
})();
`
