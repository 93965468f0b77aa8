package catalog

import (
	"os"
	"strings"
	"testing"
)

// runtime.yaml (the runtime areas' classes added for issue #14) is part of
// the loaded catalog, so the catalog-wide tests cover its examples and
// benign lines; this checks it is loaded, keeps to its number range, and
// that each class has real lines from more than one thread.
func TestRuntimeCatalogFile(t *testing.T) {
	raw, err := os.ReadFile("runtime.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rt, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	loaded := map[string]bool{}
	for _, cl := range load(t).Classes {
		loaded[cl.ID] = true
	}
	for _, cl := range rt.Classes {
		if !loaded[cl.ID] {
			t.Errorf("%s is not in the loaded catalog", cl.ID)
		}
		if cl.ID < "RT1650" || cl.ID >= "RT1700" {
			t.Errorf("%s: runtime.yaml holds RT1650-RT1699 only", cl.ID)
		}
		threads := map[string]bool{}
		for _, ex := range cl.Examples {
			threads[strings.TrimSpace(ex.Source)] = true
		}
		if len(threads) < 2 {
			t.Errorf("%s: examples from %d thread(s), want >= 2", cl.ID, len(threads))
		}
	}
	if len(rt.Classes) < 10 || len(rt.Benign) < 10 {
		t.Fatalf("runtime.yaml: %d classes, %d benign lines", len(rt.Classes), len(rt.Benign))
	}
}
