package redact

import (
	"strings"
	"testing"
)

// growOutput: a copy of a 1 MiB line whose replacements make it several
// times longer grows its builder by doubling, not by append's quarter
// (about a dozen copies from 1.3 to 6.8 MiB), and not far past what it
// needs.
func TestGrowOutputDoubles(t *testing.T) {
	const n = 1 << 20
	for _, c := range []struct {
		name      string
		denseFrom int // the first replaced byte
		maxGrows  int
	}{
		{"dense throughout", 0, 4},
		{"dense from the middle", n / 2, 3},
		{"dense at the end", n - n/64, 1},
	} {
		var b strings.Builder
		grows, lastCap, last := 0, 0, 0
		const repl = "[REDACTED:url-userinfo]"
		for at := c.denseFrom; at+4 <= n; at += 4 {
			growOutput(&b, n, at-last+len(repl))
			b.WriteString(strings.Repeat("x", at-last))
			b.WriteString(repl)
			last = at + 1
			if b.Cap() != lastCap {
				grows, lastCap = grows+1, b.Cap()
			}
		}
		if grows > c.maxGrows {
			t.Errorf("%s: %d allocations of the builder (at most %d)", c.name, grows, c.maxGrows)
		}
		if b.Cap() > 2*b.Len()+n {
			t.Errorf("%s: capacity %d for %d bytes", c.name, b.Cap(), b.Len())
		}
		t.Logf("%s: %d allocations, %d bytes in %d", c.name, grows, b.Len(), b.Cap())
	}
}
