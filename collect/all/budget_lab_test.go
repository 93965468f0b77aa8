package all

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
	"github.com/rtsnap/rtsnap/redact"
)

// labRun collects the default sources from the lab into dir under maxSize.
func labRun(t *testing.T, le lab.Env, maxSize int64) (*bundle.Bundle, int64) {
	t.Helper()
	r, err := Registry()
	if err != nil {
		t.Fatal(err)
	}
	srcs, err := r.Select(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	red, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := collect.Run(context.Background(), collect.Options{OutputDir: t.TempDir(), Timeout: 60 * time.Second, MaxSize: maxSize,
		Env: collect.Env{RuntimeEndpoints: []string{le["RTSNAP_LAB_CD17_SOCK"], le["RTSNAP_LAB_CD2_SOCK"]},
			JournalDirs: []string{le["RTSNAP_LAB_JOURNAL_DIR"]}, Since: 24 * time.Hour}}, srcs, red)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.OpenFile(res.Path, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return b, res.Size
}

// The real sources against the real lab, with an archive budget well below
// what they produce: the core sources keep everything they had with room to
// spare, the rest is cut, and the manifest blames --max-size.
func TestLabArchiveBudgetKeepsCoreSources(t *testing.T) {
	le := lab.Require(t)
	full, size := labRun(t, le, 64<<20)
	fi := full.Manifest
	if fi.Truncated {
		t.Fatalf("64 MiB was not enough for the lab: %s", fi.TruncatedReason)
	}
	// Half the full archive: something must go. The core sources' JSON (a
	// few pods per daemon) is a small part of it; journals, logs and /proc
	// are most of it.
	budget := max(size/2, 96<<10)
	small, _ := labRun(t, le, budget)
	m := small.Manifest
	if !m.Truncated || !strings.Contains(m.TruncatedReason, "--max-size") {
		t.Fatalf("a budget of half the full archive (%d of %d bytes) cut nothing: %q", budget, size, m.TruncatedReason)
	}
	for _, s := range fi.Sources {
		if collect.SourceTier(s.Name) != collect.TierCore || s.Status != bundle.StatusOK {
			continue
		}
		// Only the budget is under test: a source slow on a loaded machine
		// (a timeout) is not what this is about.
		got := statusOf(m, s.Name)
		if strings.Contains(got.Reason, "budget") || (got.Status == bundle.StatusOK && got.Files != s.Files) {
			t.Errorf("core source %s cut by the archive budget (%d bytes): %+v", s.Name, budget, got)
		}
	}
	cut := 0
	for _, s := range m.Sources {
		if strings.Contains(s.Reason, "archive budget reached (--max-size") || strings.Contains(s.Reason, "within its budget") {
			cut++
			if collect.SourceTier(s.Name) == collect.TierCore {
				t.Errorf("core source %s blamed for the budget: %s", s.Name, s.Reason)
			}
		}
	}
	if cut == 0 {
		t.Errorf("truncated, yet no source says the archive budget cut it: %+v", m.Sources)
	}
}

func statusOf(m *bundle.Manifest, name string) bundle.SourceStatus {
	for _, s := range m.Sources {
		if s.Name == name {
			return s
		}
	}
	return bundle.SourceStatus{Name: name, Status: "missing"}
}
