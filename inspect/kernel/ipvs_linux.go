package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/netviz/netviz/topo"
)

// IPVS is read over generic netlink ("IPVS" family, linux/ip_vs.h):
// vishvananda/netlink does not speak it, and the few requests needed —
// list the services, then each one's destinations — are small enough not
// to take a dependency for. Only GET commands are sent: netviz changes
// nothing.
const (
	ipvsGenlVersion = 1

	ipvsCmdGetService = 4
	ipvsCmdGetDest    = 8

	ipvsCmdAttrService = 1
	ipvsCmdAttrDest    = 2

	ipvsSvcAttrAF       = 1
	ipvsSvcAttrProtocol = 2
	ipvsSvcAttrAddr     = 3
	ipvsSvcAttrPort     = 4
	ipvsSvcAttrFWMark   = 5

	ipvsDestAttrAddr   = 1
	ipvsDestAttrPort   = 2
	ipvsDestAttrFamily = 11
)

// errNoIPVS says the kernel has no IPVS family: the ip_vs module is not
// loaded (Docker loads it when a service gets a VIP).
var errNoIPVS = errors.New("the kernel has no IPVS generic netlink family (ip_vs module not loaded)")

// readIPVS lists ns's IPVS virtual services with their real servers.
func readIPVS(ns nsFile) ([]topo.VirtualService, error) {
	s, err := nl.GetNetlinkSocketAt(ns.at(), netns.None(), unix.NETLINK_GENERIC)
	if err != nil {
		return nil, fmt.Errorf("open generic netlink socket: %w", err)
	}
	defer s.Close()
	if err := s.SetReceiveTimeout(&unix.Timeval{Sec: 2}); err != nil {
		return nil, err
	}
	fam, err := ipvsFamily(s)
	if err != nil {
		return nil, err
	}
	msgs, err := genlDump(s, fam, ipvsCmdGetService, nil)
	if err != nil {
		return nil, fmt.Errorf("list IPVS services: %w", err)
	}
	var out []topo.VirtualService
	for _, m := range msgs {
		svc, ident, ok := parseService(m)
		if !ok {
			continue
		}
		dests, err := genlDump(s, fam, ipvsCmdGetDest, nl.NewRtAttr(ipvsCmdAttrService|unix.NLA_F_NESTED, ident))
		if err != nil {
			return out, fmt.Errorf("list IPVS destinations: %w", err)
		}
		svc.Reals = []string{}
		for _, d := range dests {
			if r, ok := parseDest(d); ok {
				svc.Reals = append(svc.Reals, r)
			}
		}
		sort.Strings(svc.Reals)
		out = append(out, svc)
	}
	return out, nil
}

// ipvsFamily asks the generic netlink controller for the IPVS family's id.
func ipvsFamily(s *nl.NetlinkSocket) (uint16, error) {
	req := nl.NewNetlinkRequest(unix.GENL_ID_CTRL, unix.NLM_F_ACK)
	req.AddData(&nl.Genlmsg{Command: nl.GENL_CTRL_CMD_GETFAMILY, Version: nl.GENL_CTRL_VERSION})
	req.AddData(nl.NewRtAttr(nl.GENL_CTRL_ATTR_FAMILY_NAME, nl.ZeroTerminated("IPVS")))
	msgs, err := exchange(s, req)
	if errors.Is(err, unix.ENOENT) {
		return 0, errNoIPVS
	}
	if err != nil {
		return 0, fmt.Errorf("find the IPVS family: %w", err)
	}
	for _, m := range msgs {
		attrs, err := nl.ParseRouteAttr(m[nl.SizeofGenlmsg:])
		if err != nil {
			continue
		}
		for _, a := range attrs {
			if a.Attr.Type == nl.GENL_CTRL_ATTR_FAMILY_ID && len(a.Value) >= 2 {
				return nl.NativeEndian().Uint16(a.Value), nil
			}
		}
	}
	return 0, errNoIPVS
}

// genlDump sends one dump request of family fam and returns the messages'
// payloads (generic netlink header included).
func genlDump(s *nl.NetlinkSocket, fam uint16, cmd uint8, attr *nl.RtAttr) ([][]byte, error) {
	req := nl.NewNetlinkRequest(int(fam), unix.NLM_F_DUMP)
	req.AddData(&nl.Genlmsg{Command: cmd, Version: ipvsGenlVersion})
	if attr != nil {
		req.AddData(attr)
	}
	return exchange(s, req)
}

// exchange sends req and gathers the answers until the kernel is done.
func exchange(s *nl.NetlinkSocket, req *nl.NetlinkRequest) ([][]byte, error) {
	if err := s.Send(req); err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		msgs, _, err := s.Receive()
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Header.Seq != req.Seq {
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return nil, errors.New("short netlink error")
				}
				if code := int32(nl.NativeEndian().Uint32(m.Data[:4])); code != 0 {
					return nil, unix.Errno(-code)
				}
				return out, nil // the ack of a non-dump request
			}
			if len(m.Data) >= nl.SizeofGenlmsg {
				out = append(out, m.Data)
			}
			if m.Header.Flags&unix.NLM_F_MULTI == 0 && req.Flags&unix.NLM_F_ACK == 0 {
				return out, nil
			}
		}
	}
}

// parseService reads one IPVS_CMD_GET_SERVICE answer, and returns the
// attributes that identify the service (to ask for its destinations).
func parseService(m []byte) (topo.VirtualService, []byte, bool) {
	nested, ok := nestedAttr(m, ipvsCmdAttrService)
	if !ok {
		return topo.VirtualService{}, nil, false
	}
	attrs, err := nl.ParseRouteAttr(nested)
	if err != nil {
		return topo.VirtualService{}, nil, false
	}
	var (
		svc   topo.VirtualService
		af    uint16
		addr  []byte
		ident []byte
	)
	for _, a := range attrs {
		switch a.Attr.Type {
		case ipvsSvcAttrAF:
			af = nl.NativeEndian().Uint16(a.Value)
		case ipvsSvcAttrProtocol:
			svc.Protocol = protoName(nl.NativeEndian().Uint16(a.Value))
		case ipvsSvcAttrAddr:
			addr = a.Value
		case ipvsSvcAttrPort:
			svc.Port = int(binary.BigEndian.Uint16(a.Value))
		case ipvsSvcAttrFWMark:
			svc.FWMark = int(nl.NativeEndian().Uint32(a.Value))
		default:
			continue
		}
		ident = append(ident, nl.NewRtAttr(int(a.Attr.Type), a.Value).Serialize()...)
	}
	if svc.FWMark != 0 {
		svc.Protocol = ""
		svc.Port = 0
	} else {
		svc.Address = ipOf(af, addr)
	}
	return svc, ident, true
}

func parseDest(m []byte) (string, bool) {
	nested, ok := nestedAttr(m, ipvsCmdAttrDest)
	if !ok {
		return "", false
	}
	attrs, err := nl.ParseRouteAttr(nested)
	if err != nil {
		return "", false
	}
	var (
		af   uint16 = unix.AF_INET
		addr []byte
		port int
	)
	for _, a := range attrs {
		switch a.Attr.Type {
		case ipvsDestAttrAddr:
			addr = a.Value
		case ipvsDestAttrPort:
			port = int(binary.BigEndian.Uint16(a.Value))
		case ipvsDestAttrFamily:
			af = nl.NativeEndian().Uint16(a.Value)
		}
	}
	return net.JoinHostPort(ipOf(af, addr), strconv.Itoa(port)), addr != nil
}

// nestedAttr finds the attribute typ after m's generic netlink header.
func nestedAttr(m []byte, typ uint16) ([]byte, bool) {
	attrs, err := nl.ParseRouteAttr(m[nl.SizeofGenlmsg:])
	if err != nil {
		return nil, false
	}
	for _, a := range attrs {
		if a.Attr.Type&^unix.NLA_F_NESTED == typ {
			return a.Value, true
		}
	}
	return nil, false
}

// ipOf reads IPVS's union nf_inet_addr: 4 or 16 significant bytes.
func ipOf(af uint16, b []byte) string {
	switch {
	case af == unix.AF_INET && len(b) >= 4:
		return net.IP(b[:4]).String()
	case af == unix.AF_INET6 && len(b) >= 16:
		return net.IP(b[:16]).String()
	}
	return ""
}

func protoName(p uint16) string {
	switch p {
	case unix.IPPROTO_TCP:
		return "tcp"
	case unix.IPPROTO_UDP:
		return "udp"
	case unix.IPPROTO_SCTP:
		return "sctp"
	}
	return strconv.Itoa(int(p))
}
