package format

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode"
	"unicode/utf8"
)

// funcs are the functions every --format template has; the same set
// docker's templates have, so that docker habits carry over.
var funcs = template.FuncMap{
	"json":     jsonFunc,
	"join":     join,
	"split":    strings.Split,
	"upper":    strings.ToUpper,
	"lower":    strings.ToLower,
	"title":    title,
	"pad":      pad,
	"truncate": truncate,
}

func jsonFunc(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// join is docker's join, for any slice: a finding's subject is a
// list of refs, each printed as a person reads it ("web1:eth0").
func join(v any, sep string) (string, error) {
	if ss, ok := v.([]string); ok {
		return strings.Join(ss, sep), nil
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array {
		return "", fmt.Errorf("join: %T is not a list", v)
	}
	parts := make([]string, rv.Len())
	for i := range parts {
		parts[i] = fmt.Sprint(rv.Index(i).Interface())
	}
	return strings.Join(parts, sep), nil
}

// title upper-cases the first letter of each space-separated word.
func title(s string) string {
	prev := ' '
	return strings.Map(func(r rune) rune {
		defer func() { prev = r }()
		if unicode.IsSpace(prev) {
			return unicode.ToTitle(r)
		}
		return r
	}, s)
}

// pad surrounds a non-empty s with spaces, as docker's pad does.
func pad(s string, before, after int) string {
	if s == "" {
		return s
	}
	return strings.Repeat(" ", max(before, 0)) + s + strings.Repeat(" ", max(after, 0))
}

// truncate keeps the first n characters of s.
func truncate(s string, n int) string {
	if n < 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// ExecuteTemplate executes a template format once per item, a newline
// after each, as docker does. items is a slice or array (each element is
// one item; an empty one prints nothing, or only the header of a "table "
// format) or a single value. Nothing is written unless every item
// succeeds, so a failing template leaves no partial output; its error
// wraps ErrInvalid.
func ExecuteTemplate(w io.Writer, f Spec, items any) error {
	if f.kind != Template {
		return fmt.Errorf("render: --format %q is %s, not a template", f.raw, f.kind)
	}
	return execute(w, f, spread(items))
}

// spread spreads a slice or array into its elements.
func spread(items any) []any {
	if items == nil {
		return nil
	}
	v := reflect.ValueOf(items)
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return []any{items}
	}
	out := make([]any, v.Len())
	for i := range out {
		out[i] = v.Index(i).Interface()
	}
	return out
}

func execute(w io.Writer, f Spec, items []any) error {
	var rows bytes.Buffer
	for _, item := range items {
		if err := f.tmpl.Execute(&rows, item); err != nil {
			return templateError(err)
		}
		rows.WriteByte('\n')
	}
	if !f.table {
		_, err := w.Write(rows.Bytes())
		return err
	}
	var out bytes.Buffer
	tw := newTableWriter(&out)
	fmt.Fprintln(tw, strings.Join(f.header, "\t"))
	tw.Write(rows.Bytes())
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(trimLines(out.Bytes()))
	return err
}

// headings names the columns of a "table " template: each column
// (text up to a tab, in the first line) is headed by the first field it
// prints, "{{join .IPv6 ","}}" by IPV6. Executing the template against
// placeholder data, as docker does, would print "yes" as the heading of
// '{{if .Verified}}yes{{end}}'; the parse tree says what the column is.
func headings(t *template.Template) []string {
	h := headingWalker{cols: []string{""}}
	if t.Tree != nil {
		h.walk(t.Tree.Root)
	}
	return h.cols
}

type headingWalker struct {
	cols []string
	done bool // past the first line
}

func (h *headingWalker) walk(n parse.Node) {
	if h.done || n == nil || reflect.ValueOf(n).IsNil() {
		return
	}
	switch n := n.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			h.walk(c)
		}
	case *parse.TextNode:
		for _, c := range string(n.Text) {
			switch c {
			case '\t':
				h.cols = append(h.cols, "")
			case '\n':
				h.done = true
				return
			}
		}
	case *parse.ActionNode:
		h.head(len(h.cols)-1, n.Pipe)
	case *parse.TemplateNode:
		h.head(len(h.cols)-1, n.Pipe)
	case *parse.IfNode:
		h.branch(&n.BranchNode)
	case *parse.RangeNode:
		h.branch(&n.BranchNode)
	case *parse.WithNode:
		h.branch(&n.BranchNode)
	}
}

// branch prefers what an if, range or with prints to what it tests:
// '{{range .Containers}}{{.Name}}{{end}}' is headed NAME, but
// '{{if .Verified}}yes{{end}}' VERIFIED.
func (h *headingWalker) branch(b *parse.BranchNode) {
	col := len(h.cols) - 1
	h.walk(b.List)
	h.walk(b.ElseList)
	h.head(col, b.Pipe)
}

// head names column col after the first field in n, unless it has a name.
func (h *headingWalker) head(col int, n parse.Node) {
	if h.cols[col] == "" {
		if f := firstField(n); f != "" {
			h.cols[col] = headerName(f)
		}
	}
}

// firstField is the last name of the first field chain in a pipeline:
// "Hostname" in '{{.Host.Hostname | upper}}'.
func firstField(n parse.Node) string {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return ""
	}
	var idents []string
	switch n := n.(type) {
	case *parse.PipeNode:
		for _, c := range n.Cmds {
			if f := firstField(c); f != "" {
				return f
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			if f := firstField(a); f != "" {
				return f
			}
		}
	case *parse.FieldNode:
		idents = n.Ident
	case *parse.ChainNode:
		idents = n.Field
	case *parse.VariableNode:
		idents = n.Ident[1:]
	}
	if len(idents) == 0 {
		return ""
	}
	return idents[len(idents)-1]
}

// headerName turns a Go field name into a column heading:
// HostInterface → HOST INTERFACE, ContainerID → CONTAINER ID, IPv6 → IPV6.
func headerName(field string) string {
	r := []rune(field)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1]) && !isVersionSuffix(r[i+1:])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(unicode.ToUpper(c))
	}
	return b.String()
}

// isVersionSuffix reports whether r starts like the "v6" of IPv6,
// which belongs to the capitals before it.
func isVersionSuffix(r []rune) bool {
	return len(r) >= 2 && r[0] == 'v' && unicode.IsDigit(r[1])
}
