package redact

import (
	"math/rand"
	"strings"
	"testing"
)

// TestAuthorizationLocsAgrees: authorizationLocs against the regexp on
// random lines of what it decides on, beyond TestLiteralLocs' pieces: every
// blank of \s and one that is not (\v), the schemes in Unicode folds (the
// Kelvin sign in "token", U+017F in "basic"), capitalized words of 30, 31
// and 32 bytes (the scheme form's bound), a scheme at the end of the line
// or before a quote, and quotes, brackets and separators around the value.
func TestAuthorizationLocsAgrees(t *testing.T) {
	rules := defaultPatternRules()
	var rule *patternRule
	for i := range rules {
		if rules[i].Name == RuleAuthHeader && rules[i].locate != nil { // (not the Digest response rule)
			rule = &rules[i]
		}
	}
	cap30 := "A" + strings.Repeat("b", 29)
	pieces := []string{"authorization", "Authorization", "AUTHORIZATION", "Proxy-", ":", "=", " ", "\t", "\n", "\f", "\r", "\v", `"`, "'", "[", "]", ",", ";",
		"Bearer", "bearer", "BASIC", "to\u212aen", "ba\u017fic", "aws4-hmac-sha256", "Negotiate", "Api-Token", "SSWS", "X", cap30, cap30 + "c", cap30 + "cd",
		"abc123XYZ", "==", "é", "x.y_z-w"}
	rng := rand.New(rand.NewSource(13))
	found := 0
	for i := 0; i < 200000; i++ {
		var b strings.Builder
		if rng.Intn(2) == 0 {
			b.WriteString([]string{"authorization", "Authorization"}[rng.Intn(2)])
			b.WriteString([]string{":", ": ", "=", `":"`, " = [ '", ":\t"}[rng.Intn(6)])
		}
		for j := rng.Intn(10); j >= 0; j-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		found += checkLocs(t, rule, b.String())
	}
	t.Logf("%d matches", found)
	if found < 20000 {
		t.Fatalf("only %d matches: the random lines do not exercise the rule", found)
	}
}
