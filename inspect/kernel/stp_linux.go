package kernel

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// bridgeSTP asks for each bridge's IFLA_BR_STP_STATE, which the kernel puts
// in every link message but netlink v1.3.1 does not decode. It is asked of
// a socket opened in ns, as the link dump was: /sys/class/net cannot answer
// for other namespaces, since sysfs shows the links of the namespace that
// mounted it. The socket is only opened when there are bridges, which most
// container namespaces have none of.
func bridgeSTP(ctx context.Context, ns nsFile, bridges []int) (map[int]bool, error) {
	if len(bridges) == 0 {
		return nil, nil
	}
	s, err := nl.GetNetlinkSocketAt(ns.at(), netns.None(), unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("open netlink socket in namespace: %w", err)
	}
	defer s.Close()
	wait, err := waitFor(ctx)
	if err != nil {
		return nil, err
	}
	tv := unix.NsecToTimeval(wait.Nanoseconds())
	if err := errors.Join(s.SetSendTimeout(&tv), s.SetReceiveTimeout(&tv)); err != nil {
		return nil, fmt.Errorf("set netlink socket timeout: %w", err)
	}
	sockets := map[int]*nl.SocketHandle{unix.NETLINK_ROUTE: {Socket: s}}
	stp := make(map[int]bool, len(bridges))
	for _, index := range bridges {
		req := nl.NewNetlinkRequest(unix.RTM_GETLINK, unix.NLM_F_ACK)
		req.Sockets = sockets
		msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
		msg.Index = int32(index)
		req.AddData(msg)
		msgs, err := untilAnswered(ctx, func() ([][]byte, error) { return req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWLINK) })
		if errors.Is(err, unix.ENODEV) {
			continue // deleted since the dump
		}
		if err != nil {
			return nil, fmt.Errorf("get bridge %d: %w", index, err)
		}
		for _, m := range msgs {
			on, err := stpState(m)
			if err != nil {
				return nil, fmt.Errorf("bridge %d: %w", index, err)
			}
			stp[index] = on
		}
	}
	return stp, nil
}

// stpState finds IFLA_LINKINFO > IFLA_INFO_DATA > IFLA_BR_STP_STATE in an
// RTM_NEWLINK message: 0 off, 1 kernel STP, 2 user-space STP.
func stpState(m []byte) (bool, error) {
	if len(m) < unix.SizeofIfInfomsg {
		return false, errors.New("short link message")
	}
	b := m[unix.SizeofIfInfomsg:]
	for _, typ := range []uint16{unix.IFLA_LINKINFO, unix.IFLA_INFO_DATA, nl.IFLA_BR_STP_STATE} {
		v, ok, err := findAttr(b, typ)
		if err != nil || !ok {
			return false, err
		}
		b = v
	}
	if len(b) < 4 {
		return false, errors.New("short IFLA_BR_STP_STATE")
	}
	return binary.NativeEndian.Uint32(b) != 0, nil
}

// findAttr returns the value of the first attribute of type typ in b,
// ignoring the nested and byte-order flags.
func findAttr(b []byte, typ uint16) ([]byte, bool, error) {
	attrs, err := nl.ParseRouteAttr(b)
	if err != nil {
		return nil, false, err
	}
	for _, a := range attrs {
		if a.Attr.Type&^(unix.NLA_F_NESTED|unix.NLA_F_NET_BYTEORDER) == typ {
			return a.Value, true, nil
		}
	}
	return nil, false, nil
}
