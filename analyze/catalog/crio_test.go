package catalog

import (
	"os"
	"testing"
)

// crio.yaml (CRI-O's classes) is part of the loaded catalog, so the
// catalog-wide tests (each example lands in its own class, benign lines
// land nowhere, every example is cited) cover it; this checks it is loaded
// and holds what it claims.
func TestCRIOCatalogFile(t *testing.T) {
	raw, err := os.ReadFile("crio.yaml")
	if err != nil {
		t.Fatal(err)
	}
	crio, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	loaded := map[string]bool{}
	for _, cl := range load(t).Classes {
		loaded[cl.ID] = true
	}
	n := 0
	for _, cl := range crio.Classes {
		if !loaded[cl.ID] {
			t.Errorf("%s is not in the loaded catalog", cl.ID)
		}
		n += len(cl.Examples)
	}
	if len(crio.Classes) < 2 || n < 3 || len(crio.Benign) < 2 {
		t.Fatalf("crio.yaml: %d classes, %d examples, %d benign", len(crio.Classes), n, len(crio.Benign))
	}
}
