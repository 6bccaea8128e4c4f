// Package termcolor decides whether output to a file may be coloured: it
// must be a terminal, and the user must not have said otherwise.
package termcolor

import "os"

// Enabled reports whether output to f should be coloured: f is a terminal,
// NO_COLOR is unset or empty (https://no-color.org) and TERM is not "dumb".
func Enabled(f *os.File) bool {
	if f == nil || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(f)
}
