package dockertest

import "testing"

// TestImage makes sure the local busybox image exists (make bench relies on
// it) and that a container from it runs the applets the tests use.
func TestImage(t *testing.T) {
	w := New(t, "img")
	c := w.Run("probe", nil)
	out := w.Docker("exec", c, "sh", "-c", "ip -o link show lo && wget --help 2>&1 | head -1 && nc --help 2>&1 | head -1")
	if out == "" {
		t.Fatalf("no output from applets in %s", Image)
	}
}
