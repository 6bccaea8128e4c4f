package render

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/template"
)

// ErrInvalidFormat is wrapped by every error about a --format value: one
// that names no known format, a template that does not parse, or one that
// fails to execute. Commands treat it as a usage error.
var ErrInvalidFormat = errors.New("invalid --format")

// FormatKind is what a --format value asks for.
type FormatKind int

// Format kinds.
const (
	FormatTable    FormatKind = iota // "table" or "": the command's own table (or tree)
	FormatJSON                       // "json"
	FormatTree                       // "tree"
	FormatTemplate                   // a Go template, with or without the "table " prefix
)

func (k FormatKind) String() string {
	switch k {
	case FormatTable:
		return "table"
	case FormatJSON:
		return "json"
	case FormatTree:
		return "tree"
	case FormatTemplate:
		return "a Go template"
	}
	return fmt.Sprintf("FormatKind(%d)", int(k))
}

// Format is a parsed --format value, as docker takes it: a keyword or a
// text/template executed once per item. A template that starts with
// "table " gets a header row, each column headed by the first field it
// uses (HostInterface → HOST INTERFACE), and its tab-separated columns are
// aligned.
type Format struct {
	kind   FormatKind
	raw    string
	table  bool
	tmpl   *template.Template
	header []string // column headings of a "table " template
}

// ParseFormat parses a --format value: "" or "table", "json", "tree", or a
// Go template such as '{{.HostInterface}} {{.Container}}' or
// 'table {{.HostInterface}}\t{{.Container}}'. As with docker, the two
// characters \t and \n in a template stand for a tab and a newline. A
// template that does not parse is an error wrapping ErrInvalidFormat.
//
// Which kinds a command accepts is its own business; see Format.Only.
func ParseFormat(s string) (Format, error) {
	f := Format{raw: s}
	switch strings.TrimSpace(s) {
	case "", "table":
		f.kind = FormatTable
		return f, nil
	case "json":
		f.kind = FormatJSON
		return f, nil
	case "tree":
		f.kind = FormatTree
		return f, nil
	}
	f.kind = FormatTemplate
	text := strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(s)
	if rest, ok := formatCutTable(text); ok {
		f.table = true
		text = rest
	}
	if !strings.Contains(text, "{{") {
		return Format{}, fmt.Errorf("%w %q: want table, json, tree or a Go template such as '{{.Name}}'", ErrInvalidFormat, s)
	}
	tmpl, err := template.New("").Funcs(formatFuncs).Parse(text)
	if err != nil {
		return Format{}, formatTemplateError(err)
	}
	f.tmpl = tmpl
	if f.table {
		f.header = formatHeadings(tmpl)
	}
	return f, nil
}

// formatCutTable strips docker's "table" prefix from a template: "table"
// then blanks or the template itself ("table{{.Name}}" works in docker).
func formatCutTable(s string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimLeft(s, " "), "table")
	trimmed := strings.TrimLeft(rest, " \t")
	if !ok || rest == "" || (trimmed == rest && !strings.HasPrefix(rest, "{{")) {
		return s, false
	}
	return trimmed, true
}

func formatTemplateError(err error) error {
	// text/template's messages are one line except for a rare wrapped
	// panic; keep the error to one line either way.
	msg := strings.Join(strings.Fields(err.Error()), " ")
	return fmt.Errorf("%w template: %s", ErrInvalidFormat, msg)
}

// Kind says what the format asks for.
func (f Format) Kind() FormatKind { return f.kind }

// String is the --format value as given.
func (f Format) String() string { return f.raw }

// Only returns an error wrapping ErrInvalidFormat unless the format is one
// of kinds, e.g. f.Only(FormatTable, FormatJSON, FormatTemplate) for a
// command that has no tree.
func (f Format) Only(kinds ...FormatKind) error {
	for _, k := range kinds {
		if f.kind == k {
			return nil
		}
	}
	want := make([]string, 0, len(kinds))
	for _, k := range kinds {
		want = append(want, k.String())
	}
	return fmt.Errorf("%w %q: want %s", ErrInvalidFormat, f.raw, formatOrList(want))
}

func formatOrList(words []string) string {
	switch len(words) {
	case 0:
		return "nothing"
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// Validate executes a template format against sample, a value of the type
// the command will later pass (a zero topo.Pair is fine), and reports
// mistakes that do not depend on the data — a field the type does not
// have, a function given the wrong arguments — before any work is done.
// Errors that only a zero value provokes (index out of range, nil
// pointers) are not reported. Formats that are not templates are valid.
func (f Format) Validate(sample any) error {
	if f.kind != FormatTemplate {
		return nil
	}
	err := formatExecute(io.Discard, f, []any{sample})
	if err == nil || formatDataDependent(err) {
		return nil
	}
	// Commands often pass a zero value (topo.Snapshot{}) and execute
	// pointers (*topo.Snapshot); a value in an interface is not
	// addressable, so methods with pointer receivers look missing. Try a
	// pointer before refusing, but report the error about the value.
	if v := reflect.ValueOf(sample); v.IsValid() && v.Kind() != reflect.Pointer {
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		if perr := formatExecute(io.Discard, f, []any{p.Interface()}); perr == nil || formatDataDependent(perr) {
			return nil
		}
	}
	return err
}

// formatDataDependent reports whether a template execution error could be
// caused by the particular value rather than by its type. text/template
// has no typed errors for these; the messages are stable.
func formatDataDependent(err error) bool {
	msg := err.Error()
	for _, s := range []string{"error calling", "nil pointer", "nil data", "explicit nil", "of nil pointer"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
