package all

import (
	"os"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
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

// The tiers and the non-root notes name sources by string: a renamed source
// must not silently lose its place (core would become normal, bulk would
// no longer be cut first).
func TestTiersAndRootNotesNameRegisteredSources(t *testing.T) {
	r, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	tiers := map[int][]string{}
	for _, s := range r.All() {
		tiers[collect.SourceTier(s.Name())] = append(tiers[collect.SourceTier(s.Name())], s.Name())
	}
	if got := strings.Join(tiers[collect.TierCore], ","); got != "discovery,host,cri,containerd,runc" {
		t.Errorf("core sources: %s", got)
	}
	if got := strings.Join(tiers[collect.TierBulk], ","); got != "journal,logs" {
		t.Errorf("bulk sources: %s", got)
	}
	w := collect.PrivilegeWarning(1000, r.All())
	for _, n := range []string{"discovery", "cri", "containerd", "docker", "runc", "proc", "journal", "logs", "metadb"} {
		if !strings.Contains(w, "\n  "+n+" ") {
			t.Errorf("non-root warning does not mention %s:\n%s", n, w)
		}
	}
}
