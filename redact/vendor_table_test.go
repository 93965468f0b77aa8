package redact_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/redact/internal/gitleakstable"
)

// TestVendorTableMatchesGitleaks: vendor_table.go is what the generator
// makes from the gitleaks module this build links; after a gitleaks
// upgrade, regenerate it (docs/redaction.md, Vendor tokens).
func TestVendorTableMatchesGitleaks(t *testing.T) {
	// The version go.mod requires (test binaries carry no module versions).
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	version := ""
	for _, ln := range strings.Split(string(mod), "\n") {
		if f := strings.Fields(ln); len(f) >= 2 && f[0] == gitleakstable.Module {
			version = f[1]
		}
	}
	if version == "" {
		t.Fatalf("go.mod does not require %s", gitleakstable.Module)
	}
	want, err := gitleakstable.Source(version)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("vendor_table.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("redact/vendor_table.go is not what gitleaks %s gives: run go run ./redact/internal/gitleakstable/gen > redact/vendor_table.go", version)
	}
}
