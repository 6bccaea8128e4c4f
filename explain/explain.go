// Package explain gives, for each thing netviz shows — the uplink, a bridge,
// a host veth, a container's namespace and its links, a Docker network, a
// published port, a named namespace, the firewall — the plain commands that
// show the same fact by hand (iproute2's ip and bridge, nsenter, iptables or
// nft, docker), each with what to look for in its output.
//
// A command is kept as an argv list, never as a shell string: the names in it
// (interfaces, containers, networks, namespaces) are chosen by whoever runs
// a container, so they are quoted only when a line is printed (Quote), and a
// program can run the argv as it is. Everything is derived from the snapshot
// alone, so a saved snapshot gives the commands for the host it was taken
// on, with the PIDs it recorded.
package explain

import (
	"regexp"
	"strconv"

	"github.com/netviz/netviz/topo"
)

// Command is one command line that shows a fact by hand.
type Command struct {
	// Argv is the program and its arguments, exactly as they are to run.
	Argv []string `json:"argv"`
	// Line is Argv quoted for a shell, to print or copy.
	Line string `json:"line"`
	// What says what the output shows and what to look for in it.
	What string `json:"what"`
	// Expect is a string the output contains when the snapshot's fact
	// still holds (an interface name, "@if7", an address, a port); "" when
	// the command has nothing so specific to show.
	Expect string `json:"expect,omitempty"`
	// Optional is set when the command's program is not part of every
	// host's base system (ethtool, brctl): the same fact has another
	// command beside it.
	Optional bool `json:"optional,omitempty"`
}

// Warning codes of the snapshot that decide where host commands run; they
// are the values cmd/netviz writes (daemonns.go).
const (
	codeDaemonNamespace   = "daemon-namespace"
	codeKernelUnavailable = "kernel-unavailable"
)

// Explainer makes the commands for the elements of one snapshot.
type Explainer struct {
	s *topo.Snapshot
	// hostEnter runs a command in the host namespace: empty when the
	// Docker daemon lives in the namespace the commands are typed in.
	hostEnter []string
	// hostNote says where host commands run, when not in the caller's
	// namespace; "" otherwise.
	hostNote string
	// noKernel is set when the snapshot has no kernel view: only docker's
	// own commands are given.
	noKernel bool
	// dockerHost is the -H of docker commands when the snapshot names the
	// daemon's socket; "" for docker's default.
	dockerHost string
	owners     map[string]*topo.Container // namespace ID → owning container
}

// daemonPID and daemonSocket find the daemon's PID and socket in the
// daemon-namespace warning, which is the only place a snapshot records them
// ("(dockerd, pid 7746, answering on /run/d.sock)"). Without the PID, host
// commands come with a note saying to run them in the daemon's namespace;
// without the socket, docker commands use the caller's default daemon
// (DOCKER_HOST), as they do when the daemon shares netviz's namespace: a
// daemon reached with -H there is not recorded in the snapshot.
var (
	daemonPID    = regexp.MustCompile(`\bpid (\d+)\b`)
	daemonSocket = regexp.MustCompile(`\banswering on (/\S+?)[),]`)
)

// New returns the explainer of s. Host commands run in the host namespace
// the snapshot describes: the caller's own, or, when the Docker daemon lives
// in another (rootless, Docker-in-Docker), that one entered by its name
// under /run/netns or with nsenter and the daemon's PID.
func New(s *topo.Snapshot) *Explainer {
	e := &Explainer{s: s, owners: map[string]*topo.Container{}}
	for i := range s.Containers {
		c := &s.Containers[i]
		if c.Namespace != "" && c.SharesNamespaceWith == "" {
			e.owners[c.Namespace] = c
		}
	}
	for _, w := range s.Warnings {
		switch w.Code {
		case codeKernelUnavailable:
			e.noKernel = true
		case codeDaemonNamespace:
			e.hostEnter, e.hostNote = daemonEnter(s, w.Message)
			if m := daemonSocket.FindStringSubmatch(w.Message); m != nil {
				e.dockerHost = "unix://" + m[1]
			}
		}
	}
	return e
}

func daemonEnter(s *topo.Snapshot, message string) ([]string, string) {
	for _, ns := range s.Namespaces {
		if ns.Host && ns.Name != "" {
			return []string{"ip", "netns", "exec", ns.Name}, "host commands run in the Docker daemon's network namespace " + Quote(ns.Name)
		}
	}
	if m := daemonPID.FindStringSubmatch(message); m != nil {
		return []string{"nsenter", "-t", m[1], "-n"}, "host commands run in the Docker daemon's network namespace (nsenter -t " + m[1] + " -n)"
	}
	return nil, "the Docker daemon lives in another network namespace: run the host commands there (nsenter -t <dockerd pid> -n)"
}

// HostNote says where the host commands run when it is not the namespace
// they are typed in, or that the snapshot has no kernel view; "" otherwise.
func (e *Explainer) HostNote() string {
	if e.noKernel {
		return "the snapshot has no kernel view of the daemon's host: only docker's commands are given"
	}
	return e.hostNote
}

func cmd(what, expect string, argv ...string) Command {
	return Command{Argv: argv, Line: Line(argv), What: what, Expect: expect}
}

// docker is a docker CLI command, pointed at the daemon's socket when the
// snapshot names it.
func (e *Explainer) docker(what, expect string, args ...string) Command {
	argv := []string{"docker"}
	if e.dockerHost != "" {
		argv = append(argv, "-H", e.dockerHost)
	}
	return cmd(what, expect, append(argv, args...)...)
}

func optional(c Command) Command {
	c.Optional = true
	return c
}

// host is a command run in the host namespace; nothing without a kernel
// view.
func (e *Explainer) host(what, expect string, argv ...string) []Command {
	if e.noKernel {
		return nil
	}
	return []Command{cmd(what, expect, append(append([]string(nil), e.hostEnter...), argv...)...)}
}

// where says how commands enter a namespace that is not the host's.
type where struct {
	argv  []string // the prefix: nsenter -t PID -n, or ip netns exec NAME
	label string   // "in web's namespace"
}

// inContainer enters the namespace of c (its PID is in the caller's PID
// namespace: netviz reads no daemon whose PIDs are not, see daemonns.go).
// docker exec would not do: it needs the container's own ip binary, and
// shows what the container's tools say.
func (e *Explainer) inContainer(c *topo.Container) (where, bool) {
	pid := c.PID
	if pid == 0 {
		if o, ok := e.s.Container(c.SharesNamespaceWith); ok {
			pid = o.PID
		}
	}
	if pid == 0 || e.noKernel {
		return where{}, false
	}
	label := "in " + c.Name + "'s namespace"
	if c.NetworkMode == "host" || c.Namespace != "" && c.Namespace == e.s.Host.Namespace {
		label = "in the host's namespace, which " + c.Name + " uses (network mode host)"
	}
	return where{argv: []string{"nsenter", "-t", strconv.Itoa(pid), "-n"}, label: label}, true
}

// inNamespace enters a namespace by its ID: its owning container's PID, or
// its name under /run/netns.
func (e *Explainer) inNamespace(id string) (where, bool) {
	if c, ok := e.owners[id]; ok {
		return e.inContainer(c)
	}
	if ns, ok := e.s.Namespace(id); ok && ns.Role != "" {
		return e.inDockerNamespace(ns)
	}
	if ns, ok := e.s.Namespace(id); ok && ns.Name != "" && !e.noKernel {
		return where{argv: []string{"ip", "netns", "exec", ns.Name}, label: "in namespace " + ns.Name}, true
	}
	return where{}, false
}

func (w where) cmd(what, expect string, argv ...string) Command {
	return cmd(what, expect, append(append([]string(nil), w.argv...), argv...)...)
}
