package termtext

import (
	"testing"

	"github.com/netviz/netviz/topo"
)

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"eth0":                 "eth0",
		"veth\x1b]0;pwned\x07": `veth\x1b]0;pwned\a`,
		"red\tteam\n":          `red\tteam\n`,
		"naïve":                "naïve",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPeerNamespace(t *testing.T) {
	for _, tc := range []struct {
		p    topo.Pair
		want string
	}{
		{topo.Pair{NamespaceName: "blue", Namespace: "ns-1"}, "blue"},
		{topo.Pair{Namespace: "ns-1"}, "ns-1"},
		{topo.Pair{}, "?"},
	} {
		if got := PeerNamespace(tc.p); got != tc.want {
			t.Errorf("PeerNamespace(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestPublishedPorts(t *testing.T) {
	got := PublishedPorts([]topo.Port{
		{HostIP: "0.0.0.0", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
		{HostIP: "::", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"},
		{HostPort: 53, ContainerPort: 53, Protocol: "udp"},
		{HostIP: "127.0.0.1", HostPort: 3000, ContainerPort: 3000},
	})
	if want := "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 0.0.0.0:53->53/udp, 127.0.0.1:3000->3000/tcp"; got != want {
		t.Errorf("PublishedPorts = %q, want %q", got, want)
	}
}
