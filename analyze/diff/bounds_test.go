package diff

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
)

// longLines is a config of n lines of about width bytes that share a long
// prefix, so every string comparison of the LCS walks it (issue #15: two
// 46 KB bundles of such files made diff run 65 s and print 262 MB).
func longLines(n, width int, salt string) string {
	prefix := strings.Repeat("x", width)
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "key = %s%s%d\n", prefix, salt, i)
	}
	return b.String()
}

func TestDiffBoundedOnLongLines(t *testing.T) {
	files := func(salt string) map[string]string {
		m := map[string]string{}
		for f := 0; f < 20; f++ {
			m[fmt.Sprintf("configs/etc/c%d.toml", f)] = longLines(300, 8<<10, salt)
		}
		return m
	}
	m := manifest(time.Unix(1000, 0), bundle.StatusOK)
	a, b := node(m, files("a")), node(m, files("b"))
	start := time.Now()
	r := Compare(a, b, nil, nil, DefaultDiffers(), Options{})
	took := time.Since(start)
	out, _ := json.Marshal(r)
	t.Logf("diff of 2 x %d MiB of long lines: %v, %d bytes of JSON, summarized %q", 20*300*8>>10, took, len(out), r.Summarized)
	if took > 5*time.Second {
		t.Errorf("diff took %v", took)
	}
	if len(out) > maxTextDiffBytes+maxDiffBytes+1<<20 {
		t.Errorf("diff output %d bytes, over the budget", len(out))
	}
	if len(r.Summarized) == 0 || !strings.HasPrefix(r.Summarized[0], "text_diffs:") {
		t.Errorf("summarized = %q, want the text-diff budget named", r.Summarized)
	}
	if td := r.TextDiffs[0]; !strings.Contains(td.Unified, "more bytes]") || !strings.Contains(td.Note, "diff cut at") {
		t.Errorf("first diff: note %q, long lines not cut", td.Note)
	}
	// Quiet: a small change is diffed whole, nothing summarized.
	small := Compare(node(m, map[string]string{"configs/a.toml": "a = 1\nb = 2\n"}), node(m, map[string]string{"configs/a.toml": "a = 1\nb = 3\n"}),
		nil, nil, DefaultDiffers(), Options{})
	if len(small.Summarized) != 0 || small.TextDiffs[0].Note != "" || !strings.Contains(small.TextDiffs[0].Unified, "+b = 3") {
		t.Errorf("small diff: %+v", small)
	}
}

func TestDiffListsCapped(t *testing.T) {
	m := manifest(time.Unix(1000, 0), bundle.StatusOK)
	fa := map[string]string{}
	for i := 0; i < 3*maxListed; i++ {
		fa[fmt.Sprintf("logs/f%05d", i)] = "x"
	}
	r := Compare(node(m, fa), node(m, map[string]string{}), nil, nil, DefaultDiffers(), Options{})
	if len(r.Files.Removed) != maxListed || len(r.Summarized) != 1 || !strings.Contains(r.Summarized[0], "files.removed: 2000 more") {
		t.Errorf("removed %d, summarized %q", len(r.Files.Removed), r.Summarized)
	}
}

// FuzzTextDiff: any pair of inputs gives a bounded diff without panicking.
func FuzzTextDiff(f *testing.F) {
	f.Add([]byte("a\nb\nc\n"), []byte("a\nc\nd\n"))
	f.Add([]byte(longLines(50, 2000, "a")), []byte(longLines(50, 2000, "b")))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		td := Text("configs/x", a, b)
		if len(td.Unified) > maxDiffBytes+maxDiffLineBytes+256 {
			t.Fatalf("%d bytes of diff", len(td.Unified))
		}
	})
}
