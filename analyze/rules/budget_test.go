package rules

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/rtsnap/rtsnap/analyze/catalog"
	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/logrec"
	"github.com/rtsnap/rtsnap/analyze/logwork"
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

// The log work budget never cuts a bundle from rtsnap collect: a node
// whose whole journal window (every unit's PerUnitBytes) is real failure
// lines costs every rule that reads logs, the catalog included, less than
// logwork.DefaultUnits.
func TestCatalogBudgetCoversACollectedJournalOfFailures(t *testing.T) {
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	lines := realFailureLines(t, cat)
	text := 0
	for _, l := range lines {
		text += len(l)
	}
	// The catalog's own share, as a record alone would cost it.
	b := logwork.New(1 << 40)
	for _, l := range lines {
		b.Pay(parseTextCost(facts.LogRecord{Message: l}))
		cat.ClassifyWithin(logrec.ParseText(l), b)
	}
	// Every reader of the default registry on a journal of these lines.
	all := logwork.New(1 << 40)
	files := map[string]string{"journal/containerd.jsonl": journalOf(lines), "journal/kubelet.jsonl": journalOf(lines)}
	nd := node(healthy(), files)
	fs := Default().RunWithin(nd, all)
	all.Pay(nd.LogWorkSpent) // what decoding the journal cost comes off the same budget
	if got := ids(fs); !slices.Contains(got, "RT0402-image-pull-failed") || !slices.Contains(got, "RT1202-kernel-oom-kill") {
		t.Fatalf("the real lines do not reach the log rules: %v", got)
	}
	journalText := float64(len(journal.Units) * journal.PerUnitBytes)
	catalogNeed := float64(b.Spent()) / float64(text) * journalText
	need := float64(all.Spent()) / float64(2*text) * journalText
	t.Logf("%d real lines, %d bytes: the catalog %.2f units per byte, every log rule %.2f; a journal window of %.0f MiB of them: %.0f MiB (catalog %.0f) of %d MiB units",
		len(lines), text, float64(b.Spent())/float64(text), float64(all.Spent())/float64(2*text), journalText/(1<<20), need/(1<<20), catalogNeed/(1<<20), logwork.DefaultUnits>>20)
	if need >= logwork.DefaultUnits {
		t.Fatalf("a collected journal of failure lines would need %.0f MiB units, over the %d MiB budget", need/(1<<20), logwork.DefaultUnits>>20)
	}
	for _, f := range fs {
		if f.ID == LogWorkStoppedID || f.ID == LogCatalogStoppedID {
			t.Fatalf("the default budget stopped on %d real lines: %s", len(lines), f.Title)
		}
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
	b := logwork.New(int64(3 * len(first.Text)))
	var stop *struct{ line, left int }
	got := catalogFindingsWithin(n, cat, &Work{Budget: b, reader: LogCatalogID})
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

// When the shared log work budget runs out, RT1512 names each rule that
// stopped, where, and what it did not read; the same bundle and budget
// give the same findings every time (the budget is spent in rule order).
func TestLogWorkStopIsReported(t *testing.T) {
	cat, _ := catalog.Load()
	lines := realFailureLines(t, cat)[:200]
	files := map[string]string{"journal/containerd.jsonl": journalOf(lines)}
	// A budget that pays for about the first few records of the first
	// reader (RT0402's scan) and nothing after.
	units := int64(0)
	for _, l := range lines[:3] {
		units += logwork.Scan(len(l))
	}
	run := func() []finding.Finding { return Default().RunWithin(node(healthy(), files), logwork.New(units)) }
	got := run()
	var stop *finding.Finding
	for i, f := range got {
		if f.ID == LogWorkStoppedID {
			stop = &got[i]
		}
	}
	if stop == nil {
		t.Fatalf("no %s with a budget of %d units: %v", LogWorkStoppedID, units, ids(got))
	}
	if stop.Severity != finding.Warning || len(stop.Evidence) == 0 || stop.Evidence[0].Path != "journal/containerd.jsonl" || stop.Evidence[0].LineStart < 1 || stop.Evidence[0].LineStart > 4 {
		t.Fatalf("stop finding %+v", stop)
	}
	for _, want := range []string{"RT0402-image-pull-failed stopped at journal/containerd.jsonl line", "RT0903-no-space-left stopped at journal/containerd.jsonl line 1 (200 records", "RT1202-kernel-oom-kill"} {
		if !strings.Contains(stop.Explanation, want) {
			t.Errorf("explanation lacks %q: %s", want, stop.Explanation)
		}
	}
	if !slices.Contains(ids(got), LogCatalogStoppedID) {
		t.Errorf("the catalog, refused too, does not say so: %v", ids(got))
	}
	again, _ := json.Marshal(run())
	first, _ := json.Marshal(got)
	if string(again) != string(first) {
		t.Fatal("two runs of the same bundle and budget gave different findings")
	}
}
