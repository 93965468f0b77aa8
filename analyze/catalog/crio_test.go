package catalog

import (
	"os"
	"testing"
)

// crio.yaml (CRI-O's classes) checked together with the main catalog: each
// example lands in its own class and in no other, its benign lines and the
// main catalog's land nowhere, and every example is cited.
func TestCRIOCatalogFile(t *testing.T) {
	raw, err := os.ReadFile("crio.yaml")
	if err != nil {
		t.Fatal(err)
	}
	crio, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	main := load(t)
	all := &Catalog{Schema: Schema, Classes: append(append([]*Class{}, main.Classes...), crio.Classes...),
		Ignore: main.Ignore, Benign: append(append([]Example{}, main.Benign...), crio.Benign...)}
	ids := map[string]bool{}
	for _, cl := range main.Classes {
		ids[cl.ID] = true
	}
	n := 0
	for _, cl := range crio.Classes {
		if ids[cl.ID] {
			t.Errorf("%s is also in catalog.yaml", cl.ID)
		}
		if len(cl.Examples) == 0 {
			t.Errorf("%s has no example", cl.ID)
		}
		for _, ex := range cl.Examples {
			n++
			if ex.Source == "" {
				t.Errorf("%s: uncited example", cl.ID)
			}
			switch m := all.ClassifyLine(ex.Line); {
			case m == nil:
				t.Errorf("%s example lands nowhere: %s", cl.ID, ex.Line)
			case m.Class.ID != cl.ID:
				t.Errorf("%s example lands in %s (matched %q): %s", cl.ID, m.Class.ID, m.Cause, ex.Line)
			}
		}
	}
	for _, ex := range all.Benign {
		if m := all.ClassifyLine(ex.Line); m != nil {
			t.Errorf("benign line lands in %s (matched %q): %s", m.Class.ID, m.Cause, ex.Line)
		}
	}
	if len(crio.Classes) < 2 || n < 3 || len(crio.Benign) < 2 {
		t.Fatalf("crio.yaml: %d classes, %d examples, %d benign", len(crio.Classes), n, len(crio.Benign))
	}
}
