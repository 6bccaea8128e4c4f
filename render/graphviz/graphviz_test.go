package graphviz

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netviz/netviz/internal/graphviztest"
	"github.com/netviz/netviz/internal/testenv"
)

// The embedded engine is netviz-graphviz: build it and put it on PATH.
func TestMain(m *testing.M) { graphviztest.Main(m) }

func readDOT(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "diagram", "dot", "testdata", name+".dot"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// svgIDs parses svg as XML and returns the id attributes of its elements.
func svgIDs(t testing.TB, svg []byte) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Local == "id" {
					ids[a.Value] = true
				}
			}
		}
	}
	return ids
}

func TestRenderSVGBothEngines(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	dot := readDOT(t, "pod")
	want := []string{"netviz", "cluster_host", "host_eth0", "host_docker0", "cluster_ns_4026532206", "if_ns_4026532206_eth0", "legend"}
	for _, engine := range []string{EngineDot, EngineEmbedded} {
		t.Run(engine, func(t *testing.T) {
			svg, err := Render(context.Background(), dot, FormatSVG, engine)
			if err != nil {
				t.Fatal(err)
			}
			ids := svgIDs(t, svg)
			for _, id := range want {
				if !ids[id] {
					t.Errorf("SVG has no element with id %q", id)
				}
			}
		})
	}
}

func TestRenderPNG(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	out, err := Render(context.Background(), readDOT(t, "multinet"), FormatPNG, EngineAuto)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 300 || b.Dx() > 5000 || b.Dy() > 5000 {
		t.Errorf("PNG is %dx%d, want a few hundred to a few thousand pixels a side", b.Dx(), b.Dy())
	}
}

func TestPNGWithoutDot(t *testing.T) {
	t.Setenv("PATH", graphviztest.Dir(t)) // netviz-graphviz, no dot
	dot := readDOT(t, "pod")
	for _, engine := range []string{EngineAuto, EngineDot, EngineEmbedded} {
		_, err := Render(context.Background(), dot, FormatPNG, engine)
		if !errors.Is(err, ErrPNGNeedsDot) {
			t.Errorf("engine %s: err = %v, want ErrPNGNeedsDot", engine, err)
		}
	}
	if err := ErrPNGNeedsDot.Error(); !strings.Contains(err, "apt-get install graphviz") || !strings.Contains(err, "SVG") {
		t.Errorf("message %q should say how to get PNG and that SVG works", err)
	}
	// SVG still works: auto falls back to the embedded engine.
	r, err := New(EngineAuto)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.(*Embedded); !ok {
		t.Errorf("auto without dot on PATH chose %T, want *Embedded", r)
	}
	if _, err := Render(context.Background(), dot, FormatSVG, EngineAuto); err != nil {
		t.Errorf("SVG without dot: %v", err)
	}
	if _, err := Render(context.Background(), dot, FormatSVG, EngineDot); !errors.Is(err, ErrDotNotFound) {
		t.Errorf("engine dot without dot: err = %v, want ErrDotNotFound", err)
	}
}

func TestBadInput(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	bad := []byte("digraph { a -> }")
	_, err := Render(context.Background(), bad, FormatSVG, EngineDot)
	if err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("native: err = %v, want dot's own message about the syntax error", err)
	}
	_, err = Render(context.Background(), bad, FormatSVG, EngineEmbedded)
	if err == nil || !strings.Contains(err.Error(), "netviz-graphviz -Tsvg") || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("embedded: err = %v, want netviz-graphviz's own message about the syntax error", err)
	}
	if _, err := Render(context.Background(), bad, "jpg", EngineDot); !errors.Is(err, ErrFormat) {
		t.Errorf("jpg: err = %v, want ErrFormat", err)
	}
	if _, err := New("neato"); !errors.Is(err, ErrEngine) {
		t.Errorf("neato: err = %v, want ErrEngine", err)
	}
}

func TestNativeCancel(t *testing.T) {
	testenv.RequireProgram(t, "dot", "graphviz")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Render(ctx, readDOT(t, "pod"), FormatSVG, EngineDot); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if _, err := Render(ctx, readDOT(t, "pod"), FormatSVG, EngineEmbedded); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("embedded: err = %v, want context.DeadlineExceeded", err)
	}
}

// The embedded engine is shared by the process; concurrent callers must
// each get a whole, correct picture.
func TestEmbeddedConcurrent(t *testing.T) {
	dots := [][]byte{readDOT(t, "pod"), readDOT(t, "modes"), readDOT(t, "orphan")}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svg, err := (&Embedded{}).Render(context.Background(), dots[i%3], FormatSVG)
			if err == nil && !bytes.Contains(svg, []byte(`id="cluster_host"`)) {
				err = errors.New("SVG lacks the host cluster")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func benchmarkRender(b *testing.B, engine string) {
	dot := readDOT(b, "multinet")
	r, err := New(engine)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := r.Render(context.Background(), dot, FormatSVG); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSmallNative(b *testing.B)   { benchmarkRender(b, EngineDot) }
func BenchmarkSmallEmbedded(b *testing.B) { benchmarkRender(b, EngineEmbedded) }

// With neither dot nor netviz-graphviz, SVG fails at once with one line that
// says what to install.
func TestSVGWithoutDotOrHelper(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, engine := range []string{EngineAuto, EngineEmbedded} {
		_, err := Render(context.Background(), readDOT(t, "pod"), FormatSVG, engine)
		if !errors.Is(err, ErrNoHelper) {
			t.Errorf("engine %s: err = %v, want ErrNoHelper", engine, err)
		}
	}
	msg := ErrNoHelper.Error()
	for _, want := range []string{"netviz-graphviz", "go install github.com/netviz/netviz/cmd/...@latest", "apt-get install graphviz"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q should mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("message %q is more than one line", msg)
	}
}

// netviz-graphviz beside the executable wins over one on PATH, so
// bin/netviz uses bin/netviz-graphviz from the same build.
func TestFindHelperBesideExecutable(t *testing.T) {
	exeDir, pathDir := t.TempDir(), t.TempDir()
	for _, d := range []string{exeDir, pathDir} {
		if err := os.WriteFile(filepath.Join(d, HelperName), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", pathDir)
	exe := filepath.Join(exeDir, "netviz")
	if got, err := findHelper(exe); err != nil || got != filepath.Join(exeDir, HelperName) {
		t.Errorf("findHelper = %q, %v; want the one beside %s", got, err, exe)
	}
	// Not executable beside it: PATH's.
	if err := os.Chmod(filepath.Join(exeDir, HelperName), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := findHelper(exe); err != nil || got != filepath.Join(pathDir, HelperName) {
		t.Errorf("findHelper = %q, %v; want the one on PATH", got, err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := findHelper(exe); !errors.Is(err, ErrNoHelper) {
		t.Errorf("err = %v, want ErrNoHelper", err)
	}
}

// fakeRunner records what it was asked to run.
type fakeRunner struct {
	path string
	args []string
	out  []byte
	err  error
}

var _ Runner = (*fakeRunner)(nil)

func (f *fakeRunner) Run(_ context.Context, path string, args []string, _ []byte) ([]byte, error) {
	f.path, f.args = path, args
	return f.out, f.err
}

func TestEmbeddedRunsHelper(t *testing.T) {
	f := &fakeRunner{out: []byte("<svg/>")}
	out, err := (&Embedded{Path: "/opt/netviz/netviz-graphviz", Runner: f}).Render(context.Background(), []byte("digraph{}"), FormatSVG)
	if err != nil || string(out) != "<svg/>" {
		t.Fatalf("Render = %q, %v", out, err)
	}
	if f.path != "/opt/netviz/netviz-graphviz" || strings.Join(f.args, " ") != "-Tsvg" {
		t.Errorf("ran %s %v, want netviz-graphviz -Tsvg", f.path, f.args)
	}
	f.path = ""
	if _, err := (&Embedded{Path: "x", Runner: f}).Render(context.Background(), nil, FormatPNG); !errors.Is(err, ErrPNGNeedsDot) || f.path != "" {
		t.Errorf("PNG: err = %v, ran %q; want ErrPNGNeedsDot without running anything", err, f.path)
	}
}

// A program's stderr is in the error, bounded.
func TestExecErrorCarriesStderr(t *testing.T) {
	sh := testenv.RequireProgram(t, "sh", "dash")
	_, err := Exec{}.Run(context.Background(), sh, []string{"-c", "echo complaint >&2; exit 3"}, nil)
	if err == nil || !strings.Contains(err.Error(), "complaint") || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("err = %v, want the exit status and stderr", err)
	}
}
