package rules_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/rules"
)

var update = flag.Bool("update", false, "rewrite docs/rules.md")

func TestRulesDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "rules.md")
	want := rules.Markdown(rules.Default())
	for _, r := range rules.Default().Rules() {
		if !rules.Documented(r.ID) {
			t.Errorf("rule %s has no entry in ruleDocs (doc.go)", r.ID)
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/rules.md is out of step with the registry: go test ./analyze/rules -run RulesDoc -update")
	}
}
