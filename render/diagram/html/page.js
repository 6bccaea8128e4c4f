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
    showCommands(info.commands || []);
    panel.hidden = false;
  }

  // The commands that show the element's facts by hand, each with what to
  // look for and a copy button. Built here rather than in the page so that
  // any page using this script and data gets them; names are only ever
  // set as text.
  function showCommands(cmds) {
    var old = document.getElementById("nv-commands");
    if (old) {
      old.parentNode.removeChild(old);
    }
    if (!cmds.length) {
      return;
    }
    var box = document.createElement("section");
    box.id = "nv-commands";
    var h = document.createElement("h3");
    h.textContent = "See it yourself";
    var note = document.createElement("div");
    note.className = "nv-cmd-note";
    note.textContent = "as root on the host the snapshot is of";
    box.appendChild(h);
    box.appendChild(note);
    cmds.forEach(function (c) {
      var item = document.createElement("div");
      item.className = "nv-cmd";
      var line = document.createElement("div");
      line.className = "nv-cmd-line";
      var code = document.createElement("code");
      code.textContent = c.line;
      var copy = document.createElement("button");
      copy.className = "nv-copy";
      copy.type = "button";
      copy.textContent = "Copy";
      copy.title = "Copy the command";
      copy.addEventListener("click", function () { copyText(c.line, copy, code); });
      line.appendChild(code);
      line.appendChild(copy);
      var what = document.createElement("div");
      what.className = "nv-cmd-what";
      what.textContent = (c.optional ? "(if installed) " : "") + c.what;
      item.appendChild(line);
      item.appendChild(what);
      box.appendChild(item);
    });
    panel.appendChild(box);
  }

  function copied(button, ok) {
    button.textContent = ok ? "Copied" : "Selected: Ctrl+C";
    setTimeout(function () { button.textContent = "Copy"; }, 1500);
  }
  // The clipboard API needs a secure context, which a page opened from a
  // file may not be: then select the command and let execCommand copy it,
  // or leave it selected for the user to.
  function copyText(text, button, code) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button, true); },
        function () { copied(button, selectAndCopy(code)); });
      return;
    }
    copied(button, selectAndCopy(code));
  }
  function selectAndCopy(code) {
    var range = document.createRange();
    range.selectNodeContents(code);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
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
