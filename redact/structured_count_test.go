package redact

import (
	"strings"
	"testing"
)

// TestStructuredHitsCountRepeats: a rule that replaces twice on one line is
// one hit entry with a count of two (the line scan folds repeats); the
// structured path must carry that count into the totals, not count entries.
func TestStructuredHitsCountRepeats(t *testing.T) {
	const tok = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
	cases := []struct {
		name string
		kind Kind
		doc  string
	}{
		{"yaml plain", YAML, "note: " + tok + " and " + tok + "\nother: kept\n"},
		{"yaml block", YAML, "note: |\n  " + tok + " and " + tok + "\nother: kept\n"},
		{"toml", TOML, "note = \"" + tok + " and " + tok + "\"\nother = \"kept\"\n"},
		{"yaml json value", YAML, "cfg: '{\"a\": \"" + tok + " " + tok + "\"}'\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := New(Config{})
			if err != nil {
				t.Fatal(err)
			}
			out, n := r.Bytes("f", c.kind, []byte(c.doc))
			if strings.Contains(string(out), tok) {
				t.Fatalf("token survived: %s", out)
			}
			if n != 2 || r.Total() != 2 {
				t.Errorf("replacements: Bytes says %d, Total %d; want 2 (%s)", n, r.Total(), out)
			}
		})
	}
}
