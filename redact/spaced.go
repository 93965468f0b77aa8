package redact

import "strings"

// Config files that separate a key from its value by spaces: redis.conf
// ("requirepass x", "masterauth x"), .netrc ("machine h login u password
// p", one line or several), pgbouncer and squid settings. A line of exactly
// a secret key and one value is one; in a netrc line (it starts with
// machine, default, login or password) every "password" and "account" is
// followed by its value. Prose ("password changed") is a lowercase word
// and stays (isPlainWord).

// maxSpacedFields bounds the fields read from a line.
const maxSpacedFields = 16

func (r *Redactor) spacedValues(ln string, n int, o textOpts, h *hits) string {
	var buf [maxSpacedFields][2]int
	f := fieldSpans(ln, buf[:0])
	if len(f) < 2 || len(f) > maxSpacedFields {
		return ln
	}
	word := func(i int) string { return ln[f[i][0]:f[i][1]] }
	var at []int // fields holding a secret
	switch first := strings.ToLower(word(0)); {
	case first == "machine" || first == "default" || first == "login" || first == "password":
		for i := 0; i+1 < len(f); i++ {
			if w := strings.ToLower(word(i)); w == "password" || w == "passwd" || w == "account" {
				at = append(at, i+1)
				i++
			}
		}
	case len(f) == 2 && isPlainKey(word(0)) && r.keys.isSecret(word(0)):
		at = append(at, 1)
	}
	var b strings.Builder
	last := 0
	for _, i := range at {
		v := word(i)
		if isPlainWord(v) || boringValue(v) || isMarker(v) || insideMarker(ln, f[i][0]) {
			continue
		}
		b.WriteString(ln[last:f[i][0]])
		b.WriteString(r.replacement(RuleSecretKey, v))
		last = f[i][1]
		r.place(h, RuleSecretKey, n, o)
	}
	if last == 0 {
		return ln
	}
	b.WriteString(ln[last:])
	return b.String()
}

// fieldSpans appends the bounds of ln's space-separated fields, one more
// than cap(spans) at most (so a caller sees there were too many).
func fieldSpans(ln string, spans [][2]int) [][2]int {
	for i := 0; i < len(ln); {
		for i < len(ln) && (ln[i] == ' ' || ln[i] == '\t' || ln[i] == '\r') {
			i++
		}
		if i >= len(ln) {
			break
		}
		s := i
		for i < len(ln) && ln[i] != ' ' && ln[i] != '\t' && ln[i] != '\r' {
			i++
		}
		if len(spans) == cap(spans) {
			return append(spans, [2]int{s, i}) // too many: grows once
		}
		spans = append(spans, [2]int{s, i})
	}
	return spans
}

// isPlainKey: a config key (letters, digits, '_', '-', '.'), not a flag.
func isPlainKey(w string) bool {
	if w == "" || w[0] == '-' {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isKeyByte(w[i]) {
			return false
		}
	}
	return true
}
