package main

import (
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// screenCapable reports whether f is a terminal that can be redrawn in
// place: one with a size, whose TERM is not "dumb".
func screenCapable(f *os.File) bool {
	_, _, ok := termSize(f)
	return ok && os.Getenv("TERM") != "dumb"
}

// termSize asks the tty driver for the terminal's size; only a terminal
// has one.
func termSize(f *os.File) (width, height int, ok bool) {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 || ws.Row == 0 {
		return 80, 24, err == nil
	}
	return int(ws.Col), int(ws.Row), true
}

// noEcho stops the terminal echoing typed keys, which would land in the
// middle of the frame, and returns what restores it. Line editing and
// Ctrl-C (ISIG) are left as they are.
func noEcho(f *os.File) func() {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	if unix.IoctlSetTermios(fd, unix.TCSETS, &quiet) != nil {
		return func() {}
	}
	return func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }
}

// notifyResize delivers SIGWINCH, the terminal's "my size changed".
func notifyResize() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, unix.SIGWINCH)
	return ch, func() { signal.Stop(ch) }
}
