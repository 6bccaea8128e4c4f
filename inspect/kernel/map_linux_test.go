package kernel

import (
	"net"
	"reflect"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"github.com/netviz/netviz/topo"
)

func TestLinkNetNsID(t *testing.T) {
	for _, tc := range []struct{ in, want int }{
		{-1, -1},        // absent: netlink's default
		{0, 0},          // a valid nsid
		{7, 7},          //
		{1<<32 - 1, -1}, // the kernel's s32 -1, read by netlink as uint32
		{1<<31 - 1, 1<<31 - 1},
	} {
		if got := linkNetNsID(tc.in); got != tc.want {
			t.Errorf("linkNetNsID(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestOperState(t *testing.T) {
	for in, want := range map[netlink.LinkOperState]string{
		netlink.OperUnknown:        "unknown",
		netlink.OperNotPresent:     "notpresent",
		netlink.OperDown:           "down",
		netlink.OperLowerLayerDown: "lowerlayerdown",
		netlink.OperTesting:        "testing",
		netlink.OperDormant:        "dormant",
		netlink.OperUp:             "up",
		netlink.LinkOperState(42):  "unknown",
	} {
		if got := operState(in); got != want {
			t.Errorf("operState(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestKindOf(t *testing.T) {
	attrs := func(name string, flags net.Flags) netlink.LinkAttrs {
		return netlink.LinkAttrs{Name: name, Flags: flags}
	}
	for _, tc := range []struct {
		link netlink.Link
		want string
	}{
		{&netlink.Device{LinkAttrs: attrs("lo", net.FlagLoopback|net.FlagUp)}, topo.KindLoopback},
		{&netlink.Device{LinkAttrs: attrs("lo", 0)}, topo.KindLoopback},
		{&netlink.Device{LinkAttrs: attrs("eth0", net.FlagUp)}, topo.KindDevice},
		{&netlink.GenericLink{LinkAttrs: attrs("x", 0), LinkType: ""}, topo.KindDevice},
		{&netlink.Veth{LinkAttrs: attrs("veth1", 0)}, topo.KindVeth},
		{&netlink.Bridge{LinkAttrs: attrs("docker0", 0)}, topo.KindBridge},
		{&netlink.Macvlan{LinkAttrs: attrs("mv", 0)}, topo.KindMacvlan},
		{&netlink.IPVlan{LinkAttrs: attrs("iv", 0)}, topo.KindIpvlan},
		{&netlink.Vxlan{LinkAttrs: attrs("vx", 0)}, "vxlan"},
		{&netlink.Dummy{LinkAttrs: attrs("d", 0)}, "dummy"},
		{&netlink.GenericLink{LinkAttrs: attrs("wg0", 0), LinkType: "wireguard"}, "wireguard"},
	} {
		if got := kindOf(tc.link); got != tc.want {
			t.Errorf("kindOf(%T %q) = %q, want %q", tc.link, tc.link.Attrs().Name, got, tc.want)
		}
	}
}

func TestAddressesByLink(t *testing.T) {
	addr := func(link int, cidr string) netlink.Addr {
		ip, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		return netlink.Addr{LinkIndex: link, IPNet: n}
	}
	got := addressesByLink([]netlink.Addr{
		addr(2, "2001:db8::2/64"),
		addr(2, "fe80::1/64"),
		addr(2, "172.17.0.2/16"),
		addr(2, "169.254.1.1/16"),
		addr(2, "fd00::2/64"),
		addr(3, "fe80::2/64"),
		addr(1, "::1/128"),
		addr(1, "127.0.0.1/8"),
		{LinkIndex: 4},
	})
	want := map[int][]string{
		1: {"127.0.0.1/8", "::1/128"},
		2: {"172.17.0.2/16", "169.254.1.1/16", "2001:db8::2/64", "fd00::2/64"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("addressesByLink = %v, want %v", got, want)
	}
}

func TestToRoutes(t *testing.T) {
	cidr := func(s string) *net.IPNet {
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	names := map[int]string{2: "eth0", 3: "eth1", 4: "docker0"}
	got := toRoutes([]netlink.Route{
		{Family: netlink.FAMILY_V4, LinkIndex: 2, Gw: net.ParseIP("192.0.2.1"), Priority: 100},
		{Family: netlink.FAMILY_V6, LinkIndex: 2, Dst: cidr("::/0"), Gw: net.ParseIP("fe80::1"), Priority: 1024},
		{Family: netlink.FAMILY_V4, LinkIndex: 4, Dst: cidr("172.17.0.0/16"), Src: net.ParseIP("172.17.0.1")},
		{Family: netlink.FAMILY_V6, LinkIndex: 4, Dst: cidr("2001:db8::5/128")},
		{Family: netlink.FAMILY_V4, Dst: cidr("10.0.0.0/8"), MultiPath: []*netlink.NexthopInfo{
			{LinkIndex: 2, Gw: net.ParseIP("192.0.2.1")},
			{LinkIndex: 3, Gw: net.ParseIP("198.51.100.1")},
		}},
		{Family: netlink.FAMILY_V4, LinkIndex: 3, Dst: cidr("203.0.113.0/24"),
			Via: &netlink.Via{AddrFamily: netlink.FAMILY_V6, Addr: net.ParseIP("fe80::9")}},
		{Family: netlink.FAMILY_V4, LinkIndex: 99, Dst: cidr("198.18.0.0/15")}, // link gone since the dump
		{Family: netlink.FAMILY_MPLS, LinkIndex: 2},
	}, names)
	want := []topo.Route{
		{Dst: "default", Gateway: "192.0.2.1", Interface: "eth0", Family: 4, Metric: 100},
		{Dst: "default", Gateway: "fe80::1", Interface: "eth0", Family: 6, Metric: 1024},
		{Dst: "172.17.0.0/16", Interface: "docker0", Src: "172.17.0.1", Family: 4},
		{Dst: "2001:db8::5/128", Interface: "docker0", Family: 6},
		{Dst: "10.0.0.0/8", Gateway: "192.0.2.1", Interface: "eth0", Family: 4},
		{Dst: "10.0.0.0/8", Gateway: "198.51.100.1", Interface: "eth1", Family: 4},
		{Dst: "203.0.113.0/24", Gateway: "fe80::9", Interface: "eth1", Family: 4},
		{Dst: "198.18.0.0/15", Family: 4},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("toRoutes:\n got %+v\nwant %+v", got, want)
	}
}

func TestSTPState(t *testing.T) {
	msg := func(kind string, stp *uint32) []byte {
		b := nl.NewIfInfomsg(unix.AF_UNSPEC).Serialize()
		b = append(b, nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated("br0")).Serialize()...)
		if kind == "" {
			return b
		}
		info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
		info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated(kind))
		data := info.AddRtAttr(nl.IFLA_INFO_DATA|unix.NLA_F_NESTED, nil)
		data.AddRtAttr(nl.IFLA_BR_FORWARD_DELAY, nl.Uint32Attr(1500))
		if stp != nil {
			data.AddRtAttr(nl.IFLA_BR_STP_STATE, nl.Uint32Attr(*stp))
		}
		return append(b, info.Serialize()...)
	}
	u32 := func(v uint32) *uint32 { return &v }
	for _, tc := range []struct {
		name    string
		msg     []byte
		want    bool
		wantErr bool
	}{
		{"off", msg("bridge", u32(0)), false, false},
		{"kernel STP", msg("bridge", u32(1)), true, false},
		{"user-space STP", msg("bridge", u32(2)), true, false},
		{"no STP attribute", msg("bridge", nil), false, false},
		{"no link info", msg("", nil), false, false},
		{"short message", []byte{1, 2, 3}, false, true},
	} {
		got, err := stpState(tc.msg)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("%s: stpState = %v, %v; want %v, error %v", tc.name, got, err, tc.want, tc.wantErr)
		}
	}
}
