package termcolor

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTerminal asks the tty driver: only a terminal has termios, so a
// pipe, a file and /dev/null all fail TCGETS.
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
