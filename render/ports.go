package render

import (
	"cmp"
	"net"
	"strconv"
	"strings"

	"github.com/netviz/netviz/topo"
)

// publishedPorts formats published ports as docker ps does:
// "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp".
func publishedPorts(ports []topo.Port) string {
	out := make([]string, 0, len(ports))
	for _, p := range ports {
		host := net.JoinHostPort(cmp.Or(p.HostIP, "0.0.0.0"), strconv.Itoa(p.HostPort))
		out = append(out, host+"->"+strconv.Itoa(p.ContainerPort)+"/"+cmp.Or(p.Protocol, "tcp"))
	}
	return strings.Join(out, ", ")
}
