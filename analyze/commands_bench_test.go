package analyze_test

import (
	"io"
	"testing"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/internal/lab"
	"github.com/rtsnap/rtsnap/internal/shapetest"
)

// BenchmarkInspectFindings is what `rtsnap-analyze inspect` and `findings`
// do with one bundle, output included: read and verify it, build its facts,
// run every rule, render the text. Two bundles: the 500-container one of
// the other benchmarks (scaledSpec) and a real 2,000-container node's, the
// scale lab's (bench/scale2.sh plus every lab daemon), which `make bench`'s
// scale step leaves in lab.ScaleBundleDir (skipped without one; issue #19's
// target is 1 s each on it). cpu-ms/op is user+system CPU of the process
// per operation (the garbage collector's included), the figure that holds
// on a loaded machine; wall time is ns/op. Peak RSS is the commands' own,
// measured by bench/benchlab around the binary.
func BenchmarkInspectFindings(b *testing.B) {
	bundles := []struct {
		name string
		path func(*testing.B) string
		// rows is the fewest CRI-known join rows the bundle must have.
		rows int
	}{
		{"500-containers", func(b *testing.B) string {
			return benchBundle(b, benchCase{pods: benchPods})
		}, 2 * benchPods},
		{"2000-containers-lab", func(b *testing.B) string { return lab.ScaleBundle(b) }, 2000},
	}
	commands := []struct {
		name   string
		render func(io.Writer, string, *analyze.Analysis)
	}{
		{"inspect", func(w io.Writer, _ string, a *analyze.Analysis) { render.InspectText(w, render.NewInspectDoc(a)) }},
		{"findings", func(w io.Writer, p string, a *analyze.Analysis) {
			render.FindingsText(w, render.NewBundleFindings(p, a, nil))
		}},
	}
	for _, bc := range bundles {
		b.Run(bc.name, func(b *testing.B) {
			p := bc.path(b)
			a, err := analyze.Load(p, analyze.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if n := criRows(a); n < bc.rows || len(a.Node.ParseErrors) > 0 || len(a.Node.Cuts) > 0 {
				b.Fatalf("%s: %d CRI containers, %d parse errors, %d cuts; want at least %d, none, none", p, n, len(a.Node.ParseErrors), len(a.Node.Cuts), bc.rows)
			}
			for _, cmd := range commands {
				b.Run(cmd.name, func(b *testing.B) {
					b.ReportAllocs()
					cpu := shapetest.CPU()
					for b.Loop() {
						a, err := analyze.Load(p, analyze.Options{})
						if err != nil {
							b.Fatal(err)
						}
						cmd.render(io.Discard, p, a)
					}
					b.ReportMetric(float64((shapetest.CPU()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
				})
			}
		})
	}
}

// criRows counts join rows CRI knows (containers and sandboxes).
func criRows(a *analyze.Analysis) int {
	n := 0
	for _, c := range a.Node.Containers {
		if c.CRI != nil || c.CRIPod != nil {
			n++
		}
	}
	return n
}
