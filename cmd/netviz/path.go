package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/netviz/netviz/pathfind"
	"github.com/netviz/netviz/render/format"
)

type pathOptions struct {
	source   sourceOptions
	format   string
	protocol string
	port     int
}

func newPathCommand(d deps) *cobra.Command {
	var o pathOptions
	cmd := &cobra.Command{
		Use:   "path SRC DST",
		Short: "Explain how a packet goes from SRC to DST, hop by hop, and whether it gets there",
		Long: `path follows a packet through what netviz read — interfaces, veths, bridges,
routes, iptables chains and NAT — and says whether it is reachable, blocked
(and by what), or unknown. It sends no packet.

SRC and DST are container names or IDs, IPs, IP:port (a published port), or
"host". On a Swarm node DST may also be a service (name, ID prefix or VIP),
resolved as Docker's DNS resolves it for SRC: its VIP on a network SRC
shares, then one of its tasks. SRC may be a service too, when it names no
container: its first running task on this node (by name) sends, and the
first hop names it and the service's other tasks.`,
		Example: `  sudo netviz path web1 web2
  sudo netviz path web1 db --format json
  sudo netviz path web.1.abc api
  sudo netviz path api db
  sudo netviz path host 192.0.2.2:8080
  sudo netviz path web1 1.1.1.1 --port 443
  netviz path web1 web2 --from host.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPath(cmd.Context(), d, o, args[0], args[1], cmd.OutOrStdout())
		},
	}
	o.source.addFlags(cmd.Flags())
	o.source.firewall = true
	cmd.Flags().StringVar(&o.format, "format", "table", `table (the hops and the verdict), json ({"verdict","hops","reason"}), or a Go template applied to the result`)
	cmd.Flags().StringVar(&o.protocol, "protocol", "tcp", "tcp or udp")
	cmd.Flags().IntVar(&o.port, "port", 80, "destination port when DST does not give one")
	return cmd
}

func runPath(ctx context.Context, d deps, o pathOptions, src, dst string, w io.Writer) error {
	f, err := parseFormat(o.format, pathfind.Result{}, format.Table, format.JSON, format.Template)
	if err != nil {
		return err
	}
	if o.protocol != "tcp" && o.protocol != "udp" {
		return usageErrorf("invalid --protocol %q: want tcp or udp", o.protocol)
	}
	if o.port < 1 || o.port > 65535 {
		return usageErrorf("invalid --port %d: want 1-65535", o.port)
	}
	// The whole host: a path may cross networks --network would hide.
	filters := o.source.unfiltered()
	filters.all = true // a stopped SRC or DST is an answer ("not running"), not an unknown name
	s, err := filters.load(ctx, d, false)
	if err != nil {
		return err
	}
	if err := refuseWithoutKernel(s, "path"); err != nil {
		return err
	}
	r, err := pathfind.Find(s, src, dst, pathfind.Options{Protocol: o.protocol, Port: o.port})
	if err != nil {
		return err
	}
	switch f.Kind() {
	case format.Table:
		_, err = io.WriteString(w, r.Text())
	case format.JSON:
		err = format.WriteJSON(w, r)
	default:
		err = format.ExecuteTemplate(w, f, []pathfind.Result{r})
	}
	return err
}
