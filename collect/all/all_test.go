package all

import (
	"os"
	"strings"
	"testing"
)

// Every source is registered once and documented in docs/sources.md.
func TestSourcesRegisteredAndDocumented(t *testing.T) {
	r, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/sources.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Names()) < 13 {
		t.Fatalf("only %d sources: %v", len(r.Names()), r.Names())
	}
	for _, s := range r.All() {
		if !strings.Contains(string(doc), "\n## "+s.Name()+"\n") {
			t.Errorf("source %s has no section in docs/sources.md", s.Name())
		}
		if s.Budget() <= 0 || s.Description() == "" {
			t.Errorf("source %s: budget %d, description %q", s.Name(), s.Budget(), s.Description())
		}
	}
	def, _ := r.Select(nil, nil)
	for _, s := range def {
		if s.Name() == "goroutines" {
			t.Error("the active source runs by default")
		}
	}
}
