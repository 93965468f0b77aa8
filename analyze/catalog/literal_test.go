package catalog

import (
	"slices"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/logrec"
)

// containsEach is the prefilter's reference: a strings.Contains per literal.
func containsEach(ls *literalSet, lower string) []bool {
	out := make([]bool, len(ls.list))
	for i, l := range ls.list {
		out[i] = strings.Contains(lower, l)
	}
	return out
}

// TestLiteralSetMatchesContains: on every example and benign line of the
// catalog, the one-pass literal set finds exactly the literals a
// strings.Contains per literal finds, and so Classify gives what it gave
// with that prefilter. Each example finds at least one literal (the set
// is not vacuously empty), a benign line fewer than all.
func TestLiteralSetMatchesContains(t *testing.T) {
	c := load(t)
	if len(c.lits.list) < 50 {
		t.Fatalf("%d prefilter literals: the catalog's patterns give hundreds", len(c.lits.list))
	}
	var lines []string
	for _, cl := range c.Classes {
		for _, ex := range cl.Examples {
			lines = append(lines, ex.Line)
		}
	}
	for _, ex := range c.Benign {
		lines = append(lines, ex.Line)
	}
	for _, line := range lines {
		lower := strings.ToLower(logrec.Parse(line).Text)
		got, want := c.lits.find(lower), containsEach(&c.lits, lower)
		if !slices.Equal(got, want) {
			t.Fatalf("literals found in %q differ from strings.Contains", line)
		}
	}
	for _, cl := range c.Classes {
		for _, ex := range cl.Examples {
			found := c.lits.find(strings.ToLower(logrec.Parse(ex.Line).Text))
			if !slices.Contains(found, true) {
				t.Errorf("%s example finds no literal: %s", cl.ID, ex.Line)
			}
		}
	}
}

// FuzzLiteralSetMatchesContains: on any text, overlapping and repeated
// literals, prefixes of literals and invalid UTF-8 included, the literal
// set agrees with a strings.Contains per literal.
func FuzzLiteralSetMatchesContains(f *testing.F) {
	c, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	for i, l := range c.lits.list {
		if i%7 == 0 {
			f.Add(l + l[:len(l)/2] + strings.ToUpper(l))
		}
	}
	f.Add("failed to pull image \xff\"docker.io/x\": 401 unauthorized: no space left on device")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		lower := strings.ToLower(text)
		if got, want := c.lits.find(lower), containsEach(&c.lits, lower); !slices.Equal(got, want) {
			t.Fatalf("literals found in %q differ from strings.Contains", text)
		}
	})
}
