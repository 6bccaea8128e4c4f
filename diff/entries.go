package diff

import "time"

// Entries flattens the result into one Entry per change, all at t, in the
// result's order: added, removed, changed, then notes. This is what
// `netviz watch --format json` writes, one per line.
func (r Result) Entries(t time.Time) []Entry {
	out := make([]Entry, 0, len(r.Added)+len(r.Removed)+len(r.Changed)+len(r.Notes))
	for _, it := range r.Added {
		out = append(out, Entry{Time: t, Change: ChangeAdded, Object: it.Object, ID: it.ID, Detail: it.Detail})
	}
	for _, it := range r.Removed {
		out = append(out, Entry{Time: t, Change: ChangeRemoved, Object: it.Object, ID: it.ID, Detail: it.Detail})
	}
	for _, c := range r.Changed {
		out = append(out, Entry{Time: t, Change: ChangeChanged, Object: c.Object, ID: c.ID, Field: c.Field, Before: c.Before, After: c.After})
	}
	for _, n := range r.Notes {
		out = append(out, Entry{Time: t, Change: ChangeNote, Object: n.Object, ID: n.ID, Detail: n.Text})
	}
	return out
}

// Count is how many objects differ: added, removed and changed (an object
// with several changed fields counts once).
func (r Result) Count() (added, removed, changed int) {
	seen := map[[2]string]bool{}
	for _, c := range r.Changed {
		seen[[2]string{c.Object, c.ID}] = true
	}
	return len(r.Added), len(r.Removed), len(seen)
}
