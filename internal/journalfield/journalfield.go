// Package journalfield reads one field's value out of journalctl's JSON
// output (`journalctl -o json`, and bundles made from it).
//
// journalctl writes a field whose data is not printable UTF-8 as an array of
// byte values instead of a string: a message carrying ANSI colour escapes, a
// carriage return, or bytes that are not UTF-8. Real container logs reach the
// journal that way (docker's journald log driver with a colouring app:
// https://github.com/nearai/ironclaw/issues/3756; logger with an escape
// sequence: https://github.com/tstack/lnav/issues/1087), and a reader that
// keeps only string fields loses exactly those lines.
package journalfield

import (
	"encoding/json"
	"strings"
)

// String returns a field's text: a JSON string, or journalctl's array of
// byte values decoded to the bytes it stands for (at most max bytes; the
// rest is dropped, so a hostile array cannot grow the result past max).
// ok is false for any other value (numbers, objects, arrays that are not
// bytes), which callers treat as an absent field.
func String(raw json.RawMessage, max int) (s string, ok bool) {
	if len(raw) > 0 && raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	}
	return byteArray(raw, max)
}

// byteArray decodes `[104, 105]` to "hi" in one pass without building the
// []any encoding/json would: the array can be as long as the line limit.
// It accepts exactly what encoding/json accepts as an array of integers in
// 0..255 (FuzzByteArray holds it to that).
func byteArray(raw []byte, max int) (string, bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return "", false
	}
	i = skipSpace(raw, i+1)
	var b strings.Builder
	if i < len(raw) && raw[i] == ']' {
		return "", skipSpace(raw, i+1) == len(raw)
	}
	for {
		v, next, ok := byteValue(raw, i)
		if !ok {
			return "", false
		}
		if b.Len() < max {
			b.WriteByte(v)
		}
		i = skipSpace(raw, next)
		if i >= len(raw) {
			return "", false
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case ']':
			if skipSpace(raw, i+1) != len(raw) {
				return "", false
			}
			return b.String(), true
		default:
			return "", false
		}
	}
}

// byteValue reads one JSON integer in 0..255 at raw[i] (no sign, no leading
// zero, no fraction or exponent: journalctl writes plain decimals, and a
// number that is not a byte makes the array something else).
func byteValue(raw []byte, i int) (byte, int, bool) {
	start, v := i, 0
	for i < len(raw) && raw[i] >= '0' && raw[i] <= '9' {
		v = v*10 + int(raw[i]-'0')
		i++
		if v > 255 {
			return 0, i, false
		}
	}
	switch {
	case i == start:
		return 0, i, false
	case raw[start] == '0' && i-start > 1:
		return 0, i, false
	case i < len(raw) && (raw[i] == '.' || raw[i] == 'e' || raw[i] == 'E'):
		return 0, i, false
	}
	return byte(v), i, true
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}
