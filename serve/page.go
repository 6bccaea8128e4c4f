package serve

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"
	"strings"
)

// The page is three files embedded in the binary: its template, style sheet
// and script. The script is a file of its own, served from /static/, so the
// Content-Security-Policy needs no inline script at all.
var (
	//go:embed page.html
	pageSource string
	//go:embed page.css
	pageCSS []byte
	//go:embed page.js
	pageJS []byte
)

var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// page is /: the UI. It holds no data of the host: the script fetches it.
func (s *Server) page(w http.ResponseWriter, _ *http.Request) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, struct{ Version string }{s.opts.Version}); err != nil {
		writeError(w, http.StatusInternalServerError, "page: %v", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}

// static serves page.js and page.css.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	var body []byte
	switch name := r.PathValue("file"); {
	case name == "page.js":
		body = pageJS
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case name == "page.css":
		body = pageCSS
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	default:
		writeError(w, http.StatusNotFound, "no such file: %q", strings.TrimPrefix(r.URL.Path, "/static/"))
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(body)
}
