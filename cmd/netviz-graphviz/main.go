// Command netviz-graphviz draws DOT as SVG with an embedded Graphviz
// (github.com/goccy/go-graphviz, compiled to WebAssembly), for hosts without
// Graphviz's own dot:
//
//	netviz-graphviz -Tsvg <graph.dot >graph.svg
//
// netviz starts it (from its own directory, else from PATH) only when it must
// draw without dot. It is a program of its own because go-graphviz compiles
// its WebAssembly in a package init, at every start of any program that
// links it: netviz would pay that in every command. Its compiled-code cache
// goes where package wasmcache says, never to a shared /tmp.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	gographviz "github.com/goccy/go-graphviz"

	// Imported before go-graphviz initialises: see its package doc.
	"github.com/netviz/netviz/cmd/netviz-graphviz/wasmcache"
)

const usage = "usage: netviz-graphviz -Tsvg <graph.dot >graph.svg"

func main() {
	// go-graphviz has initialised by now, with its cache in the directory
	// wasmcache chose; give the process its own TMPDIR back.
	wasmcache.Restore()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run draws the DOT on stdin as SVG on stdout and returns the exit code:
// 0, 1 when the graph cannot be drawn, 2 for bad arguments.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 2 && args[0] == "-T" {
		args = []string{"-T" + args[1]}
	}
	if len(args) != 1 || args[0] != "-Tsvg" {
		fmt.Fprintln(stderr, usage)
		if len(args) == 1 && args[0] == "-Tpng" {
			fmt.Fprintln(stderr, "netviz-graphviz: SVG only (the embedded Graphviz draws broken PNG edges); PNG needs Graphviz's dot")
		}
		return 2
	}
	dot, err := io.ReadAll(stdin)
	if err == nil {
		var svg []byte
		if svg, err = render(dot); err == nil {
			_, err = stdout.Write(svg)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "netviz-graphviz: %v\n", err)
		return 1
	}
	return 0
}

func render(dot []byte) (_ []byte, err error) {
	// The WebAssembly side reports some failures as panics.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	ctx := context.Background()
	g, err := gographviz.New(ctx)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	graph, err := gographviz.ParseBytes(dot)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if graph == nil {
		return nil, errors.New("parse: no graph")
	}
	defer graph.Close()
	var buf bytes.Buffer
	if err := g.Render(ctx, graph, gographviz.SVG, &buf); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return buf.Bytes(), nil
}
