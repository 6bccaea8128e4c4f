// netviz serve's page: the diagram of `netviz docker -o x.html`, replaced in
// place on every update from /api/events (pan, zoom, search and selection
// kept), the change log, doctor's findings and a path box. Every name and
// address reaches the page through textContent, never as markup; the only
// markup inserted is Graphviz's SVG, checked by the server and parsed as
// XML, where no script runs.
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  var viewport = $("nv-viewport"), canvas = $("nv-canvas"), search = $("nv-search"), count = $("nv-count");
  var panel = $("nv-details");
  var svg = null, data = {}, W = 0, H = 0;
  var scale = 1, tx = 0, ty = 0, fitted = false;
  var hits = [], hitAt = -1, selectedId = null;
  var shownSeq = 0, wantSeq = 0, triedSeq = 0, loading = false;
  var lastFirewall = "";

  function text(tag, cls, s) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (s !== undefined && s !== null) { el.textContent = String(s); }
    return el;
  }
  function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body && body.error ? body.error : r.status + " " + r.statusText); }
        return body;
      });
    });
  }

  // Pan and zoom: a CSS transform on the canvas, kept across updates.
  function apply() { canvas.style.transform = "translate(" + tx + "px," + ty + "px) scale(" + scale + ")"; }
  function zoomAt(f, x, y) {
    var s = Math.min(8, Math.max(0.02, scale * f));
    tx = x - (x - tx) * s / scale;
    ty = y - (y - ty) * s / scale;
    scale = s;
    apply();
  }
  function zoomCenter(f) { var r = viewport.getBoundingClientRect(); zoomAt(f, r.width / 2, r.height / 2); }
  function fit() {
    if (!svg) { return; }
    var r = viewport.getBoundingClientRect();
    scale = Math.min(r.width / W, r.height / H, 1);
    tx = (r.width - W * scale) / 2;
    ty = Math.max(0, (r.height - H * scale) / 2);
    apply();
  }
  function reveal(el) {
    var v = viewport.getBoundingClientRect(), r = el.getBoundingClientRect();
    if (r.left >= v.left && r.right <= v.right && r.top >= v.top && r.bottom <= v.bottom && r.width > 24) { return; }
    if (scale < 0.8) { zoomCenter(0.8 / scale); }
    r = el.getBoundingClientRect();
    tx += v.left + v.width / 2 - (r.left + r.width / 2);
    ty += v.top + v.height / 2 - (r.top + r.height / 2);
    apply();
  }
  function element(id) {
    var el = id ? document.getElementById(id) : null;
    return el && svg && svg.contains(el) ? el : null;
  }

  // Details of the selected element; an element that went away stays shown,
  // struck through, until another is picked.
  function select(id) {
    var old = element(selectedId);
    if (old) { old.classList.remove("nv-selected"); }
    selectedId = id;
    var info = data[id], el = element(id);
    if (!id) { panel.hidden = true; return; }
    panel.classList.toggle("gone", !el || !info);
    if (!info) { return; }
    if (el) { el.classList.add("nv-selected"); }
    $("nv-details-title").textContent = info.title;
    $("nv-details-kind").textContent = info.kind + (el ? "" : " (gone)");
    var dl = $("nv-details-fields");
    clear(dl);
    (info.fields || []).forEach(function (f) {
      dl.appendChild(text("dt", "", f.key));
      dl.appendChild(text("dd", "", f.value));
    });
    showCommands(info.commands || []);
    panel.hidden = false;
  }

  // The commands that show the element's facts by hand ("see it
  // yourself"), when the data has them.
  function showCommands(cmds) {
    var box = $("nv-commands");
    clear(box);
    box.hidden = !cmds.length;
    if (!cmds.length) { return; }
    box.appendChild(text("h3", "", "See it yourself"));
    cmds.forEach(function (c) {
      var item = text("div", "nv-cmd");
      var code = text("code", "", c.line);
      item.appendChild(code);
      if (navigator.clipboard && window.isSecureContext) {
        var copy = text("button", "nv-copy", "Copy");
        copy.type = "button";
        copy.addEventListener("click", function () {
          navigator.clipboard.writeText(c.line).then(function () { copy.textContent = "Copied"; },
            function () { copy.textContent = "Cannot copy"; });
          setTimeout(function () { copy.textContent = "Copy"; }, 1500);
        });
        item.appendChild(copy);
      }
      item.appendChild(text("div", "nv-cmd-what", (c.optional ? "(if installed) " : "") + (c.what || "")));
      box.appendChild(item);
    });
  }

  function clearHits() {
    hits.forEach(function (el) { el.classList.remove("nv-hit"); });
    hits = []; hitAt = -1;
    if (svg) { svg.classList.remove("nv-searching"); }
    count.textContent = "";
  }
  function runSearch(q, move) {
    clearHits();
    q = q.trim().toLowerCase();
    if (!q || !svg) { return; }
    var lit = {};
    function light(id) {
      var el = element(id);
      if (el && !lit[id]) { lit[id] = true; el.classList.add("nv-hit"); hits.push(el); }
    }
    Object.keys(data).sort().forEach(function (id) {
      if (data[id].text.indexOf(q) >= 0) { light(id); (data[id].members || []).forEach(light); }
    });
    svg.classList.add("nv-searching");
    count.textContent = hits.length === 1 ? "1 match" : hits.length + " matches";
    if (hits.length && move) { hitAt = 0; reveal(hits[0]); }
  }

  // show puts a new drawing in place of the old one.
  function show(d) {
    var doc = new DOMParser().parseFromString(d.svg, "image/svg+xml");
    var root = doc.documentElement;
    if (root.namespaceURI !== "http://www.w3.org/2000/svg" || doc.getElementsByTagName("parsererror").length) {
      throw new Error("the server sent a drawing that is not SVG");
    }
    var next = document.importNode(root, true);
    var vb = next.viewBox && next.viewBox.baseVal;
    clear(canvas);
    canvas.appendChild(next);
    svg = next;
    data = d.data || {};
    W = vb && vb.width ? vb.width : svg.getBBox().width;
    H = vb && vb.height ? vb.height : svg.getBBox().height;
    svg.setAttribute("width", W);
    svg.setAttribute("height", H);
    shownSeq = d.seq;
    $("nv-title").textContent = d.title;
    $("nv-sub").textContent = d.subtitle;
    document.title = d.title + " — netviz serve";
    if (!fitted) { fitted = true; fit(); applyHash(); }
    if (selectedId) { select(selectedId); }
    if (search.value) { runSearch(search.value, false); }
  }
  function applyHash() {
    var params = new URLSearchParams(location.hash.slice(1));
    if (params.get("search")) { search.value = params.get("search"); runSearch(search.value, true); }
    if (params.get("select")) { select(params.get("select")); if (element(selectedId)) { reveal(element(selectedId)); } }
  }

  // refresh fetches the drawing and the findings of seq, one fetch at a
  // time: a burst of updates costs one drawing, of the latest.
  function refresh(seq) {
    wantSeq = Math.max(wantSeq, seq);
    if (loading || wantSeq <= shownSeq || wantSeq <= triedSeq) { return; }
    loading = true;
    triedSeq = wantSeq;
    Promise.all([
      getJSON("/api/diagram").then(show),
      getJSON("/api/doctor").then(showFindings, function (e) { showFindings(null, e); })
    ]).catch(function (e) {
      // The stream is fine; the drawing is not (no Graphviz, say).
      $("nv-sub").textContent = "cannot draw the diagram: " + e.message;
    }).then(function () {
      loading = false;
      refresh(wantSeq);
    });
  }

  function showFindings(fs, err) {
    var ul = $("nv-doctor");
    clear(ul);
    if (err) { ul.appendChild(text("li", "error", err.message)); $("nv-doctor-count").textContent = ""; return; }
    $("nv-doctor-count").textContent = fs.length ? "(" + fs.length + ")" : "";
    if (!fs.length) { ul.appendChild(text("li", "", "no problems found")); }
    fs.forEach(function (f) {
      var li = text("li", "sev-" + f.severity);
      li.appendChild(text("span", "id", f.severity.toUpperCase() + " " + f.id));
      li.appendChild(document.createTextNode(" " + (f.subject || []).map(function (r) {
        return r.container ? r.container + ":" + r.name : r.name;
      }).join(" ")));
      li.appendChild(text("span", "msg", f.message));
      if (f.fix) { li.appendChild(text("span", "fix", "fix: " + f.fix)); }
      ul.appendChild(li);
    });
  }

  // The change log, newest first.
  var glyph = { added: "+", removed: "−", changed: "~", note: "•" };
  function logEntry(e, fresh) {
    var li = text("li", "ch-" + e.change + (fresh ? " fresh" : ""));
    var t = new Date(e.time);
    var tm = text("time", "", isNaN(t) ? "" : t.toLocaleTimeString());
    tm.setAttribute("datetime", e.time);
    li.appendChild(tm);
    li.appendChild(text("span", "what", (glyph[e.change] || "?") + " " + e.object + " "));
    var what = e.id;
    if (e.change === "changed") {
      what += " " + e.field + ": " + JSON.stringify(e.before) + " → " + JSON.stringify(e.after);
    } else if (e.detail) {
      what += " (" + e.detail + ")";
    }
    li.appendChild(document.createTextNode(what));
    return li;
  }
  function addLog(entries, fresh) {
    var ul = $("nv-log");
    entries.forEach(function (e) { ul.insertBefore(logEntry(e, fresh), ul.firstChild); });
    while (ul.childNodes.length > 500) { ul.removeChild(ul.lastChild); }
  }
  function noteNames(entries) {
    entries.forEach(function (e) {
      if (e.object !== "container") { return; }
      if (e.change === "added") { names[e.id] = true; } else if (e.change === "removed") { delete names[e.id]; }
    });
    var dl = $("nv-names");
    clear(dl);
    Object.keys(names).sort().forEach(function (n) { var o = document.createElement("option"); o.value = n; dl.appendChild(o); });
  }
  var names = {};

  // The event stream. EventSource reconnects by itself, with the last
  // event id, and the server resyncs it; after a refusal (401, 503) it
  // gives up, so a new one is opened a little later.
  function setConn(cls, msg) { var c = $("nv-conn"); c.className = "conn " + cls; c.textContent = msg; }
  function status(ev) {
    $("nv-seq").textContent = "update " + ev.seq + " at " + new Date(ev.time).toLocaleTimeString() + (ev.cause ? " (" + ev.cause + ")" : "");
    following(ev);
  }
  // How the host is followed: the firewall's mode and the resyncs.
  function following(ev) {
    if (ev.firewallMode) { lastFirewall = ev.firewallMode; }
    $("nv-firewall").textContent = lastFirewall ? "· firewall changes: " + lastFirewall : "";
    showResyncs(ev.resyncs);
  }
  // A resync is the host read again whole after changes may have been
  // lost: it explains a jump in the picture.
  function showResyncs(r) {
    var el = $("nv-resync");
    if (!r || !(r.count > 0)) { el.textContent = ""; return; }
    el.textContent = "· resynced " + r.count + (r.count === 1 ? " time" : " times") +
      (r.last ? ", last: " + r.last : "") + (r.time ? " at " + new Date(r.time).toLocaleTimeString() : "");
  }
  function connect() {
    var es = new EventSource("/api/events");
    es.onopen = function () { setConn("live", "live"); };
    es.onerror = function () {
      if (es.readyState === EventSource.CLOSED) {
        setConn("down", "disconnected, retrying…");
        setTimeout(connect, 5000);
      } else {
        setConn("connecting", "reconnecting…");
      }
    };
    es.addEventListener("snapshot", function (m) {
      var ev = JSON.parse(m.data);
      clear($("nv-log"));
      addLog(ev.log || [], false);
      names = {};
      ((ev.snapshot && ev.snapshot.containers) || []).forEach(function (c) { names[c.name] = true; });
      noteNames([]);
      setConn("live", "live");
      status(ev);
      // A resync may come from a restarted server, counting from 1 again.
      shownSeq = 0; wantSeq = 0; triedSeq = 0;
      refresh(ev.seq);
    });
    // Between updates: a resync that found nothing new.
    es.addEventListener("status", function (m) {
      following(JSON.parse(m.data));
    });
    es.addEventListener("update", function (m) {
      var ev = JSON.parse(m.data);
      addLog(ev.changes || [], true);
      noteNames(ev.changes || []);
      status(ev);
      refresh(ev.seq);
    });
  }

  // The path box.
  $("nv-path").addEventListener("submit", function (e) {
    e.preventDefault();
    var q = new URLSearchParams();
    q.set("src", $("nv-src").value.trim());
    q.set("dst", $("nv-dst").value.trim());
    if ($("nv-port").value) { q.set("port", $("nv-port").value); }
    q.set("protocol", $("nv-protocol").value);
    var out = $("nv-path-result");
    clear(out);
    out.appendChild(text("div", "", "following…"));
    getJSON("/api/path?" + q.toString()).then(function (r) {
      clear(out);
      out.appendChild(text("div", "verdict " + r.verdict, r.from + " → " + r.to + ": " + r.verdict));
      var ol = text("ol");
      (r.hops || []).forEach(function (h) { ol.appendChild(text("li", "", h.at + (h.why ? " — " + h.why : ""))); });
      out.appendChild(ol);
      if (r.reason) { out.appendChild(text("div", "", r.reason)); }
    }, function (err) {
      clear(out);
      out.appendChild(text("div", "error", err.message));
    });
  });

  search.addEventListener("input", function () { runSearch(search.value, true); });
  search.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && hits.length) { hitAt = (hitAt + 1) % hits.length; reveal(hits[hitAt]); }
    else if (e.key === "Escape") { search.value = ""; clearHits(); }
  });
  document.addEventListener("keydown", function (e) {
    var tag = document.activeElement && document.activeElement.tagName;
    if (e.key === "/" && tag !== "INPUT" && tag !== "SELECT") { e.preventDefault(); search.focus(); }
  });
  $("nv-zoom-in").addEventListener("click", function () { zoomCenter(1.25); });
  $("nv-zoom-out").addEventListener("click", function () { zoomCenter(0.8); });
  $("nv-fit").addEventListener("click", fit);
  $("nv-actual").addEventListener("click", function () { scale = 1; tx = 0; ty = 0; apply(); });
  $("nv-close").addEventListener("click", function () { select(null); });
  viewport.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = viewport.getBoundingClientRect();
    var dy = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
    zoomAt(Math.exp(-dy * 0.0015), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  var drag = null;
  viewport.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) { return; }
    drag = { x: e.clientX, y: e.clientY, tx: tx, ty: ty, moved: false };
    viewport.setPointerCapture(e.pointerId);
  });
  viewport.addEventListener("pointermove", function (e) {
    if (!drag) { return; }
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) > 4) { drag.moved = true; viewport.classList.add("nv-dragging"); }
    if (drag.moved) { tx = drag.tx + dx; ty = drag.ty + dy; apply(); }
  });
  viewport.addEventListener("pointerup", function (e) {
    if (!drag) { return; }
    var moved = drag.moved;
    drag = null;
    viewport.classList.remove("nv-dragging");
    if (moved) { return; }
    var hit = document.elementFromPoint(e.clientX, e.clientY);
    var g = hit && hit.closest ? hit.closest("g.node, g.cluster") : null;
    select(g ? g.id : null);
  });

  // A link to "#select=<id>" or "#search=<text>" within the page works
  // without a reload.
  window.addEventListener("hashchange", function () { if (svg) { applyHash(); } });

  connect();
})();
