package redact

import (
	"strings"
	"testing"
)

// secretCase is one line through Redactor.String: secret must not survive,
// or, when secret is "", nothing may change.
type secretCase struct {
	name, in, secret string
}

// checkSecretCases runs every case through r and reports each that fails.
func checkSecretCases(t *testing.T, r *Redactor, cases []secretCase) {
	t.Helper()
	for _, c := range cases {
		out := r.String(c.in)
		switch {
		case c.secret == "" && out != c.in:
			t.Errorf("%s: changed:\n  in:  %q\n  out: %q", c.name, c.in, out)
		case c.secret != "" && strings.Contains(out, c.secret):
			t.Errorf("%s: %q survives: %q", c.name, c.secret, out)
		}
	}
}
