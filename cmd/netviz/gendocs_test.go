package main

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestGenDocs: every command a user can run has a man page naming each of
// its flags, the pages are valid roff (when man is installed), and the
// three completion scripts exist and complete netviz.
func TestGenDocs(t *testing.T) {
	dir := t.TempDir()
	d, _, errb := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"gen-docs", dir}, d); code != 0 {
		t.Fatalf("gen-docs: exit %d: %s", code, errb)
	}
	// The tree as a user runs it: cobra adds completion (and help) on Execute.
	root := newRootCommand(d)
	root.InitDefaultCompletionCmd()
	pages := 0
	walkCommands(root, func(c *cobra.Command) {
		pages++
		page := filepath.Join(dir, "man", "man1", manName(c)+".1")
		b, err := os.ReadFile(page)
		if err != nil {
			t.Errorf("%s: no man page: %v", c.CommandPath(), err)
			return
		}
		text := string(b)
		if !strings.Contains(text, ".SH NAME\n"+roffEscape(manName(c))+` \- `) {
			t.Errorf("%s: NAME section missing or wrong", page)
		}
		check := func(f *pflag.Flag) {
			if f.Hidden {
				return
			}
			if !strings.Contains(text, `\fB\-\-`+roffEscape(f.Name)+`\fR`) {
				t.Errorf("%s does not name --%s", page, f.Name)
			}
			if f.Shorthand != "" && !strings.Contains(text, `\fB\-`+f.Shorthand+`\fR, \fB\-\-`+roffEscape(f.Name)) {
				t.Errorf("%s does not give -%s for --%s", page, f.Shorthand, f.Name)
			}
		}
		c.NonInheritedFlags().VisitAll(check)
		c.InheritedFlags().VisitAll(check)
	})
	entries, _ := os.ReadDir(filepath.Join(dir, "man", "man1"))
	if len(entries) != pages {
		t.Errorf("%d man pages for %d commands", len(entries), pages)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), "gen-docs") || strings.Contains(e.Name(), "help") {
			t.Errorf("man page for a hidden command: %s", e.Name())
		}
	}
	if man, err := exec.LookPath("man"); err == nil {
		out, err := exec.Command(man, "-l", "-Tutf8", filepath.Join(dir, "man", "man1", "netviz-veth.1")).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--format") || strings.Contains(string(out), "warning") {
			t.Errorf("man -l netviz-veth.1: %v\n%s", err, out)
		}
	}

	for _, c := range []string{"bash-completion/completions/netviz", "zsh/site-functions/_netviz", "fish/vendor_completions.d/netviz.fish"} {
		b, err := os.ReadFile(filepath.Join(dir, c))
		if err != nil {
			t.Errorf("completion %s: %v", c, err)
			continue
		}
		// Each script asks the binary itself (netviz __complete ...).
		if !strings.Contains(string(b), "__complete") || !strings.Contains(string(b), "netviz") {
			t.Errorf("%s does not ask netviz for completions", c)
		}
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		if out, err := exec.Command(bash, "-n", filepath.Join(dir, "bash-completion/completions/netviz")).CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v: %s", err, out)
		}
	}
}

func TestGenDocsUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	d, _, errb := fakeDeps(t, nil)
	if code := run(context.Background(), []string{"gen-docs", file}, d); code != exitOutput {
		t.Errorf("gen-docs into a file: exit %d, want %d", code, exitOutput)
	}
	if lines := strings.Count(strings.TrimSpace(errb.String()), "\n"); lines != 0 || errb.Len() == 0 {
		t.Errorf("want one error line, got %q", errb.String())
	}
}

func TestRoffEscape(t *testing.T) {
	for in, want := range map[string]string{
		`a-b`:        `a\-b`,
		`C:\path`:    `C:\epath`,
		".starts":    `\&.starts`,
		"'quote":     `\&'quote`,
		"x\n.y":      "x\n\\&.y",
		"plain text": "plain text",
	} {
		if got := roffLines(in); got != want {
			t.Errorf("roffLines(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestManExitStatuses: netviz(1) lists every exit code errors.go defines,
// so a code added there cannot be left out of the man page.
func TestManExitStatuses(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[int]bool{}
	for _, e := range exitStatuses {
		listed[e.code] = true
	}
	found := 0
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || len(vs.Values) != 1 || !strings.HasPrefix(vs.Names[0].Name, "exit") {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		code, err := strconv.Atoi(lit.Value)
		if err != nil {
			t.Fatalf("%s = %s", vs.Names[0].Name, lit.Value)
		}
		found++
		if !listed[code] {
			t.Errorf("%s (%d) is not in netviz(1)'s EXIT STATUS", vs.Names[0].Name, code)
		}
		return true
	})
	if found < 9 {
		t.Errorf("found %d exit codes in errors.go, want at least 9", found)
	}
	var b bytes.Buffer
	writeRootSections(&b)
	for _, e := range exitStatuses {
		if !strings.Contains(b.String(), fmt.Sprintf(".B %d\n", e.code)) {
			t.Errorf("exit %d missing from the page", e.code)
		}
	}
}
