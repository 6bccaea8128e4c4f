// Package render turns a topo.Snapshot into something to read: a tree or
// a table for the terminal, JSON, the output of a docker-style --format
// template, or a diagram (DOT, Mermaid, HTML).
//
// Every writer is a pure function of its input to an io.Writer. None
// opens a file, looks at the terminal or knows about flags: whether to
// colour, and which format the user asked for, are decided by the command
// and passed in (TreeOptions.Color, ParseFormat). Colour follows the kind
// of thing drawn — bridge, veth, container, orphan, warning — never its
// name. Writers build their whole output before writing it, so an error
// leaves nothing half-written behind.
//
// The tree and the diagrams also mark problems (TreeOptions.Problems,
// DiagramOptions.Problems): netviz doctor's findings, which the command
// converts to Problem, since render knows nothing of the checks. A problem
// is placed by the names it is about (see Problem) and drawn in the colour
// of its severity, not of a kind.
//
// The text views (WriteTree, WriteVethTable) leave out IPv6 link-local
// addresses, which every IPv6-enabled link has; JSON and templates see the
// snapshot as it is.
package render
