// Package graphviz turns DOT into SVG or PNG, with Graphviz's own `dot` when
// it is on PATH and with an embedded Graphviz otherwise, so SVG works on a
// host with no Graphviz installed.
//
// The embedded Graphviz (github.com/goccy/go-graphviz, compiled to
// WebAssembly) lives in a program of its own, netviz-graphviz
// (cmd/netviz-graphviz), which this package starts only when it must draw
// without `dot`. go-graphviz compiles its WebAssembly in a package init, so a
// program that links it pays ~40 ms at every start (~1.4 s with no usable
// cache directory) whether it draws or not; keeping it out of netviz keeps
// every other command fast. Nothing here imports go-graphviz.
//
// The embedded engine's PNG output draws broken edges, so PNG always needs
// the native `dot`.
package graphviz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Formats.
const (
	FormatSVG = "svg"
	FormatPNG = "png"
)

// Engines.
const (
	EngineAuto     = "auto"     // native dot when on PATH, embedded otherwise
	EngineDot      = "dot"      // native dot only
	EngineEmbedded = "embedded" // the WebAssembly Graphviz in netviz-graphviz
)

// HelperName is the program that holds the embedded Graphviz. It is looked
// for beside the running executable first, then on PATH.
const HelperName = "netviz-graphviz"

var (
	// ErrPNGNeedsDot is returned for PNG when the native dot is not there
	// (or the embedded engine was asked for).
	ErrPNGNeedsDot = errors.New("PNG needs Graphviz's dot (apt-get install graphviz); SVG works without it: -o host.svg")
	// ErrDotNotFound is returned when the native engine was asked for and
	// dot is not on PATH.
	ErrDotNotFound = errors.New("dot (Graphviz) is not on PATH (apt-get install graphviz); --engine embedded draws SVG without it")
	// ErrNoHelper is returned when SVG must be drawn without dot and
	// netviz-graphviz is neither beside netviz nor on PATH.
	ErrNoHelper = errors.New("drawing without Graphviz's dot needs " + HelperName + " beside netviz or on PATH " +
		"(go install github.com/netviz/netviz/cmd/...@latest installs both), or dot itself (apt-get install graphviz)")
	// ErrFormat and ErrEngine are returned for names this package does not know.
	ErrFormat = errors.New("unknown image format")
	ErrEngine = errors.New("unknown Graphviz engine")
)

// Renderer lays out a DOT graph and draws it in a format.
type Renderer interface {
	Render(ctx context.Context, dot []byte, format string) ([]byte, error)
}

// Runner runs an external program with stdin and returns what it wrote to
// stdout; when the program fails, the error carries its stderr.
type Runner interface {
	Run(ctx context.Context, path string, args []string, stdin []byte) ([]byte, error)
}

var (
	_ Renderer = (*Native)(nil)
	_ Renderer = (*Embedded)(nil)
	_ Runner   = Exec{}
)

// New returns the renderer for an engine name: "auto", "dot" or "embedded"
// ("" means auto). For "auto" it picks the native dot when it is on PATH,
// netviz-graphviz otherwise; ErrNoHelper when neither is there.
func New(engine string) (Renderer, error) {
	switch engine {
	case "", EngineAuto:
		if path, err := exec.LookPath("dot"); err == nil {
			return &Native{Path: path}, nil
		}
		return newEmbedded()
	case EngineDot:
		path, err := exec.LookPath("dot")
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrDotNotFound, err)
		}
		return &Native{Path: path}, nil
	case EngineEmbedded:
		return newEmbedded()
	}
	return nil, fmt.Errorf("%w %q: want auto, dot or embedded", ErrEngine, engine)
}

func newEmbedded() (*Embedded, error) {
	path, err := FindHelper()
	if err != nil {
		return nil, err
	}
	return &Embedded{Path: path}, nil
}

// Render draws dot in format ("svg" or "png") with engine ("auto", "dot" or
// "embedded"). PNG without a native dot is ErrPNGNeedsDot.
func Render(ctx context.Context, dot []byte, format, engine string) ([]byte, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	if format == FormatPNG {
		switch engine {
		case "", EngineAuto, EngineDot:
			path, err := exec.LookPath("dot")
			if err != nil {
				return nil, ErrPNGNeedsDot
			}
			return (&Native{Path: path}).Render(ctx, dot, format)
		case EngineEmbedded:
			return nil, ErrPNGNeedsDot
		}
	}
	r, err := New(engine)
	if err != nil {
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

// FindHelper returns the path of netviz-graphviz: beside the running
// executable (where `make build` and `go install` put it), else on PATH.
func FindHelper() (string, error) {
	exe, _ := os.Executable()
	return findHelper(exe)
}

func findHelper(exe string) (string, error) {
	if exe != "" {
		if p, err := exec.LookPath(filepath.Join(filepath.Dir(exe), HelperName)); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(HelperName)
	if err != nil {
		return "", ErrNoHelper
	}
	return p, nil
}

// Native runs Graphviz's dot program.
type Native struct {
	// Path is the dot executable; "" looks it up on PATH.
	Path string
	// Runner runs it; nil means Exec.
	Runner Runner
}

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
	return runner(n.Runner).Run(ctx, path, []string{"-T" + format}, dot)
}

// Embedded runs netviz-graphviz, the WebAssembly Graphviz in a program of
// its own. It draws SVG only: its PNG output is wrong.
type Embedded struct {
	// Path is the netviz-graphviz executable; "" finds it with FindHelper.
	Path string
	// Runner runs it; nil means Exec.
	Runner Runner
}

// Render runs `netviz-graphviz -Tsvg` with dot on stdin. Cancelling ctx
// kills it. Every call is its own process, so calls may run concurrently.
func (e *Embedded) Render(ctx context.Context, dot []byte, format string) ([]byte, error) {
	if err := checkFormat(format); err != nil {
		return nil, err
	}
	if format == FormatPNG {
		return nil, ErrPNGNeedsDot
	}
	path := e.Path
	if path == "" {
		p, err := FindHelper()
		if err != nil {
			return nil, err
		}
		path = p
	}
	return runner(e.Runner).Run(ctx, path, []string{"-T" + format}, dot)
}

func runner(r Runner) Runner {
	if r == nil {
		return Exec{}
	}
	return r
}

// Exec runs programs with os/exec.
type Exec struct{}

// maxStderr bounds how much of a program's complaints goes into an error.
const maxStderr = 4 << 10

// Run runs path with args, stdin on its standard input. Cancelling ctx
// kills the program. The error names the program and carries its stderr.
func (Exec) Run(ctx context.Context, path string, args []string, stdin []byte) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	name := strings.Join(append([]string{filepath.Base(path)}, args...), " ")
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s: %w", name, ctxErr)
		}
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > maxStderr {
			msg = msg[:maxStderr] + "…"
		}
		if msg == "" {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, fmt.Errorf("%s: %w: %s", name, err, msg)
	}
	return stdout.Bytes(), nil
}
