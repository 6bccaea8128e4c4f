// Package format writes what a --format flag asks for, as docker/cli's
// formatter does: the veth table, JSON, or a docker-style Go template run
// once per item ("table " in front for aligned columns under a header).
// Parse checks a --format value before any work is done; a bad one is an
// error wrapping ErrInvalid, which commands treat as a usage error.
//
// The veth table leaves out IPv6 link-local addresses, which every
// IPv6-enabled link has; JSON and templates see the data as it is.
package format

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/template"
)

// ErrInvalid is wrapped by every error about a --format value: one
// that names no known format, a template that does not parse, or one that
// fails to execute. Commands treat it as a usage error.
var ErrInvalid = errors.New("invalid --format")

// Kind is what a --format value asks for.
type Kind int

// Kinds of format.
const (
	Table    Kind = iota // "table" or "": the command's own table (or tree)
	JSON                 // "json"
	Tree                 // "tree"
	Template             // a Go template, with or without the "table " prefix
)

func (k Kind) String() string {
	switch k {
	case Table:
		return "table"
	case JSON:
		return "json"
	case Tree:
		return "tree"
	case Template:
		return "a Go template"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Spec is a parsed --format value, as docker takes it: a keyword or a
// text/template executed once per item. A template that starts with
// "table " gets a header row, each column headed by the first field it
// uses (HostInterface → HOST INTERFACE), and its tab-separated columns are
// aligned.
type Spec struct {
	kind   Kind
	raw    string
	table  bool
	tmpl   *template.Template
	header []string // column headings of a "table " template
}

// Parse parses a --format value: "" or "table", "json", "tree", or a
// Go template such as '{{.HostInterface}} {{.Container}}' or
// 'table {{.HostInterface}}\t{{.Container}}'. As with docker, the two
// characters \t and \n in a template stand for a tab and a newline. A
// template that does not parse is an error wrapping ErrInvalid.
//
// Which kinds a command accepts is its own business; see Spec.Only.
func Parse(s string) (Spec, error) {
	f := Spec{raw: s}
	switch strings.TrimSpace(s) {
	case "", "table":
		f.kind = Table
		return f, nil
	case "json":
		f.kind = JSON
		return f, nil
	case "tree":
		f.kind = Tree
		return f, nil
	}
	f.kind = Template
	text := strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(s)
	if rest, ok := cutTable(text); ok {
		f.table = true
		text = rest
	}
	if !strings.Contains(text, "{{") {
		return Spec{}, fmt.Errorf("%w %q: want table, json, tree or a Go template such as '{{.Name}}'", ErrInvalid, s)
	}
	tmpl, err := template.New("").Funcs(funcs).Parse(text)
	if err != nil {
		return Spec{}, templateError(err)
	}
	f.tmpl = tmpl
	if f.table {
		f.header = headings(tmpl)
	}
	return f, nil
}

// cutTable strips docker's "table" prefix from a template: "table"
// then blanks or the template itself ("table{{.Name}}" works in docker).
func cutTable(s string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimLeft(s, " "), "table")
	trimmed := strings.TrimLeft(rest, " \t")
	if !ok || rest == "" || (trimmed == rest && !strings.HasPrefix(rest, "{{")) {
		return s, false
	}
	return trimmed, true
}

func templateError(err error) error {
	// text/template's messages are one line except for a rare wrapped
	// panic; keep the error to one line either way.
	msg := strings.Join(strings.Fields(err.Error()), " ")
	return fmt.Errorf("%w template: %s", ErrInvalid, msg)
}

// Kind says what the format asks for.
func (f Spec) Kind() Kind { return f.kind }

// String is the --format value as given.
func (f Spec) String() string { return f.raw }

// Only returns an error wrapping ErrInvalid unless the format is one
// of kinds, e.g. f.Only(Table, JSON, Template) for a
// command that has no tree.
func (f Spec) Only(kinds ...Kind) error {
	for _, k := range kinds {
		if f.kind == k {
			return nil
		}
	}
	want := make([]string, 0, len(kinds))
	for _, k := range kinds {
		want = append(want, k.String())
	}
	return fmt.Errorf("%w %q: want %s", ErrInvalid, f.raw, orList(want))
}

func orList(words []string) string {
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
func (f Spec) Validate(sample any) error {
	if f.kind != Template {
		return nil
	}
	err := execute(io.Discard, f, []any{sample})
	if err == nil || dataDependent(err) {
		return nil
	}
	// Commands often pass a zero value (topo.Snapshot{}) and execute
	// pointers (*topo.Snapshot); a value in an interface is not
	// addressable, so methods with pointer receivers look missing. Try a
	// pointer before refusing, but report the error about the value.
	if v := reflect.ValueOf(sample); v.IsValid() && v.Kind() != reflect.Pointer {
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		if perr := execute(io.Discard, f, []any{p.Interface()}); perr == nil || dataDependent(perr) {
			return nil
		}
	}
	return err
}

// dataDependent reports whether a template execution error could be
// caused by the particular value rather than by its type. text/template
// has no typed errors for these; the messages are stable.
func dataDependent(err error) bool {
	msg := err.Error()
	for _, s := range []string{"error calling", "nil pointer", "nil data", "explicit nil", "of nil pointer"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}
