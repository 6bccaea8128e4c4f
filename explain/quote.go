package explain

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quote writes s as one word of a POSIX shell command line, so that
// pasting the line runs the same argv. Names come from whoever runs a
// container or makes a namespace, so nothing in them may end the word, start
// another command ($(), `, ;) or, printed on a terminal, drive it: words
// with control or invisible characters use bash's $'...' with every such
// byte escaped, and the rest single quotes.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if plain(s) {
		return s
	}
	if !needsEscapes(s) {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\' || r == '\'':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x80 && (r < 0x20 || r == 0x7f):
			fmt.Fprintf(&b, `\x%02x`, r)
		case !visible(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	b.WriteString("'")
	return b.String()
}

// Line is argv as one shell command line, each word quoted.
func Line(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = Quote(a)
	}
	return strings.Join(words, " ")
}

// plain reports whether s needs no quoting at all: letters, digits and
// punctuation no shell gives a meaning to.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("@%+=:,./_-", c) >= 0:
		default:
			return false
		}
	}
	// A leading = or ~ can be special (zsh's =cmd, tilde expansion).
	return s[0] != '=' && s[0] != '~'
}

func needsEscapes(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if !visible(r) {
			return true
		}
	}
	return false
}

// visible reports whether r prints as itself: not a control character, not
// a format character such as a bidirectional override (which can make a
// line read differently from what it runs), not a line or paragraph break.
func visible(r rune) bool {
	return r == ' ' || unicode.IsGraphic(r) && !unicode.Is(unicode.Cf, r) && r != '\u2028' && r != '\u2029'
}
