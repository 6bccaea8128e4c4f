package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/internal/dockertest"
	"github.com/netviz/netviz/internal/testenv"
)

// sseUpdates follows base's /api/events and sends, for each update, when
// it arrived and its changes.
type sseUpdate struct {
	at      time.Time
	changes []diff.Entry
}

func followEvents(b *testing.B, ctx context.Context, base string) <-chan sseUpdate {
	b.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out := make(chan sseUpdate, 256)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		r := bufio.NewReader(resp.Body)
		name := ""
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			at := time.Now()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimSpace(line[len("event: "):])
			case strings.HasPrefix(line, "data: ") && name == "update":
				var ev struct{ Changes []diff.Entry }
				if json.Unmarshal([]byte(line[len("data: "):]), &ev) == nil {
					out <- sseUpdate{at: at, changes: ev.Changes}
				}
			}
		}
	}()
	return out
}

// dockerStarts follows Docker's start events of containers with label and
// sends each one's name and the time Docker stamped on the event.
func dockerStarts(b *testing.B, ctx context.Context, label string) <-chan [2]string {
	b.Helper()
	cmd := exec.CommandContext(ctx, "docker", "events", "--filter", "type=container", "--filter", "event=start",
		"--filter", "label="+label, "--format", "{{.Actor.Attributes.name}} {{.TimeNano}}")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Wait() })
	out := make(chan [2]string, 64)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 {
				out <- [2]string{f[0], f[1]}
			}
		}
	}()
	return out
}

// waitChange waits for an update with a container change of name.
func waitChange(b *testing.B, updates <-chan sseUpdate, change, name string) time.Time {
	b.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case u, ok := <-updates:
			if !ok {
				b.Fatal("the event stream ended")
			}
			for _, e := range u.changes {
				if e.Object == diff.ObjContainer && e.Change == change && e.ID == name {
					return u.at
				}
			}
		case <-timeout:
			b.Fatalf("no %s of %s on the event stream", change, name)
		}
	}
}

// BenchmarkServeEventLatency is the time from Docker's start event of a
// container to the served page's event-stream message that adds it
// (p50 and p95 over the iterations; run with -benchtime=50x).
func BenchmarkServeEventLatency(b *testing.B) {
	testenv.RequireRoot(b)
	testenv.RequireDocker(b)
	w := dockertest.New(b, "srvb")
	network := w.Network("net")
	base := startServe(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	updates := followEvents(b, ctx, base)
	starts := dockerStarts(b, ctx, dockertest.Label+"="+w.Prefix)
	var lat []float64
	for i := 0; b.Loop(); i++ {
		name := w.Run("c"+strconv.Itoa(i), []string{"--network", network})
		seen := waitChange(b, updates, "added", name)
		var started time.Time
		for started.IsZero() {
			ev, ok := <-starts
			if !ok {
				b.Fatal("docker events ended")
			}
			if ev[0] == name {
				ns, _ := strconv.ParseInt(ev[1], 10, 64)
				started = time.Unix(0, ns)
			}
		}
		lat = append(lat, float64(seen.Sub(started).Microseconds())/1000)
		w.Remove(name)
		waitChange(b, updates, "removed", name)
	}
	slices.Sort(lat)
	b.ReportMetric(percentile(lat, 50), "p50-ms")
	b.ReportMetric(percentile(lat, 95), "p95-ms")
}

func percentile(sorted []float64, p int) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100]
}

// BenchmarkServeIdleCPU is the CPU netviz serve (this process: watcher,
// server, one page's event stream) uses over NETVIZ_IDLE_SECONDS (60) with
// nothing of its own changing, as a share of one core. Other people's
// containers on a shared host are not nothing: the updates seen meanwhile
// are reported with it.
func BenchmarkServeIdleCPU(b *testing.B) {
	testenv.RequireRoot(b)
	testenv.RequireDocker(b)
	secs := 60
	if s, err := strconv.Atoi(os.Getenv("NETVIZ_IDLE_SECONDS")); err == nil && s > 0 {
		secs = s
	}
	base := startServe(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	updates := followEvents(b, ctx, base)
	time.Sleep(3 * time.Second) // the first read and its debounced echoes
	for b.Loop() {
		for len(updates) > 0 {
			<-updates
		}
		before, t0 := cpuTime(b), time.Now()
		time.Sleep(time.Duration(secs) * time.Second)
		used, wall := cpuTime(b)-before, time.Since(t0)
		b.ReportMetric(100*used.Seconds()/wall.Seconds(), "%core")
		b.ReportMetric(float64(len(updates)), "updates")
		fmt.Fprintf(os.Stderr, "idle: %.2f%% of a core over %s, %d updates from others' changes\n",
			100*used.Seconds()/wall.Seconds(), wall.Round(time.Second), len(updates))
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
