package render

import (
	"os"
	"testing"
)

func TestColorEnabled(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm-256color")
	if ColorEnabled(w) {
		t.Error("a pipe is not a terminal")
	}
	if ColorEnabled(nil) {
		t.Error("no file, no colour")
	}

	// The master side of a pseudo-terminal answers TCGETS like a terminal.
	tty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal to test with: %v", err)
	}
	defer tty.Close()
	if !ColorEnabled(tty) {
		t.Error("a terminal with TERM=xterm-256color and no NO_COLOR gets no colour")
	}
	t.Setenv("NO_COLOR", "1")
	if ColorEnabled(tty) {
		t.Error("NO_COLOR=1 is ignored")
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "dumb")
	if ColorEnabled(tty) {
		t.Error("TERM=dumb is ignored")
	}
}

func TestColorize(t *testing.T) {
	if got := colorize(false, textBridge, "docker0"); got != "docker0" {
		t.Errorf("colour off: %q", got)
	}
	if got := colorize(true, textBridge, "docker0"); got != "\x1b[1;34mdocker0\x1b[0m" {
		t.Errorf("colour on: %q", got)
	}
	if got := colorize(true, textPlain, "up"); got != "up" {
		t.Errorf("plain text painted: %q", got)
	}
	if got := colorize(true, textWarning, ""); got != "" {
		t.Errorf("empty text painted: %q", got)
	}
}
