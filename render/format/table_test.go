package format

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/golden"
	"github.com/netviz/netviz/internal/rendertest"
	"github.com/netviz/netviz/topo"
)

func TestVethTableGolden(t *testing.T) {
	for _, f := range rendertest.TextFixtures {
		t.Run(f, func(t *testing.T) {
			s := rendertest.Text(t, f)
			var buf bytes.Buffer
			if err := WriteVethTable(&buf, s.Pairs, TableOptions{}); err != nil {
				t.Fatal(err)
			}
			golden.CheckText(t, buf.String(), false)
			golden.Check(t, filepath.Join("testdata", f+".table.golden"), buf.Bytes())
		})
	}
}

func TestVethTableCells(t *testing.T) {
	pairs := []topo.Pair{
		{HostInterface: "veth1", HostIfindex: 7, Container: "web", ContainerInterface: "eth0", ContainerIfindex: 6,
			IPv6:  []string{"fe80::1/64", "fd00::2/64", "fd00::3/64"},
			Ports: []topo.Port{{HostIP: "0.0.0.0", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}, {HostIP: "::", HostPort: 8080, ContainerPort: 80, Protocol: "tcp"}}},
		{HostInterface: "veth2", HostIfindex: 9, NamespaceName: "blue", Namespace: "ns-4026532875"},
		{HostInterface: "veth3", HostIfindex: 11, Namespace: "ns-4026532932"},
		{HostInterface: "veth4", HostIfindex: 13, ContainerIfindex: 12},
	}
	var buf bytes.Buffer
	if err := WriteVethTable(&buf, pairs, TableOptions{NoHeader: true}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	want := [][]string{
		{"veth1", "7", "-", "web", "eth0", "6", "-", "-", "fd00::2/64,fd00::3/64", "-", "0.0.0.0:8080->80/tcp,", "[::]:8080->80/tcp"},
		{"veth2", "9", "-", "(netns", "blue)", "-", "-", "-", "-", "-", "-", "-"},
		{"veth3", "11", "-", "(netns", "ns-4026532932)", "-", "-", "-", "-", "-", "-", "-"},
		{"veth4", "13", "-", "(netns", "?)", "-", "12", "-", "-", "-", "-", "-"},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d (no header):\n%s", len(lines), len(want), buf.String())
	}
	for i, l := range lines {
		if got := strings.Fields(l); strings.Join(got, " ") != strings.Join(want[i], " ") {
			t.Errorf("row %d = %q, want %q", i, got, want[i])
		}
	}
}

func TestVethTableEscapesNames(t *testing.T) {
	pairs := []topo.Pair{{HostInterface: "veth\x1b[2J", NamespaceName: "a\tb"}}
	var buf bytes.Buffer
	if err := WriteVethTable(&buf, pairs, TableOptions{NoHeader: true}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(buf.String()); len(got) != 12 || got[0] != `veth\x1b[2J` || got[4] != `a\tb)` {
		t.Errorf("control characters not escaped: %q", buf.String())
	}
}

func TestVethTableWithNoPairs(t *testing.T) {
	for name, pairs := range map[string][]topo.Pair{"nil": nil, "empty": {}} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteVethTable(&buf, pairs, TableOptions{}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Fields(buf.String()); len(got) == 0 || got[0] != "HOST" || strings.Count(buf.String(), "\n") != 1 {
				t.Errorf("want the header alone, got %q", buf.String())
			}
			buf.Reset()
			if err := WriteVethTable(&buf, pairs, TableOptions{NoHeader: true}); err != nil || buf.Len() != 0 {
				t.Errorf("NoHeader with no pairs wrote %q, %v; want nothing", buf.String(), err)
			}
		})
	}
}
