package rules

import (
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/bundle"
)

func node(m bundle.Manifest, files map[string]string) *facts.Node {
	if files == nil {
		files = map[string]string{facts.RedactionReportPath: `{"rule_set_version":"1","total":0}`}
	}
	for p := range files {
		m.Files = append(m.Files, bundle.FileEntry{Path: p, Source: strings.SplitN(p, "/", 2)[0]})
	}
	return facts.New("t.tar.zst", &m, func(p string) ([]byte, bool) {
		s, ok := files[p]
		return []byte(s), ok
	}, facts.DefaultParsers())
}

func healthy() bundle.Manifest {
	return bundle.Manifest{Host: bundle.HostInfo{Hostname: "node-a"}, Sources: []bundle.SourceStatus{
		{Name: "host", Status: bundle.StatusOK}, {Name: "cri", Status: bundle.StatusOK}, {Name: "journal", Status: bundle.StatusOK}}}
}

func ids(fs []finding.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

func TestDefaultRegistry(t *testing.T) {
	r := Default()
	if len(r.Rules()) < 9 {
		t.Fatalf("only %d rules", len(r.Rules()))
	}
	for _, rule := range r.Rules() {
		if rule.Title == "" || len(rule.Reads) == 0 || rule.Family == 0 {
			t.Errorf("rule %s lacks title, reads or family", rule.ID)
		}
	}
}

func TestRegistryRejectsBadIDs(t *testing.T) {
	ok := func(*facts.Node) []finding.Finding { return nil }
	if _, err := NewRegistry(Rule{ID: "RT1501-a", Check: ok}, Rule{ID: "RT1501-a", Check: ok}); err == nil {
		t.Error("duplicate id accepted")
	}
	if _, err := NewRegistry(Rule{ID: "rt15-Bad", Check: ok}); err == nil {
		t.Error("malformed id accepted")
	}
	if _, err := NewRegistry(Rule{ID: "RT1501-a"}); err == nil {
		t.Error("rule without Check accepted")
	}
}

func TestHealthyBundleIsQuiet(t *testing.T) {
	if fs := Default().Run(node(healthy(), nil)); len(fs) != 0 {
		t.Fatalf("healthy bundle gave %v", ids(fs))
	}
}

func TestSourceStatusRules(t *testing.T) {
	cases := []struct {
		status string
		id     string
		sev    finding.Severity
	}{
		{bundle.StatusTimeout, "RT1501-source-timed-out", finding.Warning},
		{bundle.StatusError, "RT1502-source-failed", finding.Warning},
		{bundle.StatusPartial, "RT1503-source-partial", finding.Warning},
		{bundle.StatusSkipped, "RT1504-source-skipped", finding.Info},
	}
	for _, c := range cases {
		m := healthy()
		m.Sources[1].Status, m.Sources[1].Reason = c.status, "context deadline exceeded"
		fs := Default().Run(node(m, nil))
		if len(fs) != 1 || fs[0].ID != c.id || fs[0].Severity != c.sev {
			t.Errorf("%s: findings %v", c.status, ids(fs))
			continue
		}
		f := fs[0]
		if f.Subject.Source != "cri" || f.Subject.Node != "node-a" {
			t.Errorf("%s: subject %+v", c.status, f.Subject)
		}
		if !strings.Contains(f.Explanation, "pod and container states") {
			t.Errorf("%s: explanation does not say what is hidden: %s", c.status, f.Explanation)
		}
		if len(f.Evidence) != 1 || f.Evidence[0].Pointer != "/sources/1" || !strings.Contains(f.Evidence[0].Excerpt, c.status) {
			t.Errorf("%s: evidence %+v", c.status, f.Evidence)
		}
		if len(f.Remediation) == 0 {
			t.Errorf("%s: no remediation", c.status)
		}
	}
}

func TestTimedOutRuntimeSourceSaysHung(t *testing.T) {
	m := healthy()
	m.Sources[1].Status = bundle.StatusTimeout
	m.Sources[0].Status = bundle.StatusTimeout
	fs := Default().Run(node(m, nil))
	for _, f := range fs {
		hung := strings.Contains(f.Explanation, "hung")
		if (f.Subject.Source == "cri") != hung {
			t.Errorf("source %s: hung mention = %v", f.Subject.Source, hung)
		}
	}
}

func TestUnredactedAndTruncated(t *testing.T) {
	m := healthy()
	m.Unredacted, m.Truncated, m.TruncatedReason = true, true, "archive budget of 1000 bytes reached"
	got := ids(Default().Run(node(m, nil)))
	if strings.Join(got, ",") != "RT1505-bundle-truncated,RT1508-unredacted-bundle" {
		t.Fatalf("findings %v", got)
	}
}

func TestFilesTruncatedGroupedBySource(t *testing.T) {
	m := healthy()
	files := map[string]string{facts.RedactionReportPath: `{}`, "journal/a.jsonl": "", "journal/b.jsonl": "", "host/host.json": "{}"}
	n := node(m, files)
	for i, f := range n.Manifest.Files {
		if strings.HasPrefix(f.Path, "journal/") {
			n.Manifest.Files[i].Truncated = true
		}
	}
	fs := Default().Run(n)
	if len(fs) != 1 || fs[0].ID != "RT1506-files-truncated" || fs[0].Subject.Source != "journal" || len(fs[0].Evidence) != 2 {
		t.Fatalf("findings %+v", fs)
	}
}

func TestUnreadableFileAndMissingReport(t *testing.T) {
	fs := Default().Run(node(healthy(), map[string]string{"journal/k.jsonl": "garbage\n"}))
	got := strings.Join(ids(fs), ",")
	if got != "RT1507-unreadable-file,RT1509-redaction-report-missing" {
		t.Fatalf("findings %s", got)
	}
	if fs[0].Evidence[0].Path != "journal/k.jsonl" || fs[0].Evidence[0].LineStart != 1 {
		t.Fatalf("evidence %+v", fs[0].Evidence)
	}
}

func TestPanickingRuleIsReported(t *testing.T) {
	r, err := NewRegistry(Rule{ID: "RT9901-boom", Title: "boom", Check: func(*facts.Node) []finding.Finding { panic("nil map") }})
	if err != nil {
		t.Fatal(err)
	}
	fs := r.Run(node(healthy(), nil))
	if len(fs) != 1 || fs[0].ID != RuleFailedID || !strings.Contains(fs[0].Explanation, "RT9901-boom") {
		t.Fatalf("findings %+v", fs)
	}
}

func TestHugeManifestBoundsEvidence(t *testing.T) {
	m := healthy()
	for i := 0; i < 5000; i++ {
		m.Files = append(m.Files, bundle.FileEntry{Path: "logs/f" + strings.Repeat("x", i%7), Source: "logs", Truncated: true})
	}
	fs := Default().Run(node(m, nil))
	for _, f := range fs {
		if len(f.Evidence) > maxEvidence {
			t.Fatalf("%s has %d evidence items", f.ID, len(f.Evidence))
		}
	}
}

func TestSourcesDeselected(t *testing.T) {
	m := healthy()
	m.Options = map[string]string{"skip": "[docker,cri]", "only": "[]"}
	fs := Default().Run(node(m, nil))
	// cri ran anyway (it has a status): only docker is reported
	if len(fs) != 1 || fs[0].ID != "RT1510-source-deselected" || fs[0].Subject.Source != "docker" || fs[0].Evidence[0].Pointer != "/options/skip" {
		t.Fatalf("skip: %+v", fs)
	}
	m = healthy()
	m.Options = map[string]string{"only": "[host,cri,journal]"}
	fs = Default().Run(node(m, nil))
	if len(fs) != len(knownSources)-3 {
		t.Fatalf("only: %v", ids(fs))
	}
	m = healthy()
	m.Options = map[string]string{"skip": "[]"}
	if fs := Default().Run(node(m, nil)); len(fs) != 0 {
		t.Fatalf("empty skip: %v", ids(fs))
	}
}
