// Command netviz shows what Docker built in a Linux host's network: the
// uplink, the bridges, every veth pair and each container's namespace.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := runInvocation(ctx, os.Args, liveDeps())
	stop()
	os.Exit(code)
}
