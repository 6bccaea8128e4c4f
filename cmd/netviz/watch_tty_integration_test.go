//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/netviz/netviz/internal/testenv"
)

// What a terminal must see from watch, spelled out here rather than taken
// from watch.go, so that a change to them is a change to this test.
const (
	ttyEnterAlt   = "\x1b[?1049h" // the alternate screen
	ttyHideCursor = "\x1b[?25l"
	ttyRestore    = "\x1b[?25h\x1b[?1049l" // cursor shown, the user's screen back
	frameStart    = "\x1b[H"               // a frame: cursor home, lines, erase below
	frameEnd      = "\x1b[J"
	lineEnd       = "\x1b[K"
)

// ttyWait bounds each wait for the child: generous, it only keeps a broken
// watch from hanging the test on a busy host.
const ttyWait = 90 * time.Second

// TestWatchTerminal runs the netviz binary's watch on a pseudo-terminal
// the test opens, as a user's shell would: it enters the alternate screen
// and hides the cursor before drawing, draws frames that fit the window,
// redraws at the new size when the window is resized (SIGWINCH from the
// kernel), and on SIGTERM or Ctrl-C (the terminal's SIGINT) puts the
// screen and cursor back and exits 0.
func TestWatchTerminal(t *testing.T) {
	testenv.RequireRoot(t)
	testenv.RequireDocker(t)
	bin := buildNetviz(t)
	t.Run("SIGTERM", func(t *testing.T) {
		watchOnTTY(t, bin, func(p *ttyChild) {
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("Ctrl-C", func(t *testing.T) {
		watchOnTTY(t, bin, func(p *ttyChild) {
			// Typed, not sent: the terminal turns it into SIGINT for
			// its foreground process group, as for a user.
			if _, err := p.master.Write([]byte{0x03}); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func watchOnTTY(t *testing.T, bin string, stop func(*ttyChild)) {
	p := startOnTTY(t, bin, 100, 30, "watch")
	first := p.waitFrame(t, "the first frame at 100x30", 0, func(f []string) bool {
		return strings.Contains(stripCSI(f[0]), "netviz watch · ")
	})
	if err := fits(first.lines, 100, 30); err != nil {
		t.Errorf("first frame: %v", err)
	}
	out := p.output()
	for _, seq := range []string{ttyEnterAlt, ttyHideCursor} {
		if i := strings.Index(out, seq); i < 0 || i > first.at {
			t.Errorf("%q not written before the first frame (at %d, frame at %d)", seq, i, first.at)
		}
	}

	// Smaller: the header alone is wider than 40 columns, so a frame
	// drawn for the old size cannot pass for the redraw.
	mark := len(out)
	p.resize(t, 40, 12)
	redraw := p.waitFrame(t, "a redraw that fits 40x12", mark, func(f []string) bool {
		return strings.HasPrefix(stripCSI(f[0]), "netviz watch") && fits(f, 40, 12) == nil
	})
	if len(redraw.lines) < 3 {
		t.Errorf("the redraw at 40x12 has %d lines, want the header, changes and tree: %q", len(redraw.lines), redraw.lines)
	}

	stop(p)
	code, stderr := p.wait(t)
	out = p.output()
	if code != 0 {
		t.Errorf("exit status %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.HasSuffix(out, ttyRestore) {
		t.Errorf("output does not end by showing the cursor and leaving the alternate screen: ends %q", tail(out, 80))
	}
}

// ttyChild is a process whose terminal is a pseudo-terminal the test holds
// the other side of.
type ttyChild struct {
	cmd    *exec.Cmd
	master *os.File
	stderr lockedBuffer

	mu  sync.Mutex
	out bytes.Buffer
	// read is closed once the terminal has nothing more to read (the
	// child and every copy of its side are gone).
	read   chan struct{}
	exited chan error
}

// startOnTTY runs bin with args as a session leader whose controlling
// terminal, stdin and stdout are a new pseudo-terminal of cols×rows;
// stderr goes to a buffer, so the terminal holds what a frame is made of.
func startOnTTY(t *testing.T, bin string, cols, rows int, args ...string) *ttyChild {
	t.Helper()
	master, slave := openPTY(t)
	p := &ttyChild{master: master, read: make(chan struct{}), exited: make(chan error, 1)}
	p.resize(t, cols, rows)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdin, p.cmd.Stdout, p.cmd.Stderr = slave, slave, &p.stderr
	p.cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close() // the child's now: reads end (EIO) when it is gone
	go func() {
		defer close(p.read)
		buf := make([]byte, 32<<10)
		for {
			n, err := master.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		master.Close()
	})
	return p
}

// openPTY opens a pseudo-terminal pair: /dev/ptmx, unlocked, and the
// /dev/pts file it names. Output is passed on as written (no newline
// translation), so frames arrive byte for byte.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	var n uint32
	err = control(master, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return fmt.Errorf("unlockpt: %w", err)
		}
		n, err = unix.IoctlGetUint32(fd, unix.TIOCGPTN)
		return err
	})
	if err != nil {
		master.Close()
		t.Fatal(err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		t.Fatal(err)
	}
	err = control(slave, func(fd int) error {
		tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
		if err != nil {
			return err
		}
		tio.Oflag &^= unix.OPOST
		return unix.IoctlSetTermios(fd, unix.TCSETS, tio)
	})
	if err != nil {
		t.Fatal(err)
	}
	return master, slave
}

// control runs f on f's descriptor without putting the file in blocking
// mode (as Fd would), so that reading it stays interruptible.
func control(f *os.File, do func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var doErr error
	if err := rc.Control(func(fd uintptr) { doErr = do(int(fd)) }); err != nil {
		return err
	}
	return doErr
}

// resize sets the terminal's size; the kernel sends SIGWINCH to the
// terminal's foreground process group, the child's.
func (p *ttyChild) resize(t *testing.T, cols, rows int) {
	t.Helper()
	ws := &unix.Winsize{Col: uint16(cols), Row: uint16(rows)}
	if err := control(p.master, func(fd int) error { return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, ws) }); err != nil {
		t.Fatal(err)
	}
}

func (p *ttyChild) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// screenFrame is one frame as written: where it starts in the output, and
// its lines (colours kept, the erase-to-end-of-line taken off).
type screenFrame struct {
	at    int
	lines []string
}

// frames are the complete frames that start at or after from: from a
// cursor home to the erase below, with no other cursor home between
// (entering the screen clears it once, ESC[H ESC[2J, which is no frame).
func frames(out string, from int) []screenFrame {
	var fs []screenFrame
	at := from
	for {
		i := strings.Index(out[at:], frameStart)
		if i < 0 {
			return fs
		}
		at += i
		body := out[at+len(frameStart):]
		if next := strings.Index(body, frameStart); next >= 0 {
			body = body[:next]
		}
		if end := strings.Index(body, frameEnd); end >= 0 {
			lines := strings.Split(strings.TrimSuffix(body[:end], lineEnd), lineEnd+"\r\n")
			fs = append(fs, screenFrame{at: at, lines: lines})
		}
		at += len(frameStart)
	}
}

// waitFrame waits for a complete frame after from that ok accepts.
func (p *ttyChild) waitFrame(t *testing.T, what string, from int, ok func([]string) bool) screenFrame {
	t.Helper()
	deadline := time.Now().Add(ttyWait)
	for {
		out := p.output()
		for _, f := range frames(out, from) {
			if ok(f.lines) {
				return f
			}
		}
		select {
		case <-p.read:
			t.Fatalf("watch ended before %s; stderr:\n%s\noutput ends %q", what, p.stderr.String(), tail(p.output(), 400))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s; output ends %q", ttyWait, what, tail(out, 600))
		}
	}
}

// wait waits for the child to exit and its output to be read, and returns
// its exit status and stderr.
func (p *ttyChild) wait(t *testing.T) (int, string) {
	t.Helper()
	select {
	case err := <-p.exited:
		p.exited <- err
	case <-time.After(ttyWait):
		t.Fatalf("watch did not exit; output ends %q", tail(p.output(), 400))
	}
	select {
	case <-p.read:
	case <-time.After(ttyWait):
		t.Fatal("the terminal was not closed after watch exited")
	}
	return p.cmd.ProcessState.ExitCode(), p.stderr.String()
}

var csi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]`)

func stripCSI(s string) string { return csi.ReplaceAllString(s, "") }

// fits says whether a frame's lines fit cols×rows, a character a cell.
func fits(lines []string, cols, rows int) error {
	if len(lines) > rows {
		return fmt.Errorf("%d lines on a %d-line terminal", len(lines), rows)
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(stripCSI(l)); n > cols {
			return fmt.Errorf("line %d is %d wide on a %d-column terminal: %q", i+1, n, cols, stripCSI(l))
		}
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
