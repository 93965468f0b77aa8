package analyze_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/analyze/timeline"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

func loadSpec(t *testing.T, s bundletest.Spec, name string) *analyze.Analysis {
	t.Helper()
	p := bundletest.Write(t, t.TempDir(), name, s)
	a, err := analyze.Load(p, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Path = name // temp dirs differ per run; goldens name the bundle only
	return a
}

// TestGoldenJSON pins every command's JSON document for the healthy and the
// timed-out bundle. Run with -update after an intended change, and review the diff.
func TestGoldenJSON(t *testing.T) {
	healthy := loadSpec(t, bundletest.Healthy(), "healthy.tar.zst")
	timedOut := loadSpec(t, bundletest.TimedOut(), "timed-out.tar.zst")
	dd := render.NewDiffDoc(healthy, timedOut, false, diff.Compare(healthy.Node, timedOut.Node, healthy.Findings, timedOut.Findings, diff.DefaultDiffers(), diff.Options{}))
	cases := map[string]any{
		"inspect-healthy":        render.NewInspectDoc(healthy),
		"inspect-timed-out":      render.NewInspectDoc(timedOut),
		"findings-timed-out":     render.NewBundleFindings(timedOut.Path, timedOut, nil),
		"timeline-healthy":       render.NewTimelineDoc(healthy, timeline.Filter{}, timeline.Build(healthy.Node, timeline.DefaultExtractors(), timeline.Filter{})),
		"diff-healthy-timed-out": dd,
		"report-timed-out":       render.NewReportDoc(timedOut, timeline.Build(timedOut.Node, timeline.DefaultExtractors(), timeline.Filter{}), &dd),
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetIndent("", "  ")
			if err := enc.Encode(doc); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./analyze -run Golden -update)", err)
			}
			if d := cmp.Diff(string(want), b.String()); d != "" {
				t.Errorf("%s differs from its golden file (-want +got):\n%s", path, d)
			}
		})
	}
}

// TestHostileBundleNeverPanics runs the whole pipeline over a verified bundle
// whose every file is garbage of the kind a parser chokes on.
func TestHostileBundleNeverPanics(t *testing.T) {
	s := bundletest.Healthy()
	garbage := "\x00\xff\xfe{\"time\":1e999,\"message\":[[[[[[[[[[[[[[[[[[[[[[[[[[\n" + strings.Repeat("[", 100000) + "\n{\"__REALTIME_TIMESTAMP\":\"-1\"}\n"
	for p := range s.Files {
		s.Files[p] = garbage
	}
	s.Files["journal/huge.jsonl"] = strings.Repeat(`{"time":"2026-11-24T09:30:00Z","message":"`+strings.Repeat("x", 9000)+`"}`+"\n", 200)
	s.Files["configs/containerd/config.toml"] = garbage
	s.Manifest.Host.Hostname = "\x1b[31mred\x1b[0m"
	a := loadSpec(t, s, "hostile.tar.zst")
	if len(a.Node.ParseErrors) == 0 {
		t.Fatal("garbage parsed without errors")
	}
	var sawUnreadable bool
	for _, f := range a.Findings {
		sawUnreadable = sawUnreadable || f.ID == "RT1507-unreadable-file"
	}
	if !sawUnreadable {
		t.Fatal("no RT1507 finding for garbage files")
	}
	for _, r := range a.Node.Logs["journal/huge.jsonl"].Records {
		if len(r.Message) > facts.MaxMessageBytes {
			t.Fatalf("message of %d bytes kept", len(r.Message))
		}
	}
	tl := timeline.Build(a.Node, timeline.DefaultExtractors(), timeline.Filter{})
	var b bytes.Buffer
	if err := render.HTML(&b, render.NewReportDoc(a, tl, nil)); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	render.InspectText(&b, render.NewInspectDoc(a))
	if strings.Contains(b.String(), "\x1b") {
		t.Fatal("escape sequence reached the terminal output")
	}
}
