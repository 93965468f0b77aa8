package safetext

import "strings"

// mdEscaper backslash-escapes every ASCII punctuation character CommonMark
// and GitHub Flavored Markdown give a meaning inline (emphasis, code, links
// and images, tables, strikethrough, footnotes, math), and writes <, > and &
// as entities (raw HTML, autolinks like <https://x>, entity references).
// ':' and '@' are escaped too: GFM's extended autolinks turn a bare
// https://x or user@host into a link (a tracking pixel or phishing target
// in a ticket) and an escaped character breaks the text run it scans.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`,
	"{", `\{`, "}", `\}`, "#", `\#`, "|", `\|`, "!", `\!`, "~", `\~`, "^", `\^`, "$", `\$`,
	":", `\:`, "@", `\@`, "<", "&lt;", ">", "&gt;", "&", "&amp;", `"`, "&quot;",
)

// Markdown makes untrusted text inert inside one Markdown line, table cell
// or list item: dangerous runes escaped as in Line, all inline syntax
// escaped, "www." (an autolink without a scheme) broken up, and a leading
// block marker (heading, list, quote, thematic break, setext underline)
// escaped, since the value may start a line.
func Markdown(s string) string {
	s = mdEscaper.Replace(Line(s))
	s = breakWWW(s)
	return escapeBlockStart(s)
}

// breakWWW escapes the dot of every "www." so GFM does not autolink it.
func breakWWW(s string) string {
	lower := strings.ToLower(s)
	if !strings.Contains(lower, "www.") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, "www.")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+3])
		b.WriteString(`\.`)
		s, lower = s[i+4:], lower[i+4:]
	}
}

// escapeBlockStart escapes what would make a line a heading, a list item,
// an ordered list item ("1." or "1)"), a thematic break, a setext
// underline or, by four leading spaces, an indented code block: leading
// spaces become &#32;, which CommonMark does not count as indentation.
func escapeBlockStart(s string) string {
	t := strings.TrimLeft(s, " ")
	lead := strings.Repeat("&#32;", len(s)-len(t))
	if t == "" {
		return lead
	}
	switch t[0] {
	case '-', '+', '=':
		return lead + `\` + t
	}
	digits := 0
	for digits < len(t) && digits < 10 && t[digits] >= '0' && t[digits] <= '9' {
		digits++
	}
	if digits > 0 && digits < len(t) && (t[digits] == '.' || t[digits] == ')') {
		return lead + t[:digits] + `\` + t[digits:]
	}
	return lead + t
}
