// Package graphviz turns DOT into SVG or PNG, with Graphviz's own `dot` when
// it is on PATH and with an embedded Graphviz (github.com/goccy/go-graphviz,
// compiled to WebAssembly) otherwise, so SVG works on a host with no
// Graphviz installed.
//
// The embedded engine's PNG output draws broken edges, so PNG always needs
// the native `dot`.
package graphviz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"

	gographviz "github.com/goccy/go-graphviz"

	"github.com/netviz/netviz/internal/wasmcache"
)

// go-graphviz has initialised by now (this package imports it), with its
// compiled-code cache in the private directory wasmcache chose; give the
// process its own TMPDIR back.
func init() { wasmcache.Restore() }

// Formats.
const (
	FormatSVG = "svg"
	FormatPNG = "png"
)

// Engines.
const (
	EngineAuto     = "auto"     // native dot when on PATH, embedded otherwise
	EngineDot      = "dot"      // native dot only
	EngineEmbedded = "embedded" // the WebAssembly Graphviz built into netviz
)

var (
	// ErrPNGNeedsDot is returned for PNG when the native dot is not there
	// (or the embedded engine was asked for).
	ErrPNGNeedsDot = errors.New("PNG needs Graphviz's dot (apt-get install graphviz); SVG works without it: -o host.svg")
	// ErrDotNotFound is returned when the native engine was asked for and
	// dot is not on PATH.
	ErrDotNotFound = errors.New("dot (Graphviz) is not on PATH (apt-get install graphviz); --engine embedded draws SVG without it")
	// ErrFormat and ErrEngine are returned for names this package does not know.
	ErrFormat = errors.New("unknown image format")
	ErrEngine = errors.New("unknown Graphviz engine")
)

// Renderer lays out a DOT graph and draws it in a format.
type Renderer interface {
	Render(ctx context.Context, dot []byte, format string) ([]byte, error)
}

var (
	_ Renderer = (*Native)(nil)
	_ Renderer = (*Embedded)(nil)
)

// New returns the renderer for an engine name: "auto", "dot" or "embedded"
// ("" means auto). For "auto" it picks the native dot when it is on PATH.
func New(engine string) (Renderer, error) {
	switch engine {
	case "", EngineAuto:
		if path, err := exec.LookPath("dot"); err == nil {
			return &Native{Path: path}, nil
		}
		return &Embedded{}, nil
	case EngineDot:
		path, err := exec.LookPath("dot")
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrDotNotFound, err)
		}
		return &Native{Path: path}, nil
	case EngineEmbedded:
		return &Embedded{}, nil
	}
	return nil, fmt.Errorf("%w %q: want auto, dot or embedded", ErrEngine, engine)
}

// Render draws dot in format ("svg" or "png") with engine ("auto", "dot" or
// "embedded"). PNG without a native dot is ErrPNGNeedsDot.
func Render(ctx context.Context, dot []byte, format, engine string) ([]byte, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	r, err := New(engine)
	if err != nil {
		if format == FormatPNG && errors.Is(err, ErrDotNotFound) {
			return nil, ErrPNGNeedsDot
		}
		return nil, err
	}
	return r.Render(ctx, dot, format)
}

func checkFormat(format string) error {
	switch format {
	case FormatSVG, FormatPNG:
		return nil
	}
	return fmt.Errorf("%w %q: want svg or png", ErrFormat, format)
}

// Native runs Graphviz's dot program.
type Native struct {
	// Path is the dot executable; "" looks it up on PATH.
	Path string
}

// maxStderr bounds how much of dot's complaints goes into an error.
const maxStderr = 4 << 10

// Render runs `dot -T<format>` with dot on stdin. Cancelling ctx kills dot.
func (n *Native) Render(ctx context.Context, dot []byte, format string) ([]byte, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	path := n.Path
	if path == "" {
		p, err := exec.LookPath("dot")
		if err != nil {
			if format == FormatPNG {
				return nil, ErrPNGNeedsDot
			}
			return nil, fmt.Errorf("%w: %w", ErrDotNotFound, err)
		}
		path = p
	}
	cmd := exec.CommandContext(ctx, path, "-T"+format)
	cmd.Stdin = bytes.NewReader(dot)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("dot -T%s: %w", format, ctxErr)
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > maxStderr {
			msg = msg[:maxStderr] + "…"
		}
		if msg == "" {
			return nil, fmt.Errorf("dot -T%s: %w", format, err)
		}
		return nil, fmt.Errorf("dot -T%s: %w: %s", format, err, msg)
	}
	return stdout.Bytes(), nil
}

// Embedded renders with the WebAssembly Graphviz linked into the program.
// It draws SVG only: its PNG output is wrong.
type Embedded struct{}

// embeddedMu serialises every use of go-graphviz: its one WebAssembly
// instance is shared by the whole process and not safe for concurrent use.
var embeddedMu sync.Mutex

// Render lays out and draws dot as SVG. go-graphviz cannot be interrupted,
// so cancelling ctx returns at once while the layout in flight finishes in
// the background.
func (e *Embedded) Render(ctx context.Context, dot []byte, format string) ([]byte, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	if format == FormatPNG {
		return nil, ErrPNGNeedsDot
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := embeddedSVG(dot)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("embedded graphviz: %w", ctx.Err())
	}
}

func embeddedSVG(dot []byte) (_ []byte, err error) {
	embeddedMu.Lock()
	defer embeddedMu.Unlock()
	// The WebAssembly side reports some failures as panics.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("embedded graphviz: %v", r)
		}
	}()
	ctx := context.Background()
	g, err := gographviz.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("embedded graphviz: %w", err)
	}
	defer g.Close()
	graph, err := gographviz.ParseBytes(dot)
	if err != nil {
		return nil, fmt.Errorf("embedded graphviz: parse: %w", err)
	}
	if graph == nil {
		return nil, errors.New("embedded graphviz: parse: no graph")
	}
	defer graph.Close()
	var buf bytes.Buffer
	if err := g.Render(ctx, graph, gographviz.SVG, &buf); err != nil {
		return nil, fmt.Errorf("embedded graphviz: render: %w", err)
	}
	return buf.Bytes(), nil
}
