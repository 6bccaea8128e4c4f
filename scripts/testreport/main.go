// Command testreport reads `go test -json` on stdin and tells a person what
// happened: the result of each package, the whole output of every test that
// failed (its own t.Log/t.Error lines and any panic, not its neighbours'),
// what was skipped and why, and a closing count. It writes the plain
// verbose log to the file given by -log as it reads, so nothing is lost when
// a run is killed.
//
// Under -ci a skipped test is a failure: CI must prove the integration tests
// ran. The one exception is a test that says the feature it checks does not
// exist on the engine under test: its skip reason starts with
// NotApplicable (internal/testenv.NotApplicable writes it). Such skips are
// listed apart and counted, never silently passed over.
//
// -engine names the Docker engine the tests ran against (the suite runs once
// per engine, scripts/test.sh): it is written on every package result, every
// failure and the closing count, so a failure says which engine it met.
//
// The exit status is 1 when a test, a package or a build failed.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string
}

type key struct{ pkg, test string }

// NotApplicable starts the skip reason of a test whose feature the engine
// under test does not have; internal/testenv writes the same words.
const NotApplicable = "not applicable on this engine:"

type report struct {
	output  map[key]*strings.Builder
	failed  []key
	skipped []key
	pkgs    []string // package result lines, in order
	passed  int
	bad     bool
	engine  string // prefix, "[docker 28.5.2] ", or empty
}

func main() {
	logPath := flag.String("log", "", "write the verbose log here")
	ci := flag.Bool("ci", false, "a skipped test is a failure, unless it is not applicable to the engine")
	engine := flag.String("engine", "", "the Docker engine the tests ran against, named in the report")
	tally := flag.String("tally", "", "add this run's counts to the totals kept in this file")
	flag.Parse()
	var log io.Writer = io.Discard
	if *logPath != "" {
		f, err := os.Create(*logPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
		defer f.Close()
		log = f
	}
	r := read(os.Stdin, log)
	if *engine != "" {
		r.engine = "[" + *engine + "] "
	}
	ok := r.print(os.Stdout, *ci)
	if *tally != "" {
		if err := addTally(*tally, r); err != nil {
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
	}
	if !ok {
		os.Exit(1)
	}
}

func read(in io.Reader, log io.Writer) *report {
	r := &report{output: map[key]*strings.Builder{}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not JSON: the go command's own words (a download, a vet or
			// setup error). Its exit status says whether they were fatal.
			fmt.Fprintln(log, sc.Text())
			r.add(key{"", ""}, sc.Text()+"\n")
			continue
		}
		pkg := e.Package
		if pkg == "" {
			// A build event names "pkg [pkg.test]".
			pkg, _, _ = strings.Cut(e.ImportPath, " ")
		}
		k := key{pkg, e.Test}
		switch e.Action {
		case "output", "build-output":
			io.WriteString(log, e.Output)
			r.add(k, e.Output)
		case "pass":
			if e.Test != "" {
				r.passed++
			} else {
				r.pkgs = append(r.pkgs, "ok   "+pkg)
			}
		case "fail", "build-fail":
			if e.Test != "" {
				r.failed = append(r.failed, k)
			} else {
				r.pkgs = slices.DeleteFunc(r.pkgs, func(p string) bool { return p == "FAIL "+pkg })
				r.pkgs = append(r.pkgs, "FAIL "+pkg)
				r.bad = true
			}
		case "skip":
			if e.Test != "" {
				r.skipped = append(r.skipped, k)
			}
		}
	}
	return r
}

func (r *report) add(k key, s string) {
	b := r.output[k]
	if b == nil {
		b = &strings.Builder{}
		r.output[k] = b
	}
	b.WriteString(s)
}

// print writes the report and says whether the run passed.
func (r *report) print(w io.Writer, ci bool) bool {
	for _, p := range r.pkgs {
		fmt.Fprintln(w, r.engine+p)
	}
	for _, k := range r.failed {
		if hasFailedChild(r.failed, k) {
			continue // its failing subtests are shown
		}
		fmt.Fprintf(w, "\n=== FAIL %s%s %s\n", r.engine, k.pkg, k.test)
		fmt.Fprint(w, r.text(k))
	}
	// A package that failed without a failing test: a build error, a panic
	// outside a test, or TestMain.
	for _, p := range r.pkgs {
		pkg := strings.TrimPrefix(p, "FAIL ")
		if !strings.HasPrefix(p, "FAIL") || slices.ContainsFunc(r.failed, func(k key) bool { return k.pkg == pkg }) {
			continue
		}
		fmt.Fprintf(w, "\n=== FAIL %s%s (no test failed: build error, panic or TestMain)\n", r.engine, pkg)
		fmt.Fprint(w, r.text(key{pkg, ""}))
	}
	if out := r.text(key{"", ""}); out != "" {
		fmt.Fprintf(w, "\n=== go test said\n%s", out)
	}
	skipped, na := r.splitSkipped()
	if len(skipped) > 0 {
		fmt.Fprintf(w, "\n%sskipped tests:\n", r.engine)
		for _, k := range skipped {
			fmt.Fprintf(w, "  %s %s: %s\n", k.pkg, k.test, skipReason(r.text(k)))
		}
	}
	if len(na) > 0 {
		fmt.Fprintf(w, "\n%snot applicable to this engine:\n", r.engine)
		for _, k := range na {
			fmt.Fprintf(w, "  %s %s: %s\n", k.pkg, k.test, strings.TrimSpace(strings.TrimPrefix(skipReason(r.text(k)), NotApplicable)))
		}
	}
	ok := !r.bad && len(r.failed) == 0
	if ci && len(skipped) > 0 {
		fmt.Fprintf(w, "%sCI=true: %d test(s) skipped; under CI every test must run\n", r.engine, len(skipped))
		ok = false
	}
	fmt.Fprintf(w, "%s%d passed, %d failed, %d skipped", r.engine, r.passed, len(r.failed), len(skipped))
	if len(na) > 0 {
		fmt.Fprintf(w, ", %d not applicable", len(na))
	}
	fmt.Fprintln(w)
	return ok
}

// hasFailedChild reports whether a subtest of k failed too.
func hasFailedChild(failed []key, k key) bool {
	return slices.ContainsFunc(failed, func(o key) bool { return o.pkg == k.pkg && strings.HasPrefix(o.test, k.test+"/") })
}

// text is a test's own output, less the === RUN/PAUSE/CONT lines.
func (r *report) text(k key) string {
	b := r.output[k]
	if b == nil {
		return ""
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "=== RUN") || strings.HasPrefix(t, "=== PAUSE") || strings.HasPrefix(t, "=== CONT") || strings.HasPrefix(t, "=== NAME") {
			continue
		}
		out.WriteString(line)
	}
	return out.String()
}

// skipReason is the last line a skipped test wrote before its --- SKIP,
// less the file:line the testing package puts first.
func skipReason(out string) string {
	var last string
	for _, line := range strings.Split(out, "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "--- SKIP") {
			last = t
		}
	}
	if pos, rest, ok := strings.Cut(last, ": "); ok && strings.Contains(pos, ".go:") && !strings.Contains(pos, " ") {
		return rest
	}
	return last
}

// addTally adds r's counts (passed, failed, skipped) to the totals in the
// file at path, one line "P F S", so that a run over several engines can
// close with one count.
func addTally(path string, r *report) error {
	var p, f, s int
	if b, err := os.ReadFile(path); err == nil {
		fmt.Sscan(string(b), &p, &f, &s)
	}
	p += r.passed
	f += len(r.failed)
	skipped, _ := r.splitSkipped()
	s += len(skipped)
	return os.WriteFile(path, []byte(fmt.Sprintf("%d %d %d\n", p, f, s)), 0o644)
}

// splitSkipped parts the skipped tests into those skipped for a reason and
// those not applicable to the engine.
func (r *report) splitSkipped() (skipped, na []key) {
	for _, k := range r.skipped {
		if strings.HasPrefix(skipReason(r.text(k)), NotApplicable) {
			na = append(na, k)
		} else {
			skipped = append(skipped, k)
		}
	}
	return skipped, na
}
