package catalog

import (
	"strings"
	"testing"
)

// runtime.yaml (the runtime areas' classes added for issue #14) is part of
// the loaded catalog, keeps to its number range, and each class has real
// lines from more than one thread.
func TestRuntimeCatalogFile(t *testing.T) {
	rt := fileInCatalog(t, "runtime.yaml")
	for _, cl := range rt.Classes {
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
	if len(rt.Classes) < 10 || len(rt.Benign) < 10 || len(rt.Ignore) == 0 {
		t.Fatalf("runtime.yaml: %d classes, %d benign lines, %d ignore entries", len(rt.Classes), len(rt.Benign), len(rt.Ignore))
	}
}
