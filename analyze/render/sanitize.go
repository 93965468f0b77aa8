package render

import (
	"fmt"
	"strings"
	"unicode"
)

// clean makes untrusted text safe for a terminal: control characters
// (escape sequences could rewrite the screen or the title bar) are shown as
// \x.. escapes; tabs become spaces; newlines are kept only when multiline.
func clean(s string, multiline bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' && multiline:
			b.WriteRune(r)
		case r == '\t':
			b.WriteString("  ")
		case r == unicode.ReplacementChar:
			b.WriteRune(r)
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069'):
			// bidi overrides can make text read differently than it is
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// line is clean for one-line contexts.
func line(s string) string { return clean(s, false) }
