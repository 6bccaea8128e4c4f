package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/topo"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// `go install ...@vX` builds get it from the module's build info.
var version = ""

func netvizVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func newVersionCommand(d deps) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print netviz's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "netviz %s (snapshot schema %d)\n", netvizVersion(), topo.SchemaVersion)
			return err
		},
	}
}
