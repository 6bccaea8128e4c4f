package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// newGenDocsCommand writes the man pages and shell completions of the
// command tree it is part of, so that what ships always matches the binary
// (make man completions release). Hidden: it is for packagers.
func newGenDocsCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "gen-docs DIR",
		Short:  "Write man pages and shell completions under DIR (share/ layout)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := genDocs(cmd.Root(), args[0]); err != nil {
				return withCode(exitOutput, err)
			}
			return nil
		},
	}
}

// genDocs writes DIR/man/man1/*.1 and the completions where bash, zsh and
// fish look for them under a share directory, so that unpacking the
// release under /usr/local installs them.
func genDocs(root *cobra.Command, dir string) error {
	man := filepath.Join(dir, "man", "man1")
	if err := os.MkdirAll(man, 0o755); err != nil {
		return err
	}
	var err error
	walkCommands(root, func(c *cobra.Command) {
		if err != nil {
			return
		}
		var b bytes.Buffer
		writeManPage(&b, c)
		err = writeFile(filepath.Join(man, manName(c)+".1"), b.Bytes())
	})
	if err != nil {
		return err
	}
	completions := []struct {
		path string
		gen  func(io.Writer) error
	}{
		{"bash-completion/completions/netviz", func(w io.Writer) error { return root.GenBashCompletionV2(w, true) }},
		{"zsh/site-functions/_netviz", root.GenZshCompletion},
		{"fish/vendor_completions.d/netviz.fish", func(w io.Writer) error { return root.GenFishCompletion(w, true) }},
	}
	for _, c := range completions {
		var b bytes.Buffer
		if err := c.gen(&b); err != nil {
			return err
		}
		p := filepath.Join(dir, c.path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := writeFile(p, b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, b []byte) error {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// walkCommands visits c and every command under it that a user can run.
func walkCommands(c *cobra.Command, visit func(*cobra.Command)) {
	visit(c)
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			walkCommands(sub, visit)
		}
	}
}

// manName is "netviz-docker" for `netviz docker`, as git names its pages.
func manName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "-")
}

// writeManPage writes c as a roff man page (man(7) macros).
func writeManPage(w *bytes.Buffer, c *cobra.Command) {
	name := manName(c)
	fmt.Fprintf(w, ".TH \"%s\" 1 \"\" \"netviz %s\" \"netviz manual\"\n", roffEscape(strings.ToUpper(name)), roffEscape(netvizVersion()))
	fmt.Fprintf(w, ".SH NAME\n%s \\- %s\n", roffEscape(name), roffEscape(c.Short))
	fmt.Fprintf(w, ".SH SYNOPSIS\n.B %s\n", roffEscape(c.CommandPath()))
	if rest := strings.TrimPrefix(c.UseLine(), c.CommandPath()); strings.TrimSpace(rest) != "" {
		fmt.Fprintf(w, "%s\n", roffEscape(strings.TrimSpace(rest)))
	}
	desc := c.Long
	if desc == "" {
		desc = c.Short
	}
	fmt.Fprintf(w, ".SH DESCRIPTION\n")
	writeRoffText(w, desc)
	writeFlags(w, "OPTIONS", c.NonInheritedFlags())
	writeFlags(w, "OPTIONS INHERITED FROM PARENT COMMANDS", c.InheritedFlags())
	if !c.HasParent() {
		writeRootSections(w)
	}
	if c.Example != "" {
		fmt.Fprintf(w, ".SH EXAMPLES\n.PP\n.RS\n.nf\n%s\n.fi\n.RE\n", roffLines(c.Example))
	}
	var see []string
	if c.HasParent() {
		see = append(see, manName(c.Parent()))
	}
	for _, sub := range c.Commands() {
		if sub.IsAvailableCommand() {
			see = append(see, manName(sub))
		}
	}
	if len(see) > 0 {
		fmt.Fprintf(w, ".SH SEE ALSO\n")
		for i, s := range see {
			sep := ","
			if i == len(see)-1 {
				sep = ""
			}
			fmt.Fprintf(w, ".BR %s (1)%s\n", roffEscape(s), sep)
		}
	}
}

// exitStatuses are errors.go's exit codes as netviz(1) lists them.
var exitStatuses = []struct {
	code int
	what string
}{
	{exitOK, "success, possibly with warnings on standard error"},
	{exitFailure, "any other failure; doctor: an error-level finding"},
	{exitUsage, "usage: a bad flag, argument, --format, template or output type; a docker flag or context netviz cannot take"},
	{exitDaemon, "no Docker daemon answered (the message names where netviz looked)"},
	{exitBadSnapshot, "a snapshot file is unreadable, malformed or of another schema version"},
	{exitNotFound, "unknown --container, --network or --project"},
	{exitOutput, "the output file or its renderer failed"},
	{exitNoKernel, "doctor or path: the kernel view of the daemon's host is unavailable"},
	{exitTrouble, "diff: any other failure, kept apart from diff's own 1 (the snapshots differ)"},
	{exitPartial, "cluster, and render of several snapshots: some nodes did not answer; they are drawn as unknown, the rest is right"},
	{exitInterrupted, "interrupted (SIGINT, SIGTERM)"},
}

// writeRootSections adds what concerns every command to netviz(1).
func writeRootSections(w *bytes.Buffer) {
	fmt.Fprintf(w, ".SH EXIT STATUS\n")
	for _, e := range exitStatuses {
		fmt.Fprintf(w, ".TP\n.B %d\n%s\n", e.code, roffLines(e.what))
	}
	fmt.Fprintf(w, ".SH ENVIRONMENT\n")
	for _, e := range [][2]string{
		{"DOCKER_HOST", "the Docker daemon to inspect when neither -H nor --context is given (default: the docker context, else the local socket)"},
		{"DOCKER_CONTEXT", "the docker context whose daemon to inspect when neither -H, --context nor DOCKER_HOST is given (default: the current context of config.json, as set by docker context use)"},
		{"DOCKER_CONFIG", "the docker CLI's configuration directory, holding config.json and the contexts (default: ~/.docker)"},
		{"DOCKER_CERT_PATH, DOCKER_TLS_VERIFY", "TLS for a tcp:// daemon given by -H or DOCKER_HOST, as for the docker CLI; a context brings its own"},
		{"NO_COLOR", "set: no colour on a terminal"},
	} {
		fmt.Fprintf(w, ".TP\n.B %s\n%s\n", roffEscape(e[0]), roffLines(e[1]))
	}
	fmt.Fprintf(w, ".PP\nThe daemon is chosen as the docker CLI chooses it: \\-H or \\-\\-context (not both), then DOCKER_HOST, DOCKER_CONTEXT, the current context, the local socket. Run as docker netviz (a Docker CLI plugin), netviz takes docker's own \\-H, \\-\\-context and \\-\\-config too.\n")
}

// writeFlags lists the flags that are not hidden, one tagged paragraph each.
func writeFlags(w *bytes.Buffer, title string, fs *pflag.FlagSet) {
	if !fs.HasAvailableFlags() {
		return
	}
	fmt.Fprintf(w, ".SH %s\n", title)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		varname, usage := pflag.UnquoteUsage(f)
		tag := ""
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			tag = fmt.Sprintf("\\fB\\-%s\\fR, ", roffEscape(f.Shorthand))
		}
		tag += fmt.Sprintf("\\fB\\-\\-%s\\fR", roffEscape(f.Name))
		if varname != "" {
			tag += fmt.Sprintf("=\\fI%s\\fR", roffEscape(varname))
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" && f.DefValue != "0" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, ".TP\n%s\n%s\n", tag, roffLines(usage))
	})
}

// writeRoffText writes text paragraph by paragraph: indented blocks (the
// examples in a command's Long help) verbatim, the rest filled by man.
func writeRoffText(w *bytes.Buffer, text string) {
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		lines := strings.Split(para, "\n")
		verbatim := true
		for _, l := range lines {
			if l != "" && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
				verbatim = false
			}
		}
		if verbatim {
			fmt.Fprintf(w, ".PP\n.RS\n.nf\n%s\n.fi\n.RE\n", roffLines(para))
			continue
		}
		fmt.Fprintf(w, ".PP\n%s\n", roffLines(para))
	}
}

// roffLines escapes text and keeps a line that starts with a dot or a
// quote from being read as a request.
func roffLines(text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i, l := range lines {
		l = roffEscape(l)
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			l = "\\&" + l
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	return strings.ReplaceAll(s, "-", `\-`)
}
