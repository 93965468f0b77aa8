package redact

import (
	"strconv"
	"strings"
)

// PuTTY private key files (.ppk) are not PEM: "Private-Lines: N" and then N
// lines of the base64 private key, then "Private-MAC:". The public lines
// and the MAC stay (https://the.earth.li/~sgtatham/putty/0.81/htmldoc/AppendixC.html).

// maxPuttyLines bounds the lines a "Private-Lines:" header claims.
const maxPuttyLines = 1024

// puttyPrivateLines is N of a "Private-Lines: N" line, else 0.
func puttyPrivateLines(ln string) int {
	rest, ok := strings.CutPrefix(strings.TrimLeft(ln, " \t"), "Private-Lines:")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(rest))
	if err != nil || n <= 0 {
		return 0
	}
	return min(n, maxPuttyLines)
}

// puttyLine replaces one line of a PuTTY private key body.
func (r *Redactor) puttyLine(ln string, n int, o textOpts, st *lineState, h *hits) string {
	st.puttyLines--
	t := strings.TrimSpace(ln)
	if t == "" || strings.Contains(t, ": ") {
		st.puttyLines = 0 // the body ended early: a header line
		return ln
	}
	r.place(h, RulePEM, n, o)
	return r.replacement(RulePEM, t)
}
