package render

import "github.com/rtsnap/rtsnap/internal/safetext"

// clean makes untrusted text safe for a terminal (internal/safetext, the
// one sanitizer): control, C1 and bidi characters shown as \uXXXX, tabs as
// spaces, newlines kept only when multiline.
func clean(s string, multiline bool) string {
	if multiline {
		return safetext.Text(s)
	}
	return safetext.Line(s)
}

// line is clean for one-line contexts.
func line(s string) string { return clean(s, false) }

// md makes untrusted text inert in a Markdown line, cell or list item.
func md(s string) string { return safetext.Markdown(s) }
