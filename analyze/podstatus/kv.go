package podstatus

import "strings"

// The structured "Error syncing pod" line's fields, read by hand: the
// regexps `(?:^|\s)pod="([^"\\]*)"`, `(?:^|\s)podUID="?([0-9A-Za-z-]+)` and
// `(?:^|\s)err="` (kv_test.go holds them as the reference) have no literal
// prefix, so each ran its backtracker from every offset of every such line:
// a fifteenth of inspect at 2,000 containers (issue #19).

// isBlank is RE2's \s: tab, newline, form feed, carriage return, space.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// eachKey calls f with the offset just past each key in msg that starts
// msg or follows a blank, left to right, until f accepts one.
func eachKey(msg, key string, f func(after int) bool) {
	for from := 0; from <= len(msg); {
		i := strings.Index(msg[from:], key)
		if i < 0 {
			return
		}
		i += from
		if (i == 0 || isBlank(msg[i-1])) && f(i+len(key)) {
			return
		}
		from = i + 1
	}
}

// podField is the first pod="..." value without a quote or backslash in it.
func podField(msg string) (v string, ok bool) {
	eachKey(msg, `pod="`, func(a int) bool {
		j := strings.IndexAny(msg[a:], `"\`)
		if j < 0 || msg[a+j] != '"' {
			return false
		}
		v, ok = msg[a:a+j], true
		return true
	})
	return v, ok
}

// podUIDField is the first podUID= value, quoted or bare: a run of ASCII
// letters, digits and dashes.
func podUIDField(msg string) (v string, ok bool) {
	eachKey(msg, `podUID=`, func(a int) bool {
		if a < len(msg) && msg[a] == '"' {
			a++
		}
		n := 0
		for a+n < len(msg) && isUIDByte(msg[a+n]) {
			n++
		}
		if n == 0 {
			return false
		}
		v, ok = msg[a:a+n], true
		return true
	})
	return v, ok
}

func isUIDByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-'
}

// errFieldQuote is the offset of the opening quote of the first err="...",
// or -1.
func errFieldQuote(msg string) int {
	at := -1
	eachKey(msg, `err="`, func(a int) bool {
		at = a - 1
		return true
	})
	return at
}
