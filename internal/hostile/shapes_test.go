//go:build unix

package hostile

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze"
)

// TestShapesCostLinearWork: each shape that was super-linear, at a
// quarter and half of the suite's size, in process: twice the input must
// cost about twice the CPU (at most 3x; the old code took 4x and more).
// The best of three runs of each size is compared, so a busy machine
// stretches both alike.
func TestShapesCostLinearWork(t *testing.T) {
	if testing.Short() {
		t.Skip("analyzes bundles of tens of thousands of rows")
	}
	dir := t.TempDir()
	for _, s := range Shapes() {
		t.Run(s.Name, func(t *testing.T) {
			cost := func(n int) time.Duration {
				p, err := s.Write(dir, fmt.Sprintf("%s-%d.tar.zst", s.Name, n), n)
				if err != nil {
					t.Fatal(err)
				}
				best := time.Duration(1 << 62)
				for i := 0; i < 3; i++ {
					var took time.Duration
					withDeadline(t, filepath.Base(p), func() {
						start := time.Now()
						if _, err := analyze.Load(p, analyze.Options{}); err != nil {
							t.Error(err)
						}
						took = time.Since(start)
					})
					best = min(best, took)
				}
				return best
			}
			small, large := cost(s.Size/4), cost(s.Size/2)
			ratio := float64(large) / float64(small)
			t.Logf("%s: n=%d %v, n=%d %v: %.2fx", s.Name, s.Size/4, small, s.Size/2, large, ratio)
			if ratio > 3 {
				t.Errorf("%s: twice the input cost %.2fx the time (%v -> %v): super-linear", s.Name, ratio, small, large)
			}
		})
	}
}
