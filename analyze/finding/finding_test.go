package finding

import (
	"encoding/json"
	"testing"
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
