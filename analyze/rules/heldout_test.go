package rules_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/analyze/catalog"
)

// validationFile holds real log lines the catalog's patterns were NOT
// written from (the split: catalog.yaml's examples are what the patterns
// were written from; these are kept apart to measure how the catalog holds
// on wordings it has not seen). Each line has its class and source URL.
const validationFile = "../catalog/testdata/validation.yaml"

// Floors of the held-out measure: lowering one needs a reason in review.
const (
	minValidationLines = 60
	minNamedShare      = 0.80 // named / all lines
	maxWrongShare      = 0.05 // wrong / all lines
	// A benign line (a healthy node's narration, info lines with error
	// words) must add no finding; false-fire / benign lines.
	maxFalseFireShare = 0.05
)

// benignClass marks a validation line that must stay silent: it names no
// class, and any finding it adds to the healthy bundle is a false fire.
const benignClass = "benign"

type validationLine struct {
	Class  string `json:"class"`
	Line   string `json:"line"`
	Source string `json:"source"`
	Unit   string `json:"unit,omitempty"`
}

func loadValidation(t *testing.T) []validationLine {
	t.Helper()
	b, err := os.ReadFile(validationFile)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Lines []validationLine `json:"lines"`
	}
	if err := yaml.UnmarshalStrict(b, &doc); err != nil {
		t.Fatalf("%s: %v", validationFile, err)
	}
	return doc.Lines
}

// TestValidationLinesAreHeldOut: the split holds — no validation line is
// also a catalog example, every line names a known class and a source.
func TestValidationLinesAreHeldOut(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	examples := map[string]bool{}
	classes := map[string]bool{}
	for _, cl := range cat.Classes {
		classes[cl.ID] = true
		for _, ex := range cl.Examples {
			examples[strings.TrimSpace(ex.Line)] = true
		}
	}
	// The catalog's own benign lines are what its quiet was tuned on.
	for _, ex := range cat.Benign {
		examples[strings.TrimSpace(ex.Line)] = true
	}
	seen := map[string]bool{}
	for _, v := range loadValidation(t) {
		switch {
		case examples[strings.TrimSpace(v.Line)]:
			t.Errorf("validation line is also a catalog example or benign line (the split must hold): %s", v.Line)
		case v.Class != benignClass && !classes[v.Class]:
			t.Errorf("validation line of unknown class %q: %s", v.Class, v.Line)
		case !strings.HasPrefix(v.Source, "https://"):
			t.Errorf("validation line without a source URL: %s", v.Line)
		case seen[v.Line]:
			t.Errorf("validation line listed twice: %s", v.Line)
		}
		seen[v.Line] = true
	}
}

// TestHeldOutLinesThroughTheAnalyzer is the held-out measure, shaped as the
// project's evaluation: each validation line is one journal entry of its
// own bundle (a healthy node's, written with the real bundle writer), read
// back with analyze.Load and judged by the findings the line adds to the
// healthy bundle's: named (a finding of the line's class), wrong (findings,
// none of its class) or silent (nothing); a benign line is quiet (nothing)
// or a false fire. The figures are printed in the test log and quoted in
// docs/analyzer.md.
func TestHeldOutLinesThroughTheAnalyzer(t *testing.T) {
	if testing.Short() {
		t.Skip("writes one bundle per validation line")
	}
	lines := loadValidation(t)
	dir := t.TempDir()
	base := findingIDs(t, filepath.Join(dir, "base"), "")
	var named, wrong, silent, quiet, falseFire int
	perClass := map[string][2]int{} // named, all
	for i, v := range lines {
		got := findingIDs(t, filepath.Join(dir, fmt.Sprint(i)), journalEntry(v))
		var added []string
		for _, id := range got {
			if !slices.Contains(base, id) {
				added = append(added, id)
			}
		}
		if v.Class == benignClass {
			if len(added) == 0 {
				quiet++
			} else {
				falseFire++
				t.Logf("FALSE FIRE %v: %s (%s)", added, v.Line, v.Source)
			}
			continue
		}
		pc := perClass[v.Class]
		pc[1]++
		switch {
		case slices.Contains(added, v.Class):
			named++
			pc[0]++
		case len(added) > 0:
			wrong++
			t.Logf("WRONG  %s -> %v: %s (%s)", v.Class, added, v.Line, v.Source)
		default:
			silent++
			t.Logf("SILENT %s: %s (%s)", v.Class, v.Line, v.Source)
		}
		perClass[v.Class] = pc
	}
	n, nb := named+wrong+silent, quiet+falseFire
	t.Logf("held-out: %d lines in %d classes: named %d (%.0f%%), wrong %d (%.0f%%), silent %d (%.0f%%); benign %d: quiet %d, false fire %d",
		n, len(perClass), named, pct(named, n), wrong, pct(wrong, n), silent, pct(silent, n), nb, quiet, falseFire)
	if n < minValidationLines {
		t.Errorf("%d validation lines, want >= %d", n, minValidationLines)
	}
	if float64(named) < minNamedShare*float64(n) || float64(wrong) > maxWrongShare*float64(n) {
		t.Errorf("held-out below the floor: named %d/%d (want >= %.0f%%), wrong %d (want <= %.0f%%)", named, n, 100*minNamedShare, wrong, 100*maxWrongShare)
	}
	if float64(falseFire) > maxFalseFireShare*float64(nb) {
		t.Errorf("benign held-out lines: %d of %d fire (want <= %.0f%%)", falseFire, nb, 100*maxFalseFireShare)
	}
}

func pct(a, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(a) / float64(n)
}

// journalEntry is a journal export record of the line as its daemon would
// log it: the unit named by the line's own daemon, ten minutes before
// collection.
func journalEntry(v validationLine) string {
	unit := v.Unit
	if unit == "" {
		unit = "kubelet.service"
		low := strings.ToLower(v.Line)
		for _, u := range []string{"containerd", "dockerd", "crio", "kernel"} {
			if strings.Contains(low, u+"[") || strings.Contains(low, u+":") {
				unit = u + ".service"
				break
			}
		}
	}
	rec := map[string]string{
		"__REALTIME_TIMESTAMP": fmt.Sprint(bundletest.T0.Add(-10 * time.Minute).UnixMicro()),
		"_SYSTEMD_UNIT":        unit,
		"MESSAGE":              v.Line,
		"_PID":                 "4242",
	}
	b, _ := json.Marshal(rec)
	return string(b) + "\n"
}

// findingIDs writes the healthy bundle with one more journal file holding
// entry (none if empty) and returns the ids of analyze.Load's findings.
func findingIDs(t *testing.T, dir, entry string) []string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := bundletest.Healthy()
	if entry != "" {
		s.Files["journal/node.jsonl"] = entry
	}
	a, err := analyze.Load(bundletest.Write(t, dir, "b", s), analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range a.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}
