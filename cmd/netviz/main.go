// Command netviz shows what Docker built in a Linux host's network: the
// uplink, the bridges, every veth pair and each container's namespace.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	// Before go-graphviz initialises: gives its compiled-code cache a
	// private directory (see the package doc).
	"github.com/netviz/netviz/internal/wasmcache"
)

func main() {
	wasmcache.Restore()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], liveDeps())
	stop()
	os.Exit(code)
}
