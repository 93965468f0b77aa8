//go:build unix

package hostile

import (
	"fmt"
	"testing"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/internal/shapetest"
)

// TestShapesCostLinearWork: each shape that was super-linear, at a
// quarter and half of the suite's size, analyzed in process: twice the
// input must cost about twice the CPU (shapetest.Linear; the old code took
// 4x and more).
func TestShapesCostLinearWork(t *testing.T) {
	if testing.Short() {
		t.Skip("analyzes bundles of tens of thousands of rows")
	}
	dir := t.TempDir()
	for _, s := range Shapes() {
		t.Run(s.Name, func(t *testing.T) {
			load := func(n int) func() {
				p, err := s.Write(dir, fmt.Sprintf("%s-%d.tar.zst", s.Name, n), n)
				if err != nil {
					t.Fatal(err)
				}
				return func() {
					withDeadline(t, s.Name, func() {
						if _, err := analyze.Load(p, analyze.Options{}); err != nil {
							t.Error(err)
						}
					})
				}
			}
			shapetest.Linear(t, s.Name, load(s.Size/4), load(s.Size/2))
		})
	}
}
