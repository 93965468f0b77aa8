package redact

import "strings"

// Tokens nobody has a rule for yet mostly look alike: a short vendor
// prefix and a separator (hf_, ntn_, sntrys_, sk-proj-, dp.st.), then a
// long random body. prefixedTokens finds words of that shape in one pass
// without a regexp: the prefix within a word's first 16 bytes, a body of
// at least 20 bytes mixing capitals, small letters and digits with no
// long run of one case (random text has none; identifiers such as
// UserAuthenticationService2024 have), and few separators (docker names
// like k8s_POD_web-0_lab_<uid>_0 have many), and no compact timestamp
// (rtsnap-node-20261201T105457Z.tar.zst, the collector's own bundle name,
// and backup-20251130T235959Z.tar.gz have the classes and few separators).
// Ids, digests and UUIDs have no capitals and never match.

const (
	minTokenBody  = 20
	maxPrefixLen  = 16
	maxLetterRun  = 8
	minEachClass  = 2
	maxBodySeps   = 2
	maxTokenBytes = 4096
)

func isTokenByte(c byte) bool { return tokenBytes[c] }

// tokenBytes is [A-Za-z0-9_.-] as a table: one load per byte of every line.
var tokenBytes = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
	}
	return t
}()

// prefixedTokenAt reports whether the word w has the shape.
func prefixedTokenAt(w string) bool {
	if len(w) < minTokenBody+3 || len(w) > maxTokenBytes {
		return false
	}
	// The body starts after the last separator in the first 16 bytes; the
	// prefix before it is letters, digits and separators, at least two.
	bs := -1
	for i := 0; i < len(w) && i < maxPrefixLen; i++ {
		if c := w[i]; c == '_' || c == '-' || c == '.' {
			if i < 2 {
				return false
			}
			bs = i + 1
		}
	}
	if bs < 0 || len(w)-bs < minTokenBody || hasCompactTime(w[bs:]) {
		return false
	}
	var upper, lower, digit, seps, run int
	var runKind byte
	for i := bs; i < len(w); i++ {
		c := w[i]
		k := byte(0)
		switch {
		case c >= 'A' && c <= 'Z':
			upper++
			k = 'A'
		case c >= 'a' && c <= 'z':
			lower++
			k = 'a'
		case c >= '0' && c <= '9':
			digit++
		default:
			seps++
		}
		if k != 0 && k == runKind {
			run++
		} else {
			runKind, run = k, 1
		}
		if k != 0 && run > maxLetterRun {
			return false
		}
	}
	return upper >= minEachClass && lower >= minEachClass && digit >= minEachClass && seps <= maxBodySeps
}

// hasCompactTime reports whether w holds an ISO 8601 basic date and time:
// eight digits, T, at least four digits (20261201T1054, 20261201T105457Z).
// Linear: each digit run is looked at once.
func hasCompactTime(w string) bool {
	run := 0
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= '0' && c <= '9' {
			run++
			continue
		}
		if c == 'T' && run >= 8 {
			digits := 0
			for j := i + 1; j < len(w) && digits < 4 && w[j] >= '0' && w[j] <= '9'; j++ {
				digits++
			}
			if digits == 4 {
				return true
			}
		}
		run = 0
	}
	return false
}

// inARN: the word at i is part of an AWS ARN (CloudFormation names end in
// a random suffix: role/EKS-NodeInstanceRole-1A2B3C4D5E6F).
func inARN(ln string, i int) bool {
	s := i
	for s > 0 && !urlEnds(ln[s-1]) && ln[s-1] != '=' {
		s--
	}
	if s >= i {
		return false
	}
	// Also inside a URL's path (".../roles/arn:aws:iam::1:role/x").
	a := strings.Index(ln[s:i], "arn:")
	return a == 0 || a > 0 && (ln[s+a-1] == '/' || ln[s+a-1] == '"')
}

// nextPrefixedToken is the start of the first word of ln at or after i
// with the shape (a sentence's full stop left out of w), or -1.
func nextPrefixedToken(ln string, i int) (start int, w string) {
	for i < len(ln) {
		if !isTokenByte(ln[i]) {
			i++
			continue
		}
		j := i
		for j < len(ln) && isTokenByte(ln[j]) {
			j++
		}
		if j-i >= minTokenBody+3 { // most words are short: no trimming, no look
			if w := strings.TrimRight(ln[i:j], ".-"); prefixedTokenAt(w) {
				return i, w
			}
		}
		i = j
	}
	return -1, ""
}

// hasPrefixedToken: a word of ln has the shape (the oracle of the scan's
// bitLongWord in TestLongWordBitCoversPrefixedTokens).
func hasPrefixedToken(ln string) bool {
	i, _ := nextPrefixedToken(ln, 0)
	return i >= 0
}

// prefixedTokens replaces every word of ln with the shape.
func (r *Redactor) prefixedTokens(ln string, n int, o textOpts, h *hits) string {
	var b strings.Builder
	last := 0
	for from := 0; ; {
		i, w := nextPrefixedToken(ln, from)
		if i < 0 {
			break
		}
		j := i + len(w)
		for j < len(ln) && isTokenByte(ln[j]) {
			j++ // the full stop, if any
		}
		if !insideMarker(ln, i) && !inARN(ln, i) {
			// A base64 tail ('+', '/', '=') belongs to the token.
			for k := i + len(w); k < len(ln) && (isTokenByte(ln[k]) || ln[k] == '+' || ln[k] == '/' || ln[k] == '='); k++ {
				w = ln[i : k+1]
			}
			j = max(j, i+len(w))
			b.WriteString(ln[last:i])
			b.WriteString(r.replacement(RulePrefixed, w))
			last = i + len(w)
			r.place(h, RulePrefixed, n, o)
		}
		from = j
	}
	if last == 0 {
		return ln
	}
	b.WriteString(ln[last:])
	return b.String()
}
