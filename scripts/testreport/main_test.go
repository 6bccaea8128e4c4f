package main

import (
	"io"
	"os"
	"strings"
	"testing"
)

// Two tests run in parallel: the report shows the failing one's own lines,
// none of its neighbour's, and the skip with its reason.
const stream = `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestB","Output":"=== RUN   TestB\n"}
{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:9: neighbour chatter\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:12: want 1, got 2\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"--- FAIL: TestA (0.00s)\n"}
{"Action":"fail","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestB","Output":"--- PASS: TestB (0.00s)\n"}
{"Action":"pass","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestC","Output":"    c_test.go:3: needs root; to enable: sudo make test\n"}
{"Action":"output","Package":"p","Test":"TestC","Output":"--- SKIP: TestC (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestC"}
{"Action":"fail","Package":"p"}
{"Action":"build-output","ImportPath":"q [q.test]","Output":"q/x.go:1:1: syntax error\n"}
{"Action":"build-fail","ImportPath":"q [q.test]"}
{"Action":"fail","Package":"q"}
`

func TestReportShowsTheFailingTestsOwnOutput(t *testing.T) {
	var log strings.Builder
	r := read(strings.NewReader(stream), &log)
	var out strings.Builder
	if r.print(&out, false) {
		t.Error("a run with a failure passed")
	}
	got := out.String()
	for _, want := range []string{
		"FAIL p\n",
		"=== FAIL p TestA\n    a_test.go:12: want 1, got 2\n--- FAIL: TestA",
		"q/x.go:1:1: syntax error",
		"p TestC: needs root; to enable: sudo make test",
		"1 passed, 1 failed, 1 skipped\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "neighbour chatter") {
		t.Errorf("report shows another test's output:\n%s", got)
	}
	if !strings.Contains(log.String(), "neighbour chatter") {
		t.Error("the log lost a passing test's output")
	}
}

func TestCIFailsOnSkip(t *testing.T) {
	in := `{"Action":"skip","Package":"p","Test":"TestC"}
{"Action":"pass","Package":"p"}
`
	var out strings.Builder
	if read(strings.NewReader(in), io.Discard).print(&out, true) {
		t.Errorf("CI passed with a skipped test:\n%s", out.String())
	}
	if !read(strings.NewReader(in), io.Discard).print(io.Discard, false) {
		t.Error("outside CI a skip failed the run")
	}
}

// A test that says its feature does not exist on the engine is listed apart
// and does not fail CI; every line names the engine.
func TestNotApplicableAndEngine(t *testing.T) {
	in := `{"Action":"output","Package":"p","Test":"TestU","Output":"    u_test.go:7: not applicable on this engine: Docker 29 has no DOCKER-USER chain\n"}
{"Action":"skip","Package":"p","Test":"TestU"}
{"Action":"output","Package":"p","Test":"TestF","Output":"    f_test.go:1: boom\n"}
{"Action":"fail","Package":"p","Test":"TestF"}
{"Action":"fail","Package":"p"}
`
	r := read(strings.NewReader(in), io.Discard)
	r.engine = "[docker 29.8.0] "
	var out strings.Builder
	if r.print(&out, true) {
		t.Errorf("a run with a failure passed:\n%s", out.String())
	}
	for _, want := range []string{
		"[docker 29.8.0] FAIL p\n",
		"=== FAIL [docker 29.8.0] p TestF\n",
		"not applicable to this engine:\n  p TestU: Docker 29 has no DOCKER-USER chain\n",
		"[docker 29.8.0] 0 passed, 1 failed, 0 skipped, 1 not applicable\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "CI=true") {
		t.Errorf("a not-applicable skip counted as a CI skip:\n%s", out.String())
	}
}

func TestTallyAddsUpEngines(t *testing.T) {
	path := t.TempDir() + "/tally"
	for range 2 {
		r := read(strings.NewReader(stream), io.Discard)
		if err := addTally(path, r); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != "2 2 2\n" {
		t.Errorf("tally %q, want two runs of 1 passed, 1 failed, 1 skipped", got)
	}
}
