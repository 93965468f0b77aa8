package catalog

import (
	"os"
	"testing"
)

// fileInCatalog parses one catalog file on its own and checks that each of
// its classes is in the loaded catalog (the catalog-wide tests then cover
// its examples, benign lines and citations).
func fileInCatalog(t *testing.T, name string) *Catalog {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	part, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	loaded := map[string]bool{}
	for _, cl := range load(t).Classes {
		loaded[cl.ID] = true
	}
	for _, cl := range part.Classes {
		if !loaded[cl.ID] {
			t.Errorf("%s: %s is not in the loaded catalog", name, cl.ID)
		}
	}
	return part
}

// crio.yaml (CRI-O's classes) is part of the loaded catalog and holds what
// it claims.
func TestCRIOCatalogFile(t *testing.T) {
	crio := fileInCatalog(t, "crio.yaml")
	n := 0
	for _, cl := range crio.Classes {
		n += len(cl.Examples)
	}
	if len(crio.Classes) < 2 || n < 3 || len(crio.Benign) < 2 {
		t.Fatalf("crio.yaml: %d classes, %d examples, %d benign", len(crio.Classes), n, len(crio.Benign))
	}
}
