package clitools

import (
	"fmt"
	"strings"
	"testing"
	"time"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/internal/schema/cri"
)

// crictl inspecti without ids prints every image: resolving each one's id
// again through findImage (a scan of the list) was images x images. Twice
// the images must cost about twice the time (at most 3x, best of three),
// and every image is printed once.
func TestInspectiEveryImageIsLinear(t *testing.T) {
	cost := func(n int) time.Duration {
		s := labSpec(t)
		l := cri.ImageList{}
		for i := 0; i < n; i++ {
			l.Images = append(l.Images, &cri.ImageRecord{Image: &criapi.Image{Id: fmt.Sprintf("sha256:%064x", i+1),
				RepoTags: []string{fmt.Sprintf("registry.example.com/app-%d:1.0", i)}, Size: 1000}})
		}
		s.Files["cri/"+slug+"/images.json"] = mustJSON(t, l)
		b := open(t, s)
		best := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			out, _, err := run(t, b, "crictl", "inspecti", "-q")
			if err != nil {
				t.Fatal(err)
			}
			best = min(best, time.Since(start))
			if got := strings.Count(out, "registry.example.com/app-"); got != n {
				t.Fatalf("%d images printed of %d", got, n)
			}
		}
		return best
	}
	small, large := cost(3000), cost(6000)
	t.Logf("3,000 images %v, 6,000 %v: %.2fx", small, large, float64(large)/float64(small))
	if float64(large) > 3*float64(small) {
		t.Errorf("twice the images cost %.2fx the time: super-linear", float64(large)/float64(small))
	}
}
