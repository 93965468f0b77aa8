package analyze_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/analyze/diff"
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
