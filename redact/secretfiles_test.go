package redact

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// TestSecretFieldsAgree holds the hand-written readers of secretfiles.go to
// regexps of the same formats on random lines of their separators.
func TestSecretFieldsAgree(t *testing.T) {
	for _, c := range []struct {
		name     string
		f        secretField
		re       *regexp.Regexp
		alphabet string
	}{
		// hostname:port:database:username:password, \: and \\ escaped.
		{"pgpass", pgpassSecret, regexp.MustCompile(`^(?:(?:[^:\\]|\\.)*:){4}`), `ab:\# `},
		// username:password.
		{"rsyncd", afterColon, regexp.MustCompile(`^[^:]*:`), "ab: \t#"},
		// "user" "secret".
		{"userlist", secondQuoted, regexp.MustCompile(`^[^"]*"[^"]*"[^"]*"`), `ab" #`},
		// [host]:port user:password (the last field, after its first ':').
		{"sasl_passwd", saslPasswdSecret, regexp.MustCompile(`^.*[ \t][^ \t:]*:`), "ab: \t[]#"},
	} {
		rng := rand.New(rand.NewSource(1))
		n := 0
		for range 100000 {
			b := make([]byte, 1+rng.Intn(16))
			for j := range b {
				b[j] = c.alphabet[rng.Intn(len(c.alphabet))]
			}
			ln := string(b)
			s, e, ok := c.f(ln)
			loc := c.re.FindStringIndex(ln)
			want := loc != nil && !commentOrBlank(ln)
			if want {
				end := len(ln)
				if c.name == "userlist" {
					end = loc[1] + strings.IndexByte(ln[loc[1]:], '"') // before loc[1] when unclosed
				}
				if c.name == "rsyncd" || c.name == "sasl_passwd" {
					end = len(strings.TrimRight(ln, " \t\r"))
				}
				if c.name == "sasl_passwd" && strings.ContainsAny(ln[loc[1]:end], " \t") {
					want = false
				}
				want = want && end > loc[1]
				if want && (!ok || s != loc[1] || e != end) {
					t.Fatalf("%s(%q) = %d, %d, %v; the regexp says %d, %d", c.name, ln, s, e, ok, loc[1], end)
				}
			}
			if !want && ok {
				t.Fatalf("%s(%q) = %d, %d, true; the regexp finds no secret", c.name, ln, s, e)
			}
			if ok {
				n++
			}
		}
		if n < 1000 {
			t.Errorf("%s: only %d of 100000 random lines held a secret: the alphabet misses the format", c.name, n)
		}
	}
}
