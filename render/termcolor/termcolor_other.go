//go:build !linux

package termcolor

import "os"

// isTerminal guesses from the file mode where TCGETS is not at hand;
// it takes /dev/null for a terminal, which only costs escape codes nobody sees.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
