//go:build unix

package clitools

import (
	"fmt"
	"strings"
	"testing"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/schema/cri"
	"github.com/rtsnap/rtsnap/internal/shapetest"
)

// crictl inspecti without ids prints every image: resolving each one's id
// again through findImage (a scan of the list) was images x images. Twice
// the images must cost about twice, and every image is printed once.
func TestInspectiEveryImageIsLinear(t *testing.T) {
	images := func(n int) func() {
		s := labSpec(t)
		l := cri.ImageList{}
		for i := 0; i < n; i++ {
			l.Images = append(l.Images, &cri.ImageRecord{Image: &criapi.Image{Id: fmt.Sprintf("sha256:%064x", i+1),
				RepoTags: []string{fmt.Sprintf("registry.example.com/app-%d:1.0", i)}, Size: 1000}})
		}
		s.Files["cri/"+slug+"/images.json"] = mustJSON(t, l)
		b := open(t, s)
		return func() { inspectiAll(t, b, n) }
	}
	shapetest.Linear(t, "crictl inspecti of every image", images(4000), images(8000))
}

func inspectiAll(t *testing.T, b *bundle.Bundle, n int) {
	out, _, err := run(t, b, "crictl", "inspecti", "-q")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out, "registry.example.com/app-"); got != n {
		t.Fatalf("%d images printed of %d", got, n)
	}
}
