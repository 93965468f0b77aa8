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

// lowerInto (eight bytes at a time) folds as foldTable does byte by byte,
// at every length and alignment; isKeyByte's table says what its compares said.
func TestLowerIntoAndKeyBytes(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	buf := []byte("reused")
	for n := 0; n < 5000; n++ {
		b := make([]byte, rng.Intn(40))
		for i := range b {
			b[i] = byte(rng.Intn(256))
		}
		want := make([]byte, len(b))
		for i, c := range b {
			want[i] = foldTable[c]
		}
		if buf = lowerInto(buf, string(b)); string(buf) != string(want) {
			t.Fatalf("% x: lowerInto % x, want % x", b, buf, want)
		}
	}
	for c := 0; c < 256; c++ {
		want := c >= 0x80 || c == '_' || c == '.' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if isKeyByte(byte(c)) != want {
			t.Errorf("isKeyByte(%q) = %v", rune(c), !want)
		}
	}
}
