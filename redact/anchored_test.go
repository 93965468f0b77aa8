package redact

import (
	"math/rand"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestAnchoredMatchAgrees: for every vendor rule tried at its keywords
// (a tail), anchoredMatch gives what the tail's regexp gives on the whole
// rest of the line, at every offset of the rule's own gitleaks examples
// (testdata/world/gitleaks.jsonl, tps and fps) followed by text long
// enough for the window to cut: more of the token's bytes (a longer run,
// which a counted repeat or a boundary then rejects), blanks, quotes.
func TestAnchoredMatchAgrees(t *testing.T) {
	vs := vendorRules()
	byRule := map[string][]string{}
	for _, c := range worldInputs(t, "testdata/world/gitleaks.jsonl") {
		parts := strings.Split(c.ID, "/")
		if len(parts) == 3 {
			byRule[parts[1]] = append(byRule[parts[1]], c.Input+c.Value)
		}
	}
	rules, tries, matches := 0, 0, 0
	for i := range vs.rules {
		r := vs.rules[i].ready()
		if r.tail == nil || r.maxLen < 0 {
			continue
		}
		rules++
		for _, ex := range byRule[r.id] {
			for _, tail := range []string{"", strings.Repeat("a", r.maxLen), " " + strings.Repeat("x", r.maxLen), strings.Repeat(`"' `, r.maxLen/3+1), strings.Repeat("A1b2", r.maxLen/4+1)} {
				s := ex + tail
				for k := 0; k < len(s); k++ {
					want := r.tail.FindStringSubmatchIndex(s[k:])
					if got := anchoredMatch(r.tail, s[k:], r.maxLen); !slices.Equal(got, want) {
						t.Fatalf("%s: %q: anchoredMatch %v, the regexp %v", r.id, s[k:], got, want)
					}
					tries++
					if want != nil {
						matches++
					}
				}
			}
		}
	}
	t.Logf("%d rules, %d offsets, %d matches", rules, tries, matches)
	if rules < 50 || matches < 1000 {
		t.Errorf("%d rules with a tail, %d matches: the examples no longer exercise them", rules, matches)
	}
}

// TestAnchoredMatchAtItsBound: anchoredMatch on regexps whose matches
// reach their bound (maxLen) and end at assertions (\b, $, a blank), on
// random strings of their parts at every offset: a window one byte
// shorter than maxLen+1 fails here.
func TestAnchoredMatchAtItsBound(t *testing.T) {
	cases := []struct {
		re    string
		parts []string
	}{
		{`^(?:ab{0,5}\b)`, []string{"a", "b", "bb", " ", "c"}},
		{`^(?:key[ =]{0,3}([a-z0-9]{4,8})(?:\s|$))`, []string{"key", " =", " = ", "0a9b", "ab09ab09", " ", "\t", "x"}},
		{`^(?:x(?:y|yz|yzz){1,3}(?:\b|$))`, []string{"x", "y", "yz", "yzz", " ", "z"}},
		{`^(?:k[a-z]{2}\b)`, []string{"k", "a", "K", " ", "0"}},
		{`^(?:a+)`, []string{"a", "b"}},
	}
	rng := rand.New(rand.NewSource(13))
	for _, c := range cases {
		src := c.re
		re := regexp.MustCompile(src)
		ml := regexMaxLen(src)
		atBound := 0
		for n := 0; n < 20000; n++ {
			var b strings.Builder
			for i := rng.Intn(12); i > 0; i-- {
				b.WriteString(c.parts[rng.Intn(len(c.parts))])
			}
			s := b.String()
			for k := range s {
				want := re.FindStringSubmatchIndex(s[k:])
				if got := anchoredMatch(re, s[k:], ml); !slices.Equal(got, want) {
					t.Fatalf("%s: %q: anchoredMatch %v, the regexp %v", src, s[k:], got, want)
				}
				if want != nil && want[1] == ml && len(s[k:]) > ml+1 {
					atBound++
				}
			}
		}
		if ml >= 0 && atBound == 0 {
			t.Errorf("%s: no match of its longest length %d before more text", src, ml)
		}
	}
}
