package format

import (
	"encoding/json"
	"io"
	"reflect"
	"slices"

	"github.com/netviz/netviz/topo"
)

// WriteJSON writes v as indented JSON with a trailing newline. HTML
// characters (<, >, &) are written as they are, not as \u003c escapes, so
// labels and templates read naturally; the output is valid JSON all the
// same. A nil slice is written as [], never null: `netviz veth --format
// json` prints an array even when there are no pairs.
func WriteJSON(w io.Writer, v any) error {
	v = jsonNonNil(v)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	// Encode marshals the whole value before writing, so a value that cannot
	// be encoded writes nothing.
	return enc.Encode(v)
}

// jsonNonNil replaces a nil slice with an empty one, and gives pairs built
// outside topo.Snapshot.Sort (or read from an older snapshot) empty IPv6
// and ports lists, as a live snapshot has.
func jsonNonNil(v any) any {
	switch v := v.(type) {
	case []topo.Pair:
		out := slices.Clone(v)
		if out == nil {
			out = []topo.Pair{}
		}
		for i := range out {
			if out[i].IPv6 == nil {
				out[i].IPv6 = []string{}
			}
			if out[i].Ports == nil {
				out[i].Ports = []topo.Port{}
			}
		}
		return out
	case nil:
		return v
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && rv.IsNil() {
		return reflect.MakeSlice(rv.Type(), 0, 0).Interface()
	}
	return v
}
