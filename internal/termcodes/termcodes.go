// Package termcodes removes terminal control sequences (ECMA-48: ANSI
// colours, cursor moves, window titles) from log text.
//
// Programs that colour their output when they think a terminal is there
// (logrus' "\x1b[31mERRO\x1b[0m[0005] ...", a pod with tty: true, a CLI run
// under systemd) put escape sequences between the words a failure
// signature looks for; the analyzer reads the text a person would see.
package termcodes

import "strings"

// ESC starts every escape sequence.
const ESC = 0x1b

// escapedESC are the spellings of ESC inside a quoted value: Go's %q and
// logfmt quoting write \x1b (logrus: msg="\x1b[31m..."), JSON writes
// \u001b, shell and C programs print \033. Only a CSI ("[" after it) is
// removed in this form: a backslash sequence is otherwise the text's own.
var escapedESC = []string{`\x1b[`, `\u001b[`, `\033[`}

// Spellings returns the spellings of ESC after which Strip removes a CSI,
// for a caller that must notice a line holding one before it strips it
// (the redactor's line scan).
func Spellings() []string { return append([]string(nil), escapedESC...) }

// Strip returns s without its escape sequences: CSI (ESC [ parameters
// intermediates final), OSC (ESC ] ... ended by BEL or ESC \), and the
// two- and three-byte escapes (ESC followed by an intermediate and a final,
// or by one final byte), and CSIs whose ESC is written escaped (escapedESC).
// A sequence cut off at the end of s is removed to the end; an OSC that is
// not ended on its line loses only its introducer, so a hostile line cannot
// make the rest of its text disappear. Linear in len(s).
func Strip(s string) string {
	if !holdsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	start := 0
	for i := 0; i < len(s); {
		n := 0
		switch s[i] {
		case ESC:
			n = skip(s[i:])
		case '\\':
			for _, e := range escapedESC {
				if strings.HasPrefix(s[i:], e) {
					// The CSI after the spelling, read as if ESC stood
					// there (in place: a copy of the rest per escape made
					// a line of them quadratic).
					n = len(e) - 1 + afterESC(s[i+len(e)-1:])
					break
				}
			}
		}
		if n == 0 {
			i++
			continue
		}
		b.WriteString(s[start:i])
		i += n
		start = i
	}
	b.WriteString(s[start:])
	return b.String()
}

// holdsEscape is the fast path: most lines hold no escape at all.
func holdsEscape(s string) bool {
	if strings.IndexByte(s, ESC) >= 0 {
		return true
	}
	if strings.IndexByte(s, '\\') < 0 {
		return false
	}
	for _, e := range escapedESC {
		if strings.Contains(s, e) {
			return true
		}
	}
	return false
}

// skip returns the length of the escape sequence at the start of s (s[0] is ESC).
func skip(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	return 1 + afterESC(s[1:])
}

// afterESC returns the length of what an escape sequence holds after its
// ESC, t being the bytes after it (t is not empty).
func afterESC(t string) int {
	switch c := t[0]; {
	case c == '[':
		j := 1
		for j < len(t) && t[j] >= 0x30 && t[j] <= 0x3f {
			j++
		}
		for j < len(t) && t[j] >= 0x20 && t[j] <= 0x2f {
			j++
		}
		if j < len(t) && t[j] >= 0x40 && t[j] <= 0x7e {
			j++
		}
		return j
	case c == ']':
		for j := 1; j < len(t); j++ {
			switch {
			case t[j] == 0x07:
				return j + 1
			case t[j] == ESC && j+1 < len(t) && t[j+1] == '\\':
				return j + 2
			case t[j] == ESC || t[j] == '\n':
				return 1 // another sequence or line starts: this OSC was never ended
			}
		}
		return 1
	case c >= 0x20 && c <= 0x2f:
		j := 1
		for j < len(t) && t[j] >= 0x20 && t[j] <= 0x2f {
			j++
		}
		if j < len(t) && t[j] >= 0x30 && t[j] <= 0x7e {
			j++
		}
		return j
	case c >= 0x30 && c <= 0x7e:
		return 1
	}
	return 0
}
