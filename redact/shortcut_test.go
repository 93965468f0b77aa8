package redact

import (
	"math/rand"
	"strings"
	"testing"
)

// propertyAfterColon stands in front of yamlPropertyRE: every line the
// regexp matches, it must pass (random lines over the bytes the regexp
// reads, and the real shapes), and it must turn lines away.
func TestPropertyAfterColonCoversTheRegexp(t *testing.T) {
	lines := []string{"password: &pw s3cret", "- token: !!str abc", `"key":	&a !t v`, "a: &x", "a:&x y", "url: http://x&y", "a: b & c"}
	rng := rand.New(rand.NewSource(3))
	const alphabet = "ab: \t&!\"'#-|>x"
	for i := 0; i < 200000; i++ {
		var b strings.Builder
		for j := rng.Intn(24); j >= 0; j-- {
			b.WriteByte(alphabet[rng.Intn(len(alphabet))])
		}
		lines = append(lines, b.String())
	}
	matched, turned := 0, 0
	for _, ln := range lines {
		m := yamlPropertyRE.MatchString(ln)
		p := propertyAfterColon([]byte(ln))
		if m && !p {
			t.Fatalf("%q: the regexp matches, propertyAfterColon says no", ln)
		}
		if m {
			matched++
		}
		if !p {
			turned++
		}
	}
	if matched < 100 || turned < 1000 {
		t.Fatalf("%d lines matched, %d turned away: the input does not exercise both", matched, turned)
	}
}
