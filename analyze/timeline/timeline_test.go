package timeline

import (
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/bundle"
)

var t0 = time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)

func testNode() *facts.Node {
	files := map[string]string{
		"journal/kubelet.jsonl": `{"time":"2026-11-24T09:29:59Z","unit":"kubelet.service","message":"pod web-cd16 sandbox changed"}
{"message":"no time here"}
{"time":"2026-11-24T09:30:00.5Z","unit":"kubelet.service","message":"container app in pod other restarted"}
`,
	}
	m := &bundle.Manifest{StartedAt: t0, FinishedAt: t0.Add(2 * time.Second), Sources: []bundle.SourceStatus{
		{Name: "cri", Status: bundle.StatusTimeout, StartedAt: t0.Add(10 * time.Millisecond), DurationMS: 1500}}}
	for p := range files {
		m.Files = append(m.Files, bundle.FileEntry{Path: p})
	}
	return facts.New("t", m, func(p string) ([]byte, bool) { s, ok := files[p]; return []byte(s), ok }, facts.DefaultParsers())
}

func TestBuildOrdersAndLabelsClocks(t *testing.T) {
	tl := Build(testNode(), DefaultExtractors(), Filter{})
	if tl.Untimed != 1 {
		t.Errorf("untimed = %d", tl.Untimed)
	}
	var kinds []string
	for i, e := range tl.Events {
		if i > 0 && e.Time.Before(tl.Events[i-1].Time) {
			t.Fatalf("event %d out of order", i)
		}
		kinds = append(kinds, e.Kind+"/"+e.Clock)
	}
	want := []string{"log/journal", "collection-started/node wall clock", "source-started/node wall clock", "log/journal",
		"source-timeout/node wall clock", "collection-finished/node wall clock"}
	if len(kinds) != len(want) {
		t.Fatalf("kinds = %v", kinds)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("kinds = %v, want %v", kinds, want)
		}
	}
	if e := tl.Events[0]; e.Evidence.Path != "journal/kubelet.jsonl" || e.Evidence.LineStart != 1 || e.Subject.Source != "kubelet.service" {
		t.Fatalf("first event = %+v", e)
	}
}

func TestFilterByPod(t *testing.T) {
	tl := Build(testNode(), DefaultExtractors(), Filter{Pod: "web-cd16"})
	if len(tl.Events) != 1 || tl.Events[0].Message != "pod web-cd16 sandbox changed" {
		t.Fatalf("events = %+v", tl.Events)
	}
	if tl := Build(testNode(), DefaultExtractors(), Filter{Pod: "nope"}); len(tl.Events) != 0 {
		t.Fatalf("unmatched filter kept %d events", len(tl.Events))
	}
}
