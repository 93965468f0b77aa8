package redact

import (
	"strings"
)

// Private keys split across records: a container that prints its key, one
// line per docker json-file record or journal entry, or a log tail that
// starts inside the key's body. The BEGIN line opens the key for the file
// (lineState.inPEM, carried across records); every message after it up to
// the END line is the key's body. A tail that lost the BEGIN line shows
// only an END line after body lines: Bytes looks for such orphan ENDs
// first (orphanKeyLines) and replaces the body lines before them. (The
// streaming writer cannot look back; it catches keys whose BEGIN it saw.)

// messageKeys are the fields of a log record that hold the logged line.
func isMessageKey(k string) bool {
	switch k {
	case "log", "MESSAGE", "message", "msg", "Message", "line", "output":
		return true
	}
	return false
}

// isBase64Body: s is one line of a PEM or OpenSSH key body.
func isBase64Body(s string) bool {
	if len(s) < 4 || len(s) > 100 {
		return false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '+', c == '/', c == '=':
		default:
			return false
		}
	}
	return digits < len(s) // a run of digits is a number, not base64
}

// recordText is the logged line of a JSON record (its message fields),
// or "" when the line is not a JSON object.
func recordText(ln string) (string, bool) {
	t := strings.TrimSpace(ln)
	if !strings.HasPrefix(t, "{") {
		return "", false
	}
	n, _, err := parseJSONValue([]byte(t))
	if err != nil || n.kind != 'o' {
		return "", false
	}
	var b strings.Builder
	for i, k := range n.keys {
		if isMessageKey(k) && n.vals[i].kind == 's' {
			b.WriteString(n.vals[i].str)
		}
	}
	return b.String(), true
}

// lastField is the text after a line's last space (a CRI log line's
// message is the rest after "TIME stream F ").
func lastField(ln string) string {
	ln = strings.TrimRight(ln, " \r\n")
	if i := strings.LastIndexAny(ln, " \t"); i >= 0 {
		return ln[i+1:]
	}
	return ln
}

// orphanKeyLines returns the 1-based numbers of the lines of s that are
// the body of a private key whose END line comes without a BEGIN line
// before it (nil when there is none: the usual case costs two searches).
func orphanKeyLines(s string, jsonl bool) map[int]bool {
	// "PRIVATE KEY" first: its 'P' is rarer in logs than the '-' of dates,
	// where a search for "-----END" stops (four times as long on log text).
	if !mayHoldArmourEnd(s) {
		return nil
	}
	var out map[int]bool
	var run []int
	inKey := false
	n := 0
	for pos := 0; pos <= len(s); {
		end := strings.IndexByte(s[pos:], '\n')
		if end < 0 {
			end = len(s) - pos
		}
		ln := s[pos : pos+end]
		pos += end + 1
		n++
		text := ln
		if jsonl {
			if t, ok := recordText(ln); ok {
				text = t
			}
		}
		switch {
		case pemBeginRE.MatchString(text):
			inKey = !pemEndRE.MatchString(text)
			run = run[:0]
		case pemEndRE.MatchString(text):
			if !inKey {
				for _, l := range run {
					if out == nil {
						out = map[int]bool{}
					}
					out[l] = true
				}
			}
			inKey = false
			run = run[:0]
		case !inKey && isBase64Body(strings.TrimSpace(lastField(strings.TrimSuffix(text, "\n")))):
			run = append(run, n)
		default:
			run = run[:0]
		}
		if pos > len(s) {
			break
		}
	}
	return out
}

// orphanTextLine replaces the key body at the end of a text line.
func (r *Redactor) orphanTextLine(ln string, n int, o textOpts, h *hits) string {
	f := lastField(ln)
	i := strings.LastIndex(ln, f)
	if f == "" || i < 0 {
		return ln
	}
	r.place(h, RulePEM, n, o)
	return ln[:i] + r.replacement(RulePEM, f) + ln[i+len(f):]
}

// recordMessage redacts the message of a JSON log record with the file's
// key state: inside a key, the message is body (up to an END line); a
// message that begins a key opens it. ok is false when the normal rules
// should handle the message.
func (r *Redactor) recordMessage(n *node, st *lineState, orphan bool, ptr string, h *hits) bool {
	s := n.str
	nl := ""
	if strings.HasSuffix(s, "\n") {
		s, nl = s[:len(s)-1], "\n"
	}
	switch {
	case orphan || st.inPEM && !pemEndRE.MatchString(s):
		if s == "" || isMarker(s) {
			return true
		}
		n.str, n.changed = r.replacement(RulePEM, s)+nl, true
		h.add(RulePEM, 0, ptr)
		return true
	case st.inPEM:
		st.inPEM = false
		loc := pemEndRE.FindStringIndex(s)
		if loc[0] > 0 {
			n.str, n.changed = r.replacement(RulePEM, s[:loc[0]])+s[loc[0]:]+nl, true
			h.add(RulePEM, 0, ptr)
		}
		return true
	}
	if loc := pemBeginRE.FindStringIndex(s); loc != nil && pemEndRE.FindStringIndex(s[loc[1]:]) == nil {
		st.inPEM = true
	}
	return false
}
