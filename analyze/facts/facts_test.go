package facts

import (
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
)

func nodeWith(files map[string]string, parsers []Parser) *Node {
	m := &bundle.Manifest{}
	for p := range files {
		m.Files = append(m.Files, bundle.FileEntry{Path: p})
	}
	return New("test.tar.zst", m, func(p string) ([]byte, bool) {
		s, ok := files[p]
		return []byte(s), ok
	}, parsers)
}

func TestJSONLinesJournalAndBadLines(t *testing.T) {
	n := nodeWith(map[string]string{"journal/containerd.jsonl": `{"__REALTIME_TIMESTAMP":"1795512600000000","_SYSTEMD_UNIT":"containerd.service","MESSAGE":"hello","_PID":"9"}
not json
{"time":"2026-11-24T09:30:01.5Z","msg":"second"}

[1,2]
`}, DefaultParsers())
	lf := n.Logs["journal/containerd.jsonl"]
	if lf == nil || len(lf.Records) != 2 || lf.Lines != 4 {
		t.Fatalf("log file = %+v", lf)
	}
	r := lf.Records[0]
	if r.Unit != "containerd.service" || r.PID != "9" || r.Message != "hello" || r.Line != 1 {
		t.Fatalf("record = %+v", r)
	}
	if want := time.UnixMicro(1795512600000000).UTC(); !r.Time.Equal(want) {
		t.Fatalf("time = %v, want %v", r.Time, want)
	}
	if lf.Records[1].Time.IsZero() || lf.Records[1].Message != "second" || lf.Records[1].Line != 3 {
		t.Fatalf("second record = %+v", lf.Records[1])
	}
	if len(n.ParseErrors) != 1 || n.ParseErrors[0].Line != 2 || n.ParseErrors[0].Count != 2 {
		t.Fatalf("parse errors = %+v", n.ParseErrors)
	}
}

func TestJSONLinesBounded(t *testing.T) {
	var b strings.Builder
	for i := 0; i < MaxRecordsPerFile+10; i++ {
		b.WriteString(`{"message":"x"}` + "\n")
	}
	n := nodeWith(map[string]string{"logs/a.jsonl": b.String()}, DefaultParsers())
	lf := n.Logs["logs/a.jsonl"]
	if len(lf.Records) != MaxRecordsPerFile || !lf.Truncated || lf.Lines != MaxRecordsPerFile+10 {
		t.Fatalf("records %d truncated %v lines %d", len(lf.Records), lf.Truncated, lf.Lines)
	}
}

func TestRedactionReport(t *testing.T) {
	n := nodeWith(map[string]string{RedactionReportPath: `{"rule_set_version":"1","total":4,"by_rule":{"jwt":4}}`}, DefaultParsers())
	if n.Redaction == nil || n.Redaction.Total != 4 {
		t.Fatalf("redaction = %+v", n.Redaction)
	}
	n = nodeWith(map[string]string{RedactionReportPath: `{"total":"many"`}, DefaultParsers())
	if n.Redaction != nil || len(n.ParseErrors) != 1 || n.ParseErrors[0].Path != RedactionReportPath {
		t.Fatalf("bad report: redaction %+v errors %+v", n.Redaction, n.ParseErrors)
	}
}

func TestParserPanicBecomesParseError(t *testing.T) {
	boom := Parser{Name: "boom", Match: func(string) bool { return true }, Parse: func(*Node, string, []byte) error { panic("kaboom") }}
	n := nodeWith(map[string]string{"a.json": "{}"}, []Parser{boom})
	if len(n.ParseErrors) != 1 || !strings.Contains(n.ParseErrors[0].Err, "kaboom") {
		t.Fatalf("parse errors = %+v", n.ParseErrors)
	}
}

func TestParseTimeUnits(t *testing.T) {
	want := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	for _, raw := range []string{`"2026-11-24T09:30:00Z"`, `1795512600`, `1795512600000`, `"1795512600000000"`, `1795512600000000000`} {
		got, ok := parseTime([]byte(raw))
		if !ok || !got.Equal(want) {
			t.Errorf("parseTime(%s) = %v %v", raw, got, ok)
		}
	}
	for _, raw := range []string{`"yesterday"`, `-5`, `1e400`, `null`} {
		if _, ok := parseTime([]byte(raw)); ok {
			t.Errorf("parseTime(%s) accepted", raw)
		}
	}
}

// FuzzFacts: any bytes as any source file never panic the facts layer.
func FuzzFacts(f *testing.F) {
	f.Add([]byte(`{"__REALTIME_TIMESTAMP":"1795512600000000","MESSAGE":"x"}`))
	f.Add([]byte(`{"rule_set_version":"1","total":1,"by_rule":{"a":1},"files":[{"path":"x","total":1}]}`))
	f.Add([]byte("\x00\xff{\"time\":1e308}\n[[[[[[[[[["))
	f.Add([]byte(`{"time":"9999-99-99","message":{"nested":true}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		files := map[string]string{
			"journal/kubelet.jsonl":   string(data),
			RedactionReportPath:       string(data),
			"logs/containerd.jsonl":   string(data),
			"cri/x/containers.json":   string(data),
			"configs/containerd.toml": string(data),
			"logs/pods/ns/p/c/0.log":  string(data),
			"journal/files/d.log":     string(data),
			"docker/inspect.json":     string(data),
		}
		n := nodeWith(files, DefaultParsers())
		if n == nil || n.Manifest == nil {
			t.Fatal("no node")
		}
	})
}
