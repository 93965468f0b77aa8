package redact

import (
	"math/rand"
	"strings"
	"testing"
)

// TestBase64RunAfterAgrees: the two rules of a base64 literal and a run
// (pem-private-key-base64's "LS0tLS1CRUdJTi", base64-secret-document's
// starts) find by hand what their regexps find, on random lines of their
// literals, their pieces (a literal cut short), base64 bytes in runs about
// the repeat's bound, and the bytes that end a run.
func TestBase64RunAfterAgrees(t *testing.T) {
	rules := defaultPatternRules()
	var checked []*patternRule
	for i := range rules {
		if rules[i].Name == RuleBase64Doc || rules[i].Name == RulePEMBase64 && rules[i].any[0] == "LS0tLS1CRUdJTi" {
			checked = append(checked, &rules[i])
		}
	}
	if len(checked) != 2 {
		t.Fatalf("%d rules", len(checked))
	}
	pieces := []string{"a", "Zm9v", "+/", "=", "==", "1234567", "12345678", " ", ":", "-", "_", ".", "é", "\"", "YXBp", "eyJ", "LS0t"}
	for _, l := range append(base64SecretStarts, "LS0tLS1CRUdJTi") {
		pieces = append(pieces, l, l, l[:len(l)-1], l[1:])
	}
	rng := rand.New(rand.NewSource(13))
	found := 0
	for i := 0; i < 100000; i++ {
		var b strings.Builder
		for j := rng.Intn(8); j >= 0; j-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		for _, rule := range checked {
			found += checkLocs(t, rule, b.String())
		}
	}
	t.Logf("%d matches", found)
	if found < 10000 {
		t.Fatalf("only %d matches: the random lines do not exercise the rules", found)
	}
}
