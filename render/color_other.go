//go:build !linux

package render

import "os"

// colorIsTerminal guesses from the file mode where TCGETS is not at hand;
// it takes /dev/null for a terminal, which only costs escape codes nobody sees.
func colorIsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
