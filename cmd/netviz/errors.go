package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/netviz/netviz/inspect"
	"github.com/netviz/netviz/topo"
)

// Exit codes. Scripts branch on them, so they are documented in the README
// and never reused for another meaning.
const (
	exitOK          = 0
	exitFailure     = 1   // anything not listed below
	exitUsage       = 2   // bad flags, arguments, --format or template, output type
	exitDaemon      = 3   // no Docker daemon answered
	exitBadSnapshot = 4   // --from / render input unreadable, malformed, wrong schema
	exitNotFound    = 5   // unknown --container, --network or --project
	exitOutput      = 6   // the output file or its renderer failed
	exitNoKernel    = 7   // doctor/path: the daemon's host namespace cannot be read
	exitTrouble     = 8   // diff: any other failure, kept apart from its 1 ("they differ")
	exitPartial     = 9   // cluster: some nodes did not answer; drawn as unknown, the rest is right
	exitInterrupted = 130 // SIGINT/SIGTERM
)

// exitError carries the exit code for an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func usageErrorf(format string, a ...any) error {
	return withCode(exitUsage, fmt.Errorf(format, a...))
}

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, inspect.ErrDaemonUnreachable):
		return exitDaemon
	case errors.Is(err, topo.ErrUnknownContainer), errors.Is(err, topo.ErrUnknownNetwork), errors.Is(err, topo.ErrUnknownProject):
		return exitNotFound
	case isFlagError(err):
		return exitUsage
	}
	return exitFailure
}

// isFlagError recognises cobra's and pflag's argument errors, which are not typed.
func isFlagError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "unknown command", "flag needs an argument",
		"invalid argument", "required flag", "accepts ", "requires at least", "requires at most", "bad flag syntax"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// errQuiet marks an exit code that is an answer, not a failure (diff's 1,
// "they differ"): printError says nothing.
var errQuiet = errors.New("quiet exit")

// printError writes the one-line error message.
func printError(w io.Writer, err error) {
	if errors.Is(err, errQuiet) {
		return
	}
	msg := strings.ReplaceAll(err.Error(), "\n", "; ")
	fmt.Fprintf(w, "netviz: %s\n", msg)
}
