package redact

import (
	"strings"
	"unsafe"
)

// quietRecord reports that no rule can replace anything in the JSON-lines
// line ln, without parsing it: the line is then kept as written, which is
// what jsonLine gives for a record nothing is replaced in. Most log records
// hold no trigger word at all, and parsing, walking and re-encoding each
// one was the JSON-lines path's whole cost.
//
// Why the raw line stands for the parsed record: every rule the JSON walker
// or the text rules on its strings apply is gated by a trigger word the
// line scan looks for (key rules by the secret words, argv lists by
// bitArgv, prefixed tokens by bitLongWord).
// A word the scan finds in a decoded string is in the raw line too, unless
// an escape spells one of its bytes (pa\u0073sword): a line with such an
// escape, or one glued to a token (\nhf_...: the raw word would start with
// the escape's letter), is not quiet. A line that is not JSON is text, and
// the same scan decides for it.
func (r *Redactor) quietRecord(ln string, st *lineState) bool {
	if st.inPEM || st.orphan || st.block.active || r.pseudonymsOn() || r.trig.scan(ln) != 0 {
		return false
	}
	// The scan's bitLongWord stands for hasPrefixedToken (a word of the
	// prefixed-token shape sets it: TestLongWordBitCoversPrefixedTokens).
	return !r.escapeMayHide(ln)
}

// escapeMayHide: a JSON escape in ln decodes to a byte of a trigger word or
// of a token or to a non-ASCII letter, or a letter escape is glued to a word
// of the prefixed-token shape (which the raw word, starting with the
// escape's letter, may not have).
func (r *Redactor) escapeMayHide(ln string) bool {
	for i := 0; i < len(ln); i++ {
		j := strings.IndexByte(ln[i:], '\\')
		if j < 0 {
			return false
		}
		i += j
		if i+1 >= len(ln) {
			return true
		}
		var c byte
		n := 2 // the escape's length
		switch e := ln[i+1]; e {
		case '"', '\\', '/':
			c = e
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'u':
			cp := hex4(unsafe.Slice(unsafe.StringData(ln[i+2:]), len(ln)-i-2)) // read only
			if cp < 0 || cp >= 0x80 {
				return true
			}
			c, n = byte(cp), 6
		default:
			return true // not JSON: redacted as text, but say so rather than reason
		}
		if r.trig.inWord[c] || isTokenByte(c) {
			return true
		}
		if j := i + n; j < len(ln) && isTokenByte(ln[j]) && e2letter(ln[i+1]) {
			// The raw word starts with the escape's letter (u0026Container
			// for &Container, Go's escape): look at the decoded one.
			k := j
			for k < len(ln) && isTokenByte(ln[k]) {
				k++
			}
			if k-j >= minTokenBody+3 && prefixedTokenAt(strings.TrimRight(ln[j:k], ".-")) {
				return true
			}
		}
		i += n - 1
	}
	return false
}

// e2letter: the escape's second byte is a letter (the raw word after it
// would start with it).
func e2letter(e byte) bool { return e >= 'a' && e <= 'z' }
