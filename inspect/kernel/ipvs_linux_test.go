package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"runtime"
	"testing"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/netviz/netviz/internal/testenv"
	"github.com/netviz/netviz/topo"
)

// genlMsg is a generic netlink payload: the 4-byte header, then attrs.
func genlMsg(cmd uint8, attrs ...*nl.RtAttr) []byte {
	b := (&nl.Genlmsg{Command: cmd, Version: ipvsGenlVersion}).Serialize()
	for _, a := range attrs {
		b = append(b, a.Serialize()...)
	}
	return b
}

func u16(v uint16) []byte { return nl.Uint16Attr(v) }
func u32(v uint32) []byte { return nl.Uint32Attr(v) }
func be16(v uint16) []byte {
	b := make([]byte, 2)
	binary.BigEndian.PutUint16(b, v)
	return b
}

// addr is IPVS's union nf_inet_addr: 16 bytes, IPv4 in the first 4.
func addr(ip string) []byte {
	b := make([]byte, 16)
	if v4 := net.ParseIP(ip).To4(); v4 != nil {
		copy(b, v4)
	} else {
		copy(b, net.ParseIP(ip))
	}
	return b
}

func nested(typ int, children ...*nl.RtAttr) *nl.RtAttr {
	a := nl.NewRtAttr(typ|unix.NLA_F_NESTED, nil)
	for _, c := range children {
		a.AddChild(c)
	}
	return a
}

func TestParseIPVSService(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs []*nl.RtAttr
		want  topo.VirtualService
	}{
		// Docker's services are firewall-mark ones (ingress_sbox, lb_).
		{"fwmark", []*nl.RtAttr{
			nl.NewRtAttr(ipvsSvcAttrAF, u16(unix.AF_INET)),
			nl.NewRtAttr(ipvsSvcAttrFWMark, u32(257)),
			nl.NewRtAttr(6, nl.ZeroTerminated("rr")), // scheduler: not identifying
		}, topo.VirtualService{FWMark: 257}},
		{"address", []*nl.RtAttr{
			nl.NewRtAttr(ipvsSvcAttrAF, u16(unix.AF_INET)),
			nl.NewRtAttr(ipvsSvcAttrProtocol, u16(unix.IPPROTO_TCP)),
			nl.NewRtAttr(ipvsSvcAttrAddr, addr("10.0.0.3")),
			nl.NewRtAttr(ipvsSvcAttrPort, be16(8080)),
		}, topo.VirtualService{Address: "10.0.0.3", Port: 8080, Protocol: "tcp"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := genlMsg(ipvsCmdGetService, nested(ipvsCmdAttrService, tc.attrs...))
			got, ident, ok := parseService(m)
			if !ok || got.Address != tc.want.Address || got.Port != tc.want.Port || got.Protocol != tc.want.Protocol || got.FWMark != tc.want.FWMark {
				t.Fatalf("parseService = %+v, %v; want %+v", got, ok, tc.want)
			}
			// What asks for its destinations names the service by the
			// identifying attributes only.
			attrs, err := nl.ParseRouteAttr(ident)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range attrs {
				if a.Attr.Type > ipvsSvcAttrFWMark {
					t.Errorf("identity carries attribute %d", a.Attr.Type)
				}
			}
		})
	}
}

func TestParseIPVSDest(t *testing.T) {
	m := genlMsg(ipvsCmdGetDest, nested(ipvsCmdAttrDest,
		nl.NewRtAttr(ipvsDestAttrAddr, addr("10.0.0.4")),
		nl.NewRtAttr(ipvsDestAttrPort, be16(80)),
		nl.NewRtAttr(ipvsDestAttrFamily, u16(unix.AF_INET)),
	))
	if got, ok := parseDest(m); !ok || got != "10.0.0.4:80" {
		t.Errorf("parseDest = %q, %v", got, ok)
	}
	m = genlMsg(ipvsCmdGetDest, nested(ipvsCmdAttrDest,
		nl.NewRtAttr(ipvsDestAttrAddr, addr("fd00::4")),
		nl.NewRtAttr(ipvsDestAttrPort, be16(443)),
		nl.NewRtAttr(ipvsDestAttrFamily, u16(unix.AF_INET6)),
	))
	if got, ok := parseDest(m); !ok || got != "[fd00::4]:443" {
		t.Errorf("parseDest v6 = %q, %v", got, ok)
	}
	if _, ok := parseDest(genlMsg(ipvsCmdGetDest)); ok {
		t.Error("a message with no destination parsed")
	}
}

// Against the running kernel, in a namespace of its own: with no ip_vs
// (no /proc/net/ip_vs) the answer is errNoIPVS, which the inspector turns
// into a warning; with it, an empty namespace has no services.
func TestReadIPVSLive(t *testing.T) {
	testenv.RequireRoot(t)
	ns := throwawayNS(t)
	svcs, err := readIPVS(ns)
	if _, statErr := os.Stat("/proc/net/ip_vs"); errors.Is(statErr, fs.ErrNotExist) {
		if !errors.Is(err, errNoIPVS) {
			t.Fatalf("readIPVS without ip_vs = %v, %v; want errNoIPVS", svcs, err)
		}
		return
	}
	if err != nil || len(svcs) != 0 {
		t.Fatalf("readIPVS in a new namespace = %v, %v; want none", svcs, err)
	}
}

// throwawayNS opens a new, empty network namespace, kept alive by its
// file descriptor only.
func throwawayNS(t *testing.T) nsFile {
	t.Helper()
	// netns.New moves the thread: it stays locked (and so dies with this
	// goroutine) unless it is moved back.
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	h, err := netns.New()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := netns.Set(orig); err != nil {
		t.Fatal(err)
	}
	runtime.UnlockOSThread()
	ns, err := openNS(fmt.Sprintf("/proc/self/fd/%d", int(h)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.close)
	return ns
}
