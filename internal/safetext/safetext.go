// Package safetext is the one output sanitizer: every piece of text taken
// from a bundle passes through it before it reaches a terminal (stdout and
// stderr), a JSON document, a Markdown file or an HTML page. A bundle is
// untrusted: OSC 52 can write the clipboard, CSI 2J clears the screen, C1
// controls are escapes on some terminals, and U+202E makes text read
// backwards (issue #15).
package safetext

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Dangerous reports whether r must not reach an output raw: C0 controls
// (callers decide about newline and tab), DEL, C1 controls, the Unicode
// bidi controls (embeddings, overrides, isolates, marks) and the line and
// paragraph separators.
func Dangerous(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
		r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// escapeRune writes r as \uXXXX: readable on a terminal and, inside a JSON
// string, the JSON escape for the same character.
func escapeRune(b *strings.Builder, r rune) { fmt.Fprintf(b, "\\u%04x", r) }

// Line makes s safe on one terminal line: every dangerous rune (newline and
// tab included) escaped, invalid UTF-8 bytes as \xNN.
func Line(s string) string { return clean(s, false) }

// Text is Line that keeps newlines, and turns tabs into two spaces.
func Text(s string) string { return clean(s, true) }

func clean(s string, multiline bool) string {
	if safe(s, multiline) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r == '\n' && multiline:
			b.WriteByte('\n')
		case r == '\t' && multiline:
			b.WriteString("  ")
		case Dangerous(r):
			escapeRune(&b, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// safe is the fast path: nothing to change.
func safe(s string, multiline bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if multiline && c == '\n' {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || Dangerous(r) || r == '\t' {
			return false
		}
		i += size
	}
	return true
}
