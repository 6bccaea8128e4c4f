package tree

import "github.com/netviz/netviz/topo"

// textKind says what a piece of text output names. Colour follows from the
// kind alone, never from the name itself.
type textKind int

const (
	textPlain          textKind = iota
	textHost                    // the host itself
	textUplink                  // the host's default-route link
	textHostLink                // another host link: a macvlan parent, a NIC on a bridge
	textBridge                  // a Linux bridge
	textVeth                    // the host end of a veth pair
	textContainer               // a container (the owner of a namespace)
	textOrphan                  // a namespace no container owns, or one netviz cannot find
	textStopped                 // a container that is not running, or paused
	textWarning                 // something wrong or uncertain
	textProblemError            // the mark of an error netviz doctor found
	textProblemWarning          // the mark of a warning netviz doctor found
	textProject                 // a Docker Compose project's heading
	textCommand                 // a command of --explain and what it shows
	textSandbox                 // one of Docker's own namespaces: an overlay sandbox, ingress_sbox, lb_
)

// textColors are SGR parameters per kind; kinds not listed stay plain.
var textColors = map[textKind]string{
	textHost:           "1",    // bold
	textUplink:         "1;35", // bold magenta
	textHostLink:       "35",   // magenta
	textBridge:         "1;34", // bold blue
	textVeth:           "36",   // cyan
	textContainer:      "32",   // green
	textOrphan:         "33",   // yellow
	textStopped:        "2",    // faint
	textWarning:        "31",   // red
	textProblemError:   "1;31", // bold red
	textProblemWarning: "1;33", // bold yellow
	textProject:        "1",    // bold
	textCommand:        "2",    // faint
	textSandbox:        "1;36", // bold cyan: Docker's, not an orphan's yellow
}

func problemTextKind(severity topo.Severity) textKind {
	if severity == topo.SeverityError {
		return textProblemError
	}
	return textProblemWarning
}

// colorize wraps s in the ANSI colour of kind when on is set.
func colorize(on bool, kind textKind, s string) string {
	code, ok := textColors[kind]
	if !on || !ok || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}
