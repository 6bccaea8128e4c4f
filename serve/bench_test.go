package serve

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/internal/rendertest"
)

// BenchmarkIdleServer is the CPU the server alone (no watcher) uses over
// NETVIZ_IDLE_SECONDS (60) with nothing changing and one page's event
// stream open, as a share of one core: with package live's cost on a quiet
// host, what netviz serve costs when nothing happens. Run with
// -benchtime=1x.
func BenchmarkIdleServer(b *testing.B) {
	secs := 60
	if s, err := strconv.Atoi(os.Getenv("NETVIZ_IDLE_SECONDS")); err == nil && s > 0 {
		secs = s
	}
	s := New(Options{Loopback: true})
	s.Publish(update(1, rendertest.Fleet(500), diff.Result{}))
	base := start(b, s)
	_, st := openStream(b, base+"/api/events")
	<-st.events // the snapshot
	for b.Loop() {
		var before, after syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		t0 := time.Now()
		time.Sleep(time.Duration(secs) * time.Second)
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		used := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
		b.ReportMetric(100*used.Seconds()/time.Since(t0).Seconds(), "%core")
	}
}
