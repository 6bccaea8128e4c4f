package termcolor

import (
	"os"
	"testing"
)

func TestEnabled(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm-256color")
	if Enabled(w) {
		t.Error("a pipe is not a terminal")
	}
	if Enabled(nil) {
		t.Error("no file, no colour")
	}

	// The master side of a pseudo-terminal answers TCGETS like a terminal.
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal to test with: %v", err)
	}
	defer tty.Close()
	if !Enabled(tty) {
		t.Error("a terminal with TERM=xterm-256color and no NO_COLOR gets no colour")
	}
	t.Setenv("NO_COLOR", "1")
	if Enabled(tty) {
		t.Error("NO_COLOR=1 is ignored")
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "dumb")
	if Enabled(tty) {
		t.Error("TERM=dumb is ignored")
	}
}
