package rules

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rtsnap/rtsnap/analyze/catalog"
	"github.com/rtsnap/rtsnap/analyze/logrec"
	"github.com/rtsnap/rtsnap/collect/journal"
)

// realFailureLines are the catalog's examples and the held-out validation
// lines: real log lines from public threads, nearly all of them failures
// (the costliest records a real node writes).
func realFailureLines(t *testing.T, cat *catalog.Catalog) []string {
	t.Helper()
	var out []string
	for _, cl := range cat.Classes {
		for _, e := range cl.Examples {
			out = append(out, e.Line)
		}
	}
	b, err := os.ReadFile("../catalog/testdata/validation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Lines []struct{ Line string } `json:"lines"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, l := range doc.Lines {
		out = append(out, l.Line)
	}
	return out
}

// The budget never cuts a bundle from rtsnap collect: a node whose whole
// journal window (every unit's PerUnitBytes) is real failure lines costs
// the catalog less than DefaultBudgetBytes.
func TestCatalogBudgetCoversACollectedJournalOfFailures(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	lines := realFailureLines(t, cat)
	b := catalog.NewBudget(1 << 40)
	text := 0
	for _, l := range lines {
		r := logrec.ParseText(l)
		text += len(l)
		cat.ClassifyWithin(r, b)
	}
	perByte := float64(b.Spent()) / float64(text)
	journalText := float64(len(journal.Units) * journal.PerUnitBytes)
	need := perByte * journalText
	t.Logf("%d real lines, %d bytes: %.2f bytes read per byte; a journal window of %.0f MiB of them: %.0f MiB of %d MiB",
		len(lines), text, perByte, journalText/(1<<20), need/(1<<20), catalog.DefaultBudgetBytes>>20)
	if need >= catalog.DefaultBudgetBytes {
		t.Fatalf("a collected journal of failure lines would need %.0f MiB, over the %d MiB budget", need/(1<<20), catalog.DefaultBudgetBytes>>20)
	}
}

// journalOf is a journal file of the lines, one entry each.
func journalOf(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		rec, _ := json.Marshal(map[string]string{"__REALTIME_TIMESTAMP": fmt.Sprint(1795512600000000 + i), "_SYSTEMD_UNIT": "containerd.service", "MESSAGE": l})
		b.Write(rec)
		b.WriteByte('\n')
	}
	return b.String()
}

// When the budget runs out, the findings say where classification stopped
// and how many records were left; with the default budget nothing stops.
func TestCatalogBudgetStopIsReported(t *testing.T) {
	cat, _ := catalog.Load()
	lines := realFailureLines(t, cat)[:40]
	files := map[string]string{
		"journal/containerd.jsonl": journalOf(lines[:20]),
		"journal/kubelet.jsonl":    journalOf(lines[20:]),
		"journal/files/app.log":    "", // a daemon log file sorts first and is empty
	}
	n := node(healthy(), files)
	for _, f := range catalogFindings(n, cat) {
		if f.ID == LogCatalogStoppedID {
			t.Fatalf("default budget stopped on 40 lines: %s", f.Explanation)
		}
	}
	// A budget that pays for about the first few records of containerd.jsonl.
	first := logrec.ParseText(lines[0])
	b := catalog.NewBudget(int64(3 * len(first.Text)))
	var stop *struct{ line, left int }
	got := catalogFindingsWithin(n, cat, b)
	for _, f := range got {
		if f.ID != LogCatalogStoppedID {
			continue
		}
		if len(f.Evidence) != 1 || f.Evidence[0].Path != "journal/containerd.jsonl" || f.Evidence[0].LineStart < 1 || f.Evidence[0].LineStart > 20 {
			t.Fatalf("evidence %+v", f.Evidence)
		}
		left := 20 - f.Evidence[0].LineStart + 1
		if want := fmt.Sprintf("%d records were not classified", left+20); !strings.Contains(f.Title, want) {
			t.Fatalf("title %q, want %q", f.Title, want)
		}
		stop = &struct{ line, left int }{f.Evidence[0].LineStart, left}
	}
	if stop == nil || !b.Exhausted() {
		t.Fatalf("no stop finding with a budget of %d bytes: %v", 3*len(first.Text), ids(got))
	}
}
