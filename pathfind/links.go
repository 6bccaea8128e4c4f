package pathfind

import (
	"fmt"
	"net/netip"

	"github.com/netviz/netviz/topo"
)

// containerEgress takes the packet from the container to its bridge along
// the container's own route to dst.
func (w *walker) containerEgress(c *topo.Container, dst netip.Addr) (attachment, bool) {
	atts := w.attachments(c)
	if c.NetworkMode == "host" {
		w.block(c.Name + " uses the host's network: follow it as `host`")
		return attachment{}, false
	}
	var routes []topo.Route
	if ns, ok := w.s.Namespace(c.Namespace); ok {
		routes = ns.Routes
	}
	r, ok := lookup(routes, dst)
	if !ok && len(routes) > 0 {
		w.hop(c.Name, "no route")
		for _, a := range atts {
			if a.network.Internal {
				w.block(fmt.Sprintf("network %q is internal: Docker gives %s no route to %s (an internal network has no gateway)", a.network.Name, c.Name, dst))
				return attachment{}, false
			}
		}
		w.block(fmt.Sprintf("%s has no route to %s", c.Name, dst))
		return attachment{}, false
	}
	for _, a := range atts {
		if a.network.Driver != "bridge" {
			continue
		}
		if ok && r.Interface != a.iface {
			continue
		}
		why := "via its gateway " + a.network.Bridge
		if ok {
			why = routeText(r)
		}
		if !w.leaveWhy(c.Name, a, why) {
			return attachment{}, false
		}
		return a, true
	}
	w.unknown(fmt.Sprintf("%s's route to %s does not go through a Docker bridge netviz can follow", c.Name, dst))
	return attachment{}, false
}

// leaveWhy walks container interface → host veth → bridge; why is the
// route (or reason) that sends the packet out of the container.
func (w *walker) leaveWhy(name string, a attachment, why string) bool {
	if a.iface == "" || a.hostVeth == "" {
		w.hop(name, "")
		w.unknown(fmt.Sprintf("netviz did not see %s's interface on %q (run it with sudo)", name, a.network.Name))
		return false
	}
	w.hop(name+":"+a.iface, why)
	if c, ok := w.s.Container(name); ok {
		for _, i := range c.Interfaces {
			if i.Name == a.iface && !i.Up {
				w.block(fmt.Sprintf("%s:%s is down", name, a.iface))
				return false
			}
		}
	}
	return w.vethAndBridge(a, "veth pair")
}

// enter walks bridge → host veth → container interface.
func (w *walker) enter(name string, a attachment) bool {
	if a.iface == "" || a.hostVeth == "" {
		w.unknown(fmt.Sprintf("netviz did not see %s's interface on %q (run it with sudo)", name, a.network.Name))
		return false
	}
	if w.bridge != a.network.Bridge {
		w.bridge = a.network.Bridge
		w.hop(a.network.Bridge, "")
		if !w.up(a.network.Bridge) {
			return false
		}
	}
	if a.bridge != a.network.Bridge {
		w.block(fmt.Sprintf("%s is not attached to %s (master %q)", a.hostVeth, a.network.Bridge, a.bridge))
		return false
	}
	w.hop(a.hostVeth, "port of "+a.network.Bridge)
	if !w.up(a.hostVeth) {
		return false
	}
	w.hop(name+":"+a.iface, "veth pair")
	return true
}

func (w *walker) vethAndBridge(a attachment, why string) bool {
	w.hop(a.hostVeth, why)
	if !w.up(a.hostVeth) {
		return false
	}
	if a.bridge != a.network.Bridge {
		w.block(fmt.Sprintf("%s is not attached to %s (master %q): the container is cut off", a.hostVeth, a.network.Bridge, a.bridge))
		return false
	}
	w.hop(a.network.Bridge, "master of "+a.hostVeth)
	w.bridge = a.network.Bridge
	return w.up(a.network.Bridge)
}

func (w *walker) up(name string) bool {
	if i, ok := w.s.HostInterface(name); ok && !i.Up {
		w.block(name + " is down")
		return false
	}
	return true
}
