package html

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
)

// The page is three real files, put together into one self-contained page
// by Write: the template, its style sheet and its only script.
var (
	//go:embed page.html
	pageSource string
	//go:embed page.css
	pageStyle string
	//go:embed page.js
	pageJS string
)

// pageScript is the script element's whole content: a newline, then
// page.js. The Content-Security-Policy names it by hash, so it must reach
// the page byte for byte.
var pageScript = "\n" + pageJS

// pageCSP allows the page's own script (by hash) and inline styles, and
// nothing else: no fetch of any kind, no injected script or handler.
var pageCSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-" + scriptHash() + "'"

func scriptHash() string {
	sum := sha256.Sum256([]byte(pageScript))
	return base64.StdEncoding.EncodeToString(sum[:])
}

var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// page is what the template fills in.
type page struct {
	Title, Subtitle string
	CSP             string
	// Style and Script go in verbatim: the template would strip the
	// script's comments and so change the hash the CSP names.
	Style  template.CSS
	SVG    template.HTML
	Data   map[string]nodeInfo
	Script template.JS
}
