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
		lower := foldLower(logrec.Parse(line).Text)
		got, want := c.lits.find(lower), containsEach(&c.lits, lower)
		if !slices.Equal(got, want) {
			t.Fatalf("literals found in %q differ from strings.Contains", line)
		}
	}
	for _, cl := range c.Classes {
		for _, ex := range cl.Examples {
			found := c.lits.find(foldLower(logrec.Parse(ex.Line).Text))
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
		lower := foldLower(text)
		if got, want := c.lits.find(lower), containsEach(&c.lits, lower); !slices.Equal(got, want) {
			t.Fatalf("literals found in %q differ from strings.Contains", text)
		}
	})
}

// everyPattern is the catalog's ignore, match and unless patterns.
func everyPattern(c *Catalog) []pattern {
	var out []pattern
	for _, ig := range c.Ignore {
		out = append(out, ig.pattern)
	}
	for _, cl := range c.Classes {
		out = append(append(out, cl.match...), cl.unless...)
	}
	return out
}

// keepsMatches fails t when a pattern matches text but its prefilter says
// it cannot.
func keepsMatches(t *testing.T, c *Catalog, text string) {
	t.Helper()
	found := c.lits.find(foldLower(text))
	for _, p := range everyPattern(c) {
		if p.re.MatchString(text) && !p.mayMatch(found) {
			t.Fatalf("the prefilter of %s skips it on %q, which it matches", p.re, text)
		}
	}
	// Nor does the class index skip a class one of whose patterns matches.
	// The ids the automaton reports are the literals find flags, each once.
	found2, ids := c.lits.findIDs(foldLower(text))
	var flagged []int
	for id, f := range found {
		if f {
			flagged = append(flagged, id)
		}
	}
	if sorted := slices.Sorted(slices.Values(ids)); !slices.Equal(found2, found) || !slices.Equal(sorted, flagged) {
		t.Fatalf("findIDs reports %v, find flags %v, on %q", ids, flagged, text)
	}
	cand := c.candidatesOf(ids)
	for ci, cl := range c.Classes {
		for _, p := range cl.match {
			if p.re.MatchString(text) && !cand[ci] {
				t.Fatalf("class %s skipped on %q, which its pattern %s matches", cl.ID, text, p.re)
			}
		}
	}
}

// TestPrefilterKeepsMatches: no pattern is skipped on a line it matches
// (every example and benign line, whole and as the parsed text), and the
// clauses do filter: a line with one clause's literal but not the
// other's is skipped, one with both is not.
func TestPrefilterKeepsMatches(t *testing.T) {
	c := load(t)
	var lines []string
	for _, cl := range c.Classes {
		for _, ex := range cl.Examples {
			lines = append(lines, ex.Line, logrec.Parse(ex.Line).Text)
		}
	}
	for _, ex := range c.Benign {
		lines = append(lines, ex.Line, logrec.Parse(ex.Line).Text)
	}
	for _, line := range lines {
		keepsMatches(t, c, line)
	}
	var ls literalSet
	p, err := compilePattern(`(?i)\bshim (exited unexpectedly|died|was killed)\b`)
	if err != nil {
		t.Fatal(err)
	}
	ls.add(&p)
	ls.build()
	if len(p.pre) != 1 || len(p.pre[0]) != 2 {
		t.Fatalf("prefilter %v: want one branch of two clauses", p.pre)
	}
	for text, want := range map[string]bool{
		`level=info msg="shim disconnected" id=abc namespace=k8s.io`: false,
		`level=error msg="shim died" id=abc`:                         true,
		`the SHIM WAS KILLED by the OOM killer`:                      true,
		`container died; no sh im here`:                              false,
		"\u017fhim died":                                             true, // (?i) folds long s onto s
	} {
		if got := p.mayMatch(ls.find(foldLower(text))); got != want {
			t.Errorf("mayMatch(%q) = %v, want %v", text, got, want)
		}
		if m := p.re.MatchString(text); m && !want {
			t.Errorf("%q matches, yet the test expects the prefilter to skip it", text)
		}
	}
}

// FuzzPrefilterKeepsMatches: on any text no pattern of the catalog is
// skipped by its prefilter where its regexp matches.
func FuzzPrefilterKeepsMatches(f *testing.F) {
	c, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	for _, cl := range c.Classes {
		for _, ex := range cl.Examples {
			f.Add(logrec.Parse(ex.Line).Text)
		}
	}
	f.Add("\u017fhim died, \u017fandbox, \u212aelvin")
	f.Fuzz(func(t *testing.T, text string) { keepsMatches(t, c, text) })
}

// TestEveryClassHasAPrefilter: a class one of whose match patterns has no
// literal is run on every log record (Catalog.always); the catalog keeps
// none, so the cost of a record stays the literal scan plus the few
// classes whose words it holds.
func TestEveryClassHasAPrefilter(t *testing.T) {
	c := load(t)
	for _, ci := range c.always {
		cl := c.Classes[ci]
		for i, p := range cl.match {
			if p.pre == nil {
				t.Errorf("%s: pattern %q has no prefilter literal", cl.ID, cl.Match[i])
			}
		}
	}
}
