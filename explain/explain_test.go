package explain

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/netviz/netviz/internal/fwtest"
	"github.com/netviz/netviz/topo"
)

// shellWords runs lines through bash and returns the words each parses to:
// what a user pasting the line would run.
func shellWords(t *testing.T, lines []string) [][]string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed: cannot check how a shell reads the quoted lines")
	}
	var script strings.Builder
	for _, l := range lines {
		// Each word NUL-terminated, each line ended by a lone \x01 word.
		script.WriteString("printf '%s\\0' " + l + " $'\\x01'\n")
	}
	out, err := exec.Command(bash, "--norc", "-c", script.String()).Output()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, script.String())
	}
	var got [][]string
	var cur []string
	for _, w := range bytes.Split(bytes.TrimSuffix(out, []byte{0}), []byte{0}) {
		if string(w) == "\x01" {
			got = append(got, cur)
			cur = nil
			continue
		}
		cur = append(cur, string(w))
	}
	return got
}

// hostile are names a container's owner might choose; what they would run,
// should quoting ever fail, is harmless.
var hostile = []string{
	"", "plain-name_1.0", "two words", "it's", `"dq"`, "$(echo broke-out)", "`id`", "a;b", "a|b&c",
	"new\nline", "tab\there", "esc\x1b[31mred", "bidi\u202etxt", "bad\xffutf8", "=cmd", "~root", "back\\slash",
	"-rf", "*", "?", "[x]", "{a,b}", "!", "#comment", "x>y", "nbsp\u00a0", "emoji🙂", "ls\u2028x",
}

// A quoted word reads back, through a real shell, as exactly the word.
func TestQuoteRoundTripsThroughBash(t *testing.T) {
	lines := make([]string, len(hostile))
	for i, h := range hostile {
		lines[i] = Quote(h)
	}
	got := shellWords(t, lines)
	for i, h := range hostile {
		if len(got[i]) != 1 || got[i][0] != h {
			t.Errorf("Quote(%q) = %s, which bash reads as %q", h, lines[i], got[i])
		}
	}
}

// What a quoted word shows on a terminal: no control or invisible
// character, nothing left unquoted that a shell would act on.
func TestQuoteIsVisibleText(t *testing.T) {
	for _, h := range hostile {
		q := Quote(h)
		for _, r := range q {
			if !visible(r) {
				t.Errorf("Quote(%q) = %q keeps the invisible %U", h, q, r)
			}
		}
		if q != h && !strings.HasPrefix(q, "'") && !strings.HasPrefix(q, "$'") {
			t.Errorf("Quote(%q) = %q: neither plain nor quoted", h, q)
		}
	}
	for in, want := range map[string]string{
		"eth0": "eth0", "br-3e62f8449196": "br-3e62f8449196", "{{.State.Pid}}": "'{{.State.Pid}}'",
		"it's": `'it'\''s'`, "esc\x1b": `$'esc\x1b'`, "bidi\u202e": `$'bidi\u202e'`, "": "''",
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// all is every command the explainer gives for every element of s.
func all(e *Explainer, s *topo.Snapshot) []Command {
	out := slices.Concat(e.Host(), e.Firewall())
	if s.Host.Uplink != "" {
		out = append(out, e.Uplink(s.Host.Uplink)...)
	}
	for _, br := range s.Bridges {
		out = append(out, e.Bridge(br)...)
	}
	for i := range s.Networks {
		out = append(out, e.Network(&s.Networks[i])...)
	}
	for _, p := range s.Pairs {
		out = append(out, e.Pair(p)...)
	}
	for i := range s.Containers {
		c := &s.Containers[i]
		out = append(out, e.Container(c)...)
		out = append(out, e.Ports(c)...)
		for _, iface := range c.Interfaces {
			out = append(out, e.ContainerInterface(c, iface)...)
		}
	}
	for i := range s.Namespaces {
		ns := &s.Namespaces[i]
		if ns.Host {
			continue
		}
		out = append(out, e.Namespace(ns)...)
		for _, iface := range ns.Interfaces {
			out = append(out, e.NamespaceInterface(ns.ID, iface)...)
		}
	}
	return out
}

// hostileHost is the gallery host with every name a container's owner
// controls made hostile.
func hostileHost(t *testing.T) *topo.Snapshot {
	s := fwtest.Host(t)
	rename := map[string]string{
		"web1": "web1$(echo broke-out)", "vetha87bbed": "veth'; echo broke-out #", "appnet": "app net`id`", "blue": "blue\x1b]0;owned\x07",
		"eth0": "eth0 && echo broke-out", "br-edf6ad18f54c": "br-\"x\"",
	}
	r := func(s *string) {
		if n, ok := rename[*s]; ok {
			*s = n
		}
	}
	for i := range s.Containers {
		c := &s.Containers[i]
		r(&c.Name)
		r(&c.SharesNamespaceWith)
		for j := range c.Interfaces {
			r(&c.Interfaces[j].Name)
			r(&c.Interfaces[j].HostPeer)
		}
	}
	for i := range s.Pairs {
		p := &s.Pairs[i]
		r(&p.Container)
		r(&p.HostInterface)
		r(&p.ContainerInterface)
		r(&p.NamespaceName)
		r(&p.Network)
		r(&p.Bridge)
	}
	for i := range s.Networks {
		r(&s.Networks[i].Name)
		r(&s.Networks[i].Bridge)
	}
	for i := range s.Bridges {
		r(&s.Bridges[i].Name)
	}
	for i := range s.Namespaces {
		r(&s.Namespaces[i].Name)
		for j := range s.Namespaces[i].Interfaces {
			r(&s.Namespaces[i].Interfaces[j].Name)
		}
	}
	return s
}

// Every command of every element, its names hostile, is one line a shell
// reads back as exactly its argv.
func TestHostileNamesCannotBreakOut(t *testing.T) {
	s := hostileHost(t)
	cmds := all(New(s), s)
	var lines []string
	for _, c := range cmds {
		lines = append(lines, c.Line)
		if strings.ContainsAny(c.Line, "\n\x1b\x07") {
			t.Errorf("line %q holds a control character", c.Line)
		}
	}
	got := shellWords(t, lines)
	hostileSeen := 0
	for i, c := range cmds {
		if !slices.Equal(got[i], c.Argv) {
			t.Errorf("%s\n  runs %q\n  want %q", c.Line, got[i], c.Argv)
		}
		if strings.ContainsAny(strings.Join(c.Argv, ""), "$`'\"\x1b ") {
			hostileSeen++
		}
	}
	if hostileSeen < 10 {
		t.Errorf("only %d of %d commands carry a hostile name: the test does not test much", hostileSeen, len(cmds))
	}
}

// argvs are the argv lists of cmds, joined by spaces.
func argvs(cmds []Command) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, strings.Join(c.Argv, " "))
	}
	return out
}

func contains(t *testing.T, cmds []Command, want string) Command {
	t.Helper()
	for _, c := range cmds {
		if strings.Join(c.Argv, " ") == want {
			return c
		}
	}
	t.Errorf("no command %q in\n  %s", want, strings.Join(argvs(cmds), "\n  "))
	return Command{}
}

func lacks(t *testing.T, cmds []Command, prefix string) {
	t.Helper()
	for _, c := range cmds {
		if strings.HasPrefix(strings.Join(c.Argv, " "), prefix) {
			t.Errorf("unexpected %q", c.Line)
		}
	}
}
