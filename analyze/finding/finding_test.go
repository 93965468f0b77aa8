package finding

import (
	"encoding/json"
	"testing"
	"time"
)

func TestSortWorstFirstThenIDThenSubject(t *testing.T) {
	fs := []Finding{
		{ID: "RT1504-b", Severity: Info},
		{ID: "RT1501-a", Severity: Warning, Subject: Subject{Source: "z"}},
		{ID: "RT0101-x", Severity: Critical},
		{ID: "RT1501-a", Severity: Warning, Subject: Subject{Source: "a"}},
	}
	Sort(fs)
	got := []string{}
	for _, f := range fs {
		got = append(got, f.ID+"/"+f.Subject.Source)
	}
	want := []string{"RT0101-x/", "RT1501-a/a", "RT1501-a/z", "RT1504-b/"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order = %v, want %v", got, want)
		}
	}
}

func TestWorst(t *testing.T) {
	if _, any := Worst(nil); any {
		t.Fatal("no findings reported as some")
	}
	if w, _ := Worst([]Finding{{Severity: Info}, {Severity: Error}, {Severity: Warning}}); w != Error {
		t.Fatalf("worst = %v", w)
	}
}

func TestSeverityJSONRoundTrip(t *testing.T) {
	b, err := json.Marshal(Finding{ID: "RT1501-a", Severity: Critical})
	if err != nil {
		t.Fatal(err)
	}
	var f Finding
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if f.Severity != Critical {
		t.Fatalf("round trip gave %v from %s", f.Severity, b)
	}
	if err := json.Unmarshal([]byte(`{"severity":"fatal"}`), &f); err == nil {
		t.Fatal("unknown severity accepted")
	}
}

func TestCutKeepsRunes(t *testing.T) {
	s := Cut("héllo wörld", 2) // 'é' is two bytes starting at 1
	if s != "h…" {
		t.Fatalf("Cut = %q", s)
	}
	if Cut("short", 10) != "short" {
		t.Fatal("short string cut")
	}
}

func TestEvidenceLocation(t *testing.T) {
	cases := map[string]Evidence{
		"manifest.json#/sources/1": {Path: "manifest.json", Pointer: "/sources/1"},
		"journal/x.jsonl:3-7":      {Path: "journal/x.jsonl", LineStart: 3, LineEnd: 7},
		"journal/x.jsonl:3":        {Path: "journal/x.jsonl", LineStart: 3},
		"host/host.json":           {Path: "host/host.json"},
	}
	for want, e := range cases {
		if got := e.Location(); got != want {
			t.Errorf("Location = %q, want %q", got, want)
		}
	}
}

func TestSortCurrentBeforeRecentBeforeHistory(t *testing.T) {
	fs := []Finding{
		{ID: "RT1301-a", Severity: Critical, When: History},
		{ID: "RT1302-b", Severity: Warning, When: Recent},
		{ID: "RT0101-c", Severity: Info},
		{ID: "RT1303-d", Severity: Error, When: Recent},
		{ID: "RT0201-e", Severity: Error, When: Current},
	}
	Sort(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.ID)
	}
	want := []string{"RT0201-e", "RT0101-c", "RT1303-d", "RT1302-b", "RT1301-a"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order = %v, want %v", got, want)
		}
	}
}

func TestPhaseOf(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		last time.Time
		want When
	}{
		{at.Add(-time.Minute), Recent},
		{at.Add(-RecentWindow), Recent},
		{at.Add(-RecentWindow - time.Second), History},
		{time.Time{}, Recent}, // no time: cannot be called old
		{at.Add(time.Minute), Recent},
	}
	for _, c := range cases {
		if got := PhaseOf(c.last, at); got != c.want {
			t.Errorf("PhaseOf(%v) = %s, want %s", c.last, got, c.want)
		}
	}
}
