package diff

import (
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/bundle"
)

func node(m bundle.Manifest, files map[string]string) *facts.Node {
	for p, s := range files {
		m.Files = append(m.Files, bundle.FileEntry{Path: p, SHA256: s})
	}
	return facts.New("t", &m, func(p string) ([]byte, bool) { s, ok := files[p]; return []byte(s), ok }, nil)
}

func manifest(t0 time.Time, criStatus string) bundle.Manifest {
	return bundle.Manifest{StartedAt: t0, FinishedAt: t0.Add(time.Second), PeakRSSBytes: t0.Unix() % 1000,
		Host:      bundle.HostInfo{Hostname: "node-a", Kernel: "6.1.0", CgroupMode: "v1"},
		Collector: bundle.CollectorInfo{Name: "rtsnap", Version: "0.3.0", Commit: "abc"},
		Sources: []bundle.SourceStatus{{Name: "cri", Status: criStatus, StartedAt: t0, DurationMS: t0.Unix() % 997, Bytes: 10},
			{Name: "host", Status: bundle.StatusOK, StartedAt: t0, DurationMS: t0.Unix() % 13}}}
}

func TestManifestDiffNamesStatusNotVolatile(t *testing.T) {
	a := node(manifest(time.Unix(1000, 0), bundle.StatusOK), map[string]string{"cri/a.json": "x", "host/h.json": "1"})
	mb := manifest(time.Unix(5003, 0), bundle.StatusTimeout)
	mb.Host.Kernel = "6.18.0"
	mb.Collector.Commit = "def"
	b := node(mb, map[string]string{"host/h.json": "2", "journal/k.jsonl": "y"})
	r := Compare(a, b, nil, nil, DefaultDiffers(), Options{})
	var fields []string
	for _, c := range r.Changes {
		fields = append(fields, c.Field+"="+c.Before+"->"+c.After)
	}
	got := strings.Join(fields, " ")
	want := "host.kernel=6.1.0->6.18.0 sources[cri].status=ok->timeout"
	if got != want {
		t.Fatalf("changes %q, want %q", got, want)
	}
	if strings.Join(r.Files.Added, ",") != "journal/k.jsonl" || strings.Join(r.Files.Removed, ",") != "cri/a.json" || len(r.Files.Changed) != 0 {
		t.Fatalf("files %+v", r.Files)
	}

	all := Compare(a, b, nil, nil, DefaultDiffers(), Options{All: true})
	allFields := map[string]bool{}
	for _, c := range all.Changes {
		allFields[c.Field] = true
	}
	for _, f := range []string{"started_at", "sources[cri].duration_ms", "collector.commit", "peak_rss_bytes"} {
		if !allFields[f] {
			t.Errorf("--all misses %s (has %v)", f, allFields)
		}
	}
	if strings.Join(all.Files.Changed, ",") != "host/h.json" {
		t.Errorf("--all changed files %v", all.Files.Changed)
	}
}

func TestIdenticalIsEmpty(t *testing.T) {
	a := node(manifest(time.Unix(1000, 0), bundle.StatusOK), map[string]string{"x": "1"})
	b := node(manifest(time.Unix(9000, 0), bundle.StatusOK), map[string]string{"x": "1"})
	if r := Compare(a, b, nil, nil, DefaultDiffers(), Options{}); !r.Empty() {
		t.Fatalf("not empty: %+v", r)
	}
}

func TestFindingsAppearedCleared(t *testing.T) {
	a := node(manifest(time.Unix(1, 0), bundle.StatusOK), nil)
	fa := []finding.Finding{{ID: "RT1504-source-skipped", Subject: finding.Subject{Source: "docker"}}}
	fb := []finding.Finding{{ID: "RT1501-source-timed-out", Severity: finding.Warning, Subject: finding.Subject{Source: "cri"}}}
	r := Compare(a, a, fa, fb, nil, Options{})
	if len(r.Findings.Appeared) != 1 || r.Findings.Appeared[0].ID != "RT1501-source-timed-out" ||
		len(r.Findings.Cleared) != 1 || r.Findings.Cleared[0].ID != "RT1504-source-skipped" {
		t.Fatalf("findings %+v", r.Findings)
	}
}

func TestTextUnified(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"
	b := "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n"
	td := Text("configs/x.toml", []byte(a), []byte(b))
	want := `--- a/configs/x.toml
+++ b/configs/x.toml
@@ -1,5 +1,5 @@
 a
-b
+B
 c
 d
 e
@@ -9,3 +9,4 @@
 i
 j
 k
+l
`
	if td.Unified != want {
		t.Fatalf("unified:\n%s\nwant:\n%s", td.Unified, want)
	}
}

func TestTextBinaryAndHuge(t *testing.T) {
	if td := Text("p", []byte("a\x00"), []byte("b")); td.Note == "" || td.Unified != "" {
		t.Fatalf("binary: %+v", td)
	}
	var x, y strings.Builder
	for i := 0; i < 3000; i++ {
		x.WriteString("x" + strings.Repeat("a", i%5) + "\n")
		y.WriteString("y" + strings.Repeat("b", i%3) + "\n")
	}
	if td := Text("p", []byte(x.String()), []byte(y.String())); !strings.Contains(td.Note, "too large") {
		t.Fatalf("huge: %+v", td.Note)
	}
}

func TestConfigsDiffOnlyChangedConfigs(t *testing.T) {
	a := node(bundle.Manifest{}, map[string]string{"configs/c.toml": "x = 1\n", "configs/same": "s", "host/h.json": "1"})
	b := node(bundle.Manifest{}, map[string]string{"configs/c.toml": "x = 2\n", "configs/same": "s", "host/h.json": "2"})
	r := &Result{}
	Configs(a, b, Options{}, r)
	if len(r.TextDiffs) != 1 || r.TextDiffs[0].Path != "configs/c.toml" || !strings.Contains(r.TextDiffs[0].Unified, "+x = 2") {
		t.Fatalf("text diffs %+v", r.TextDiffs)
	}
}

func TestSourceOnOneSideOnly(t *testing.T) {
	ma := manifest(time.Unix(1, 0), bundle.StatusOK)
	mb := manifest(time.Unix(1, 0), bundle.StatusOK)
	mb.Sources = mb.Sources[1:]
	r := Compare(node(ma, nil), node(mb, nil), nil, nil, DefaultDiffers(), Options{})
	if len(r.Changes) != 1 || r.Changes[0].Field != "sources[cri]" || r.Changes[0].Before != "ok" || r.Changes[0].After != Absent {
		t.Fatalf("changes %+v", r.Changes)
	}
}

// A failure that already existed and happened again (more lines, a later
// last time) is reported; one that stayed as it was is not.
func TestFindingsRecurred(t *testing.T) {
	a := node(manifest(time.Unix(1, 0), bundle.StatusOK), nil)
	t1, t2 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 9, 40, 0, 0, time.UTC)
	pull := func(n int, last time.Time) finding.Finding {
		return finding.Finding{ID: "RT1305-pull-error", Severity: finding.Warning, Subject: finding.Subject{Source: "journal"}, Seen: &finding.Seen{Count: n, Last: last}}
	}
	same := finding.Finding{ID: "RT1309-cni-not-initialized", Severity: finding.Error, Subject: finding.Subject{Source: "journal"}, Seen: &finding.Seen{Count: 2, Last: t1}}
	sameAgain := same
	sameAgain.Seen = &finding.Seen{Count: 2, Last: t1.In(time.FixedZone("x", 3600))} // equal time, another zone and pointer
	untimed := finding.Finding{ID: "RT0901-disk-pressure", Severity: finding.Warning}

	r := Compare(a, a, []finding.Finding{pull(1, t1), same, untimed}, []finding.Finding{pull(3, t2), sameAgain, untimed}, nil, Options{})
	if len(r.Findings.Appeared) != 0 || len(r.Findings.Cleared) != 0 || len(r.Findings.Recurred) != 1 {
		t.Fatalf("findings %+v", r.Findings)
	}
	got := r.Findings.Recurred[0]
	if got.ID != "RT1305-pull-error" || got.SeenBefore.Count != 1 || got.Seen.Count != 3 || !got.SeenBefore.Last.Equal(t1) || !got.Seen.Last.Equal(t2) {
		t.Fatalf("recurrence %+v", got)
	}
	if w := r.Findings.Worsened(); len(w) != 1 || w[0].ID != "RT1305-pull-error" {
		t.Fatalf("worsened %+v", w)
	}
	// Only the last time moved: still a recurrence.
	r = Compare(a, a, []finding.Finding{pull(2, t1)}, []finding.Finding{pull(2, t2)}, nil, Options{})
	if len(r.Findings.Recurred) != 1 || r.Empty() {
		t.Fatalf("last time only: %+v", r.Findings)
	}
	// Nothing changed: quiet.
	r = Compare(a, a, []finding.Finding{pull(2, t1)}, []finding.Finding{pull(2, t1)}, nil, Options{})
	if len(r.Findings.Recurred) != 0 || !r.Empty() {
		t.Fatalf("unchanged: %+v", r.Findings)
	}
}
