package redact

import (
	"math"
	"math/rand"
	"strings"
	"testing"
)

// entropyByDefinition is Shannon's formula as gitleaks writes it
// (detect/utils.go: -sum f*log2(f) over each character's frequency f).
func entropyByDefinition(s string) float64 {
	counts := map[rune]int{}
	for _, c := range s {
		counts[c]++
	}
	e := 0.0
	for _, c := range counts {
		f := float64(c) / float64(len(s))
		e -= f * math.Log2(f)
	}
	return e
}

// TestShannonEntropyAgrees holds the table-driven entropy to the formula
// on random strings short and long (past the tables), ASCII and not, and
// exactly at the floors gitleaks' rules use most (2 and 3: four and eight
// equally frequent characters), where a rounding error would flip a finding.
func TestShannonEntropyAgrees(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	cases := []string{"", "a", "aaaa", "abcd", "abcdefgh", "0123456789ab", "S3cret", "q8Zr3nV1xK7pT2mW9sY4", "пароль密码", strings.Repeat("ab", 300)}
	alphabet := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=_-:$é"
	for i := 0; i < 20000; i++ {
		n := rng.Intn(40) + 1
		if i%10 == 0 {
			n = rng.Intn(2000) + 1
		}
		k := rng.Intn(len(alphabet)-1) + 1 // how many distinct characters
		var b strings.Builder
		for j := 0; j < n; j++ {
			b.WriteByte(alphabet[rng.Intn(k)])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		got, want := shannonEntropy(s), entropyByDefinition(s)
		if math.Abs(got-want) > 1e-9 {
			t.Fatalf("shannonEntropy(%q) = %v, the formula gives %v", s, got, want)
		}
	}
	for s, want := range map[string]float64{"abcd": 2, "abcdefgh": 3, "aabb": 1} {
		if got := shannonEntropy(s); got != want {
			t.Errorf("shannonEntropy(%q) = %v, want exactly %v", s, got, want)
		}
	}
}
