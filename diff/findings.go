package diff

import (
	"strings"

	"github.com/netviz/netviz/topo"
)

// findings lists doctor's findings that are new (added) and resolved
// (removed), matched by ID and subject: the same problem with other words
// is the same problem.
func (d *differ) findings(old, new []topo.Finding) {
	key := func(f *topo.Finding) string {
		return strings.TrimSpace(f.ID + " " + strings.Join(f.SubjectNames(), " "))
	}
	detail := func(f *topo.Finding) string { return string(f.Severity) + ": " + f.Message }
	match(old, new, key,
		func(f *topo.Finding) { d.removed(ObjFinding, key(f), detail(f)) },
		func(f *topo.Finding) { d.added(ObjFinding, key(f), detail(f)) },
		func(_, _ *topo.Finding) {})
}
