package redact

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// oldSegments is the splitter nextSegment replaced (flushing a word at
// each boundary), kept as the oracle of TestNextSegmentAgreesWithTheSplitter.
func oldSegments(key string) []string {
	var out []string
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, strings.ToLower(key[start:end]))
		}
		start = -1
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		isUpper, isLower, isDigit := c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z' || c >= utf8.RuneSelf, c >= '0' && c <= '9'
		if !isUpper && !isLower && !isDigit {
			flush(i)
			continue
		}
		if isUpper && start >= 0 && i > 0 {
			prev := key[i-1]
			nextLower := i+1 < len(key) && key[i+1] >= 'a' && key[i+1] <= 'z'
			if (prev >= 'a' && prev <= 'z') || (prev >= 'A' && prev <= 'Z' && nextLower) {
				flush(i)
			}
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(key))
	return out
}

// TestNextSegmentAgreesWithTheSplitter: segments (nextSegment, and
// isSecret's copy-free use of it) splits 200 000 random keys of letters of
// both cases, digits, separators and a non-ASCII byte as before.
func TestNextSegmentAgreesWithTheSplitter(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alpha := "aAbB09_-. zZ\xd0"
	for n := 0; n < 200000; n++ {
		b := make([]byte, rng.Intn(12))
		for i := range b {
			b[i] = alpha[rng.Intn(len(alpha))]
		}
		k := string(b)
		if got, want := segments(k), oldSegments(k); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %q vs %q", k, got, want)
		}
	}
}
