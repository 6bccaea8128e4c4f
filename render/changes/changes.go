// Package changes writes what package diff found for people: a summary line,
// then one line per change — `+` added, `-` removed, `~` changed, `*` a
// note such as a compose service scaled — coloured by which way when the
// command says so. `netviz diff` prints a whole diff.Result, `netviz watch`
// one line per diff.Entry as it comes, and draws its terminal frame here.
//
// Every name and value is made printable (render/termtext): container
// names, labels and interface names are chosen by whoever runs a
// container, and must not repaint the terminal.
package changes

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/netviz/netviz/diff"
	"github.com/netviz/netviz/render/termtext"
)

// Options say how Write draws.
type Options struct {
	// Color paints each line by which way it changed: added green,
	// removed red, changed yellow, notes bold. The command decides; see
	// render/termcolor.
	Color bool
}

// SGR parameters by kind of line.
const (
	sgrAdded   = "32"
	sgrRemoved = "31"
	sgrChanged = "33"
	sgrNote    = "1;36"
	sgrSummary = "1"
)

// Write writes the result: a summary line ("3 added, 1 removed, 2
// changed", counting objects, or "no differences"), the notes, then one line
// per added, removed and changed object field.
func Write(w io.Writer, r diff.Result, opt Options) error {
	var buf bytes.Buffer
	buf.WriteString(paint(opt.Color, sgrSummary, Summary(r)) + "\n")
	entries := r.Entries(time.Time{})
	for _, e := range entries {
		if e.Change == diff.ChangeNote {
			buf.WriteString(Line(e, opt) + "\n")
		}
	}
	for _, e := range entries {
		if e.Change != diff.ChangeNote {
			buf.WriteString(Line(e, opt) + "\n")
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// Summary counts what differs: "3 added, 1 removed, 2 changed" (an object
// with several changed fields counts once), or "no differences".
func Summary(r diff.Result) string {
	if r.Empty() {
		return "no differences"
	}
	a, rm, c := r.Count()
	return fmt.Sprintf("%d added, %d removed, %d changed", a, rm, c)
}

// Line is one entry for people, without its time:
//
//   - container web2 (image busybox, on net1)
//   - port web1 0.0.0.0:8080->80/tcp
//     ~ container web1 recreated (id 1a2b3c4d5e6f → 3c4d5e6f7a8b)
//     ~ pair web1:eth0 hostInterface veth1 → veth2
//   - finding mtu-mismatch docker0 eth0 (new warning: ...)
//   - project web: service api scaled 1 → 3
func Line(e diff.Entry, opt Options) string {
	var text, sgr string
	obj, id := termtext.Printable(e.Object), termtext.Printable(e.ID)
	switch e.Change {
	case diff.ChangeAdded:
		text, sgr = "+ "+obj+" "+id+withDetail(findingWord(e, "new ")+e.Detail), sgrAdded
	case diff.ChangeRemoved:
		text, sgr = "- "+obj+" "+id+withDetail(findingWord(e, "resolved ")+e.Detail), sgrRemoved
	case diff.ChangeNote:
		text, sgr = "* "+termtext.Printable(e.Detail), sgrNote
	default:
		text, sgr = "~ "+obj+" "+id+" "+changeText(e), sgrChanged
	}
	return paint(opt.Color, sgr, text)
}

// findingWord says which way a finding went: added is a new problem,
// removed a resolved one.
func findingWord(e diff.Entry, word string) string {
	if e.Object == diff.ObjFinding {
		return word
	}
	return ""
}

func withDetail(d string) string {
	d = strings.TrimSpace(d)
	if d == "" {
		return ""
	}
	return " (" + termtext.Printable(d) + ")"
}

// changeText is a changed field with its values; a few fields read better
// as words: a new container ID is "recreated", a new namespace under the
// same ID "restarted".
func changeText(e diff.Entry) string {
	before, after := value(e.Before), value(e.After)
	switch {
	case e.Object == diff.ObjContainer && e.Field == "id", e.Object == diff.ObjNetwork && e.Field == "id":
		return "recreated (id " + shortID(before) + " → " + shortID(after) + ")"
	case e.Object == diff.ObjContainer && e.Field == "namespace":
		return "restarted (namespace " + before + " → " + after + ")"
	case e.Object == diff.ObjRule && e.Field == "order":
		return "rules reordered"
	}
	return termtext.Printable(e.Field) + " " + before + " → " + after
}

// shortID is a Docker ID as docker ps shows it, 12 characters.
func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// value writes a changed field's value: lists joined, "none" for nothing.
func value(v any) string {
	var s string
	switch v := v.(type) {
	case nil:
		s = ""
	case string:
		s = v
	case []string:
		s = strings.Join(v, ", ")
	case []any: // a list read back from JSON
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
		}
		s = strings.Join(parts, ", ")
	default:
		s = fmt.Sprint(v)
	}
	if s == "" {
		return "none"
	}
	return termtext.Printable(s)
}

func paint(on bool, sgr, s string) string {
	if !on || s == "" {
		return s
	}
	return "\x1b[" + sgr + "m" + s + "\x1b[0m"
}
