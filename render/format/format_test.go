package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/topo"
)

func TestParseFormatKinds(t *testing.T) {
	for in, want := range map[string]Kind{
		"":                          Table,
		"table":                     Table,
		" table ":                   Table,
		"json":                      JSON,
		"tree":                      Tree,
		"{{.Container}}":            Template,
		"table {{.Container}}":      Template,
		`table\t{{.Container}}`:     Template,
		"tablet {{.Container}}":     Template, // not the table prefix
		"table{{.Container}}":       Template,
		"{{json .}}":                Template,
		"json {{.HostInterface}}":   Template,
		"{{.HostInterface}}\t{{.}}": Template,
	} {
		f, err := Parse(in)
		if err != nil {
			t.Errorf("Parse(%q): %v", in, err)
			continue
		}
		if f.Kind() != want || f.String() != in {
			t.Errorf("Parse(%q) = %v %q, want %v", in, f.Kind(), f.String(), want)
		}
	}
}

func TestFormatErrors(t *testing.T) {
	pair := topo.Pair{}
	for _, tc := range []struct {
		format string
		kinds  []Kind // for Only; nil: any
		want   string // the whole message
	}{
		{format: "{{.Container}", want: `invalid --format template: template: :1: bad character U+007D '}'`},
		{format: "{{.Container}} {{}", want: `invalid --format template: template: :1: unexpected "}" in command`},
		{format: "{{.Container", want: `invalid --format template: template: :1: unclosed action`},
		{format: "{{range .IPv6}}{{.}}", want: `invalid --format template: template: :1: unexpected EOF`},
		{format: "{{nope .Container}}", want: `invalid --format template: template: :1: function "nope" not defined`},
		{format: "yaml", want: `invalid --format "yaml": want table, json, tree or a Go template such as '{{.Name}}'`},
		{format: "table yaml", want: `invalid --format "table yaml": want table, json, tree or a Go template such as '{{.Name}}'`},
		{format: "{{.Nope}}", want: `invalid --format template: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type topo.Pair`},
		{format: "table {{.Container}}\t{{.Nope}}", want: `invalid --format template: template: :1:17: executing "" at <.Nope>: can't evaluate field Nope in type topo.Pair`},
		{format: "{{upper .IPv6}}", want: `invalid --format template: template: :1:8: executing "" at <.IPv6>: wrong type for value; expected string; got []string`},
		{format: "{{truncate .Container}}", want: `invalid --format template: template: :1:2: executing "" at <truncate>: wrong number of args for truncate: want 2 got 1`},
		{format: "tree", kinds: []Kind{Table, JSON, Template}, want: `invalid --format "tree": want table, json or a Go template`},
		{format: "", kinds: []Kind{Tree, JSON}, want: `invalid --format "": want tree or json`},
	} {
		t.Run(tc.format, func(t *testing.T) {
			f, err := Parse(tc.format)
			if err == nil && tc.kinds != nil {
				err = f.Only(tc.kinds...)
			}
			if err == nil {
				err = f.Validate(pair)
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %q\nwant %q", err, tc.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestFormatTablePrefix(t *testing.T) {
	pairs := []topo.Pair{{HostInterface: "veth1", Container: "web", IPv6: []string{"fd00::2/64"}}}
	for format, want := range map[string]string{
		"table {{.HostInterface}}\t{{.Container}}":                                           "HOST INTERFACE   CONTAINER\nveth1            web\n",
		`table\t{{.HostInterface}}\t{{.Container}}`:                                          "HOST INTERFACE   CONTAINER\nveth1            web\n",
		"table{{.HostInterface}}":                                                            "HOST INTERFACE\nveth1\n",
		"  table   {{.HostInterface}}":                                                       "HOST INTERFACE\nveth1\n",
		"tablet {{.HostInterface}}":                                                          "tablet veth1\n",
		`table {{range .IPv6}}{{.}}\n{{end}}`:                                                "IPV6\nfd00::2/64\n\n",
		`table {{with .IPv6}}{{join . ","}}{{end}}`:                                          "IPV6\nfd00::2/64\n",
		`table {{.HostInterface | upper}}\t{{$c := .Container}}{{$c}}`:                       "HOST INTERFACE   CONTAINER\nVETH1            web\n",
		`table {{range .IPv6}}{{.}}{{end}}\t{{if .Container}}{{.Container}}{{else}}-{{end}}`: "IPV6         CONTAINER\nfd00::2/64   web\n",
		`{{.HostInterface}}\n{{.Container}}`:                                                 "veth1\nweb\n",
	} {
		f, err := Parse(format)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := ExecuteTemplate(&buf, f, pairs); err != nil {
			t.Fatal(err)
		}
		if buf.String() != want {
			t.Errorf("%q printed %q, want %q", format, buf.String(), want)
		}
	}
}

func TestFormatValidateFindsPointerMethods(t *testing.T) {
	f, err := Parse(`{{range .NamespaceInterfaces "ns-1"}}{{.Name}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Validate(topo.Snapshot{}); err != nil {
		t.Errorf("a method of *topo.Snapshot is refused for a topo.Snapshot sample: %v", err)
	}
}

func TestFormatValidateIgnoresWhatOnlyAZeroValueBreaks(t *testing.T) {
	for _, format := range []string{
		"{{index .IPv6 0}}",
		"table {{.HostInterface}}\t{{index .SharedWith 0}}",
		"{{slice .HostInterface 0 4}}",
	} {
		f, err := Parse(format)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Validate(topo.Pair{}); err != nil {
			t.Errorf("Validate(%q) = %v, want nil: a pair with data may satisfy it", format, err)
		}
	}
}

func TestExecuteTemplateWritesNothingOnError(t *testing.T) {
	s := rendertest.Text(t, "full")
	for _, format := range []string{"{{index .IPv6 0}}", "table {{.HostInterface}}\t{{index .IPv6 0}}", "{{.Nope}}"} {
		f, err := Parse(format)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		// The first pairs have IPv6 addresses or not; some never do.
		err = ExecuteTemplate(&buf, f, s.Pairs)
		if err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err = %v, want one wrapping ErrInvalid", format, err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error is not one line: %q", format, err)
		}
		if buf.Len() != 0 {
			t.Errorf("%q: wrote %q before failing", format, buf.String())
		}
	}
	f, _ := Parse("json")
	if err := ExecuteTemplate(&bytes.Buffer{}, f, s.Pairs); err == nil {
		t.Error("ExecuteTemplate with a json format did not fail")
	}
}

func TestExecuteTemplateGolden(t *testing.T) {
	s := rendertest.Text(t, "full")
	for _, tc := range []struct {
		name   string
		format string
		items  any
	}{
		{"pairs-plain", "{{.HostInterface}} {{.Container}}", s.Pairs},
		{"pairs-table", `table {{.HostInterface}}\t{{.Container}}\t{{.ContainerInterface}}\t{{join .IPv6 ","}}`, s.Pairs},
		{"pairs-table-escapes", `table {{.HostIfindex}}\t{{if .Verified}}yes{{else}}no{{end}}\t{{range .IPv6}}{{.}} {{end}}\t{{$ns := .NamespaceName}}{{$ns}}\t{{.ContainerID | printf "%.12s"}}`, s.Pairs},
		{"pairs-funcs", "{{upper .Container}}|{{lower .Bridge}}|{{title .Network}}|{{truncate .ContainerID 12}}|{{pad .IPv4 1 1}}|{{json .IPv6}}|{{join (split .MAC \":\") \"-\"}}", s.Pairs},
		{"pairs-json", "{{json .}}", s.Pairs[:2]},
		{"pairs-table-empty", "table {{.HostInterface}}\t{{.ContainerID}}\t{{.IPv4}}", []topo.Pair{}},
		{"pairs-plain-empty", "{{.HostInterface}}", []topo.Pair(nil)},
		{"snapshot", `{{.Host.Hostname}}: {{len .Containers}} containers, {{len .Pairs}} veths{{range .Warnings}}\n  warning {{.Code}}{{end}}`, []*topo.Snapshot{s}},
		{"snapshot-table", `table {{.Host.Hostname}}\t{{.Host.Runtime.APIVersion}}\t{{len .Networks}}`, s},
		{"containers-html", `{{.Name}} <{{.Image}}> {{json .Labels}}`, s.Containers},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(tc.format)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := ExecuteTemplate(&buf, f, tc.items); err != nil {
				t.Fatal(err)
			}
			if f.table {
				golden.CheckText(t, buf.String(), false)
			}
			golden.Check(t, filepath.Join("testdata", "template-"+tc.name+".golden"), buf.Bytes())
		})
	}
}

func TestFormatHeaderName(t *testing.T) {
	for in, want := range map[string]string{
		"HostInterface":    "HOST INTERFACE",
		"ContainerIfindex": "CONTAINER IFINDEX",
		"ContainerID":      "CONTAINER ID",
		"IPv4":             "IPV4",
		"IPv6":             "IPV6",
		"MAC":              "MAC",
		"DockerAPIVersion": "DOCKER API VERSION",
		"NsID":             "NS ID",
		"Name":             "NAME",
		"ns":               "NS",
		"IPv6Gateway":      "IPV6 GATEWAY",
	} {
		if got := headerName(in); got != want {
			t.Errorf("headerName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	s := rendertest.Text(t, "full")
	t.Run("pairs", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, s.Pairs); err != nil {
			t.Fatal(err)
		}
		golden.Check(t, filepath.Join("testdata", "full.veth-json.golden"), buf.Bytes())
	})
	t.Run("no pairs is an empty array", func(t *testing.T) {
		for _, v := range []any{[]topo.Pair(nil), []topo.Pair{}, []string(nil)} {
			var buf bytes.Buffer
			if err := WriteJSON(&buf, v); err != nil {
				t.Fatal(err)
			}
			if buf.String() != "[]\n" {
				t.Errorf("WriteJSON(%#v) = %q, want %q", v, buf.String(), "[]\n")
			}
		}
	})
	t.Run("pairs built by hand get an empty ipv6 list", func(t *testing.T) {
		pairs := []topo.Pair{{HostInterface: "veth1"}}
		var buf bytes.Buffer
		if err := WriteJSON(&buf, pairs); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), `"ipv6": []`) || pairs[0].IPv6 != nil {
			t.Errorf("got %s and the caller's pair changed to %v", buf.String(), pairs[0].IPv6)
		}
	})
	t.Run("snapshot round trip, HTML unescaped", func(t *testing.T) {
		c := s.Containers[0]
		c.Labels = map[string]string{"note": "a<b && c>d"}
		s2 := *s
		s2.Containers = append([]topo.Container{c}, s.Containers[1:]...)
		var buf bytes.Buffer
		if err := WriteJSON(&buf, &s2); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), `"note": "a<b && c>d"`) || !strings.HasSuffix(buf.String(), "}\n") {
			t.Errorf("labels escaped or no trailing newline:\n%s", buf.String()[:200])
		}
		back, err := topo.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(&s2)
		got, _ := json.Marshal(back)
		if !bytes.Equal(got, want) {
			t.Error("the snapshot does not survive WriteJSON and topo.Decode")
		}
	})
	t.Run("an unencodable value writes nothing", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, map[string]any{"f": func() {}}); err == nil || buf.Len() != 0 {
			t.Errorf("err = %v, wrote %q", err, buf.String())
		}
	})
}
