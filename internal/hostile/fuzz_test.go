package hostile

import (
	"bytes"
	"io"
	"testing"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/analyze/rules"
	"github.com/rtsnap/rtsnap/analyze/timeline"
	"github.com/rtsnap/rtsnap/bundle"
)

// fuzzLimits keep one fuzz input small: a fuzz worker must not need a
// gigabyte to find a bug.
func fuzzLimits() (bundle.Limits, analyze.Options) {
	lim := bundle.DefaultLimits()
	lim.MaxTotalBytes, lim.MaxFileBytes, lim.MaxManifestBytes, lim.MaxWindowBytes = 16<<20, 8<<20, 4<<20, 8<<20
	// The registry once: building it parses the failure catalog (half of
	// an input's time otherwise).
	return lim, analyze.Options{MemoryLimit: analyze.MinMemoryLimit, Limits: lim, Registry: rules.Default()}
}

// inspectPath is what inspect, timeline, report and diff do with a read
// bundle; it returns any error the renderers report.
func inspectPath(t *testing.T, b *bundle.Bundle, opts analyze.Options) {
	a := analyze.FromBundle("fuzz.tar.zst", b, opts)
	w := io.Discard
	render.InspectText(w, render.NewInspectDoc(a))
	render.FindingsText(w, render.NewBundleFindings("fuzz.tar.zst", a, nil))
	tl := timeline.Build(a.Node, timeline.DefaultExtractors(), timeline.Filter{})
	render.TimelineText(w, render.NewTimelineDoc(a, timeline.Filter{}, tl), 120)
	d := diff.Compare(a.Node, a.Node, a.Findings, a.Findings, diff.DefaultDiffers(), diff.Options{})
	dd := render.NewDiffDoc(a, a, false, d)
	render.DiffText(w, dd)
	doc := render.NewReportDoc(a, tl, &dd)
	if err := render.HTML(w, doc); err != nil {
		t.Fatalf("html: %v", err)
	}
	if err := render.Markdown(w, doc); err != nil {
		t.Fatalf("markdown: %v", err)
	}
}

// FuzzInspectMember puts the fuzzer's bytes in one member of the minimal
// source (a valid bundle around them, manifest and hashes right) and runs
// the whole inspect path: facts, rules, timeline, diff and every renderer.
// `go test -run '^$' -fuzz FuzzInspectMember ./internal/hostile`.
func FuzzInspectMember(f *testing.F) {
	s := Minimal()
	for i, m := range s.Members {
		f.Add(uint8(i), m.Data)
	}
	for _, mu := range Mutations() {
		if mu.Content == nil || mu.Volume {
			continue
		}
		for i, m := range s.Members {
			if mu.Applies == nil || mu.Applies(m.Path, m.Data) {
				f.Add(uint8(i), mu.Content(m.Path, m.Data, Light))
			}
		}
	}
	lim, opts := fuzzLimits()
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		members := append([]Member(nil), s.Members...)
		k := int(which) % len(members)
		members[k].Data = data
		var buf bytes.Buffer
		if err := archiveOf(&Source{Members: members}, manifestFor(s, members)).Write(&buf); err != nil {
			t.Skip(err)
		}
		b, err := bundle.Read(&buf, lim)
		if err != nil {
			return // over the fuzz limits
		}
		inspectPath(t, b, opts)
	})
}

// FuzzInspectArchive fuzzes the archive itself (the tar stream, compressed
// by the harness so the fuzzer's changes reach archive/tar and the reader
// rather than dying in zstd) through the reader and, when it reads, the
// whole inspect path. Seeds: the minimal source, every container mutation
// of it on its first member, and cuts at every boundary.
func FuzzInspectArchive(f *testing.F) {
	s := Minimal()
	valid := archiveOf(s, manifestFor(s, s.Members))
	if pcs, err := valid.pieces(); err == nil {
		f.Add(bytes.Join(pcs, nil))
	}
	for _, mu := range containerMutations() {
		if mu.FullOnly || mu.Name == "zstd-bomb" || mu.Name == "manifest-100mb" || mu.Name == "manifest-60mb-note" {
			continue
		}
		a, err := mu.Build(s, s.Members[0].Path, Light)
		if err != nil {
			continue
		}
		if pcs, err := a.pieces(); err == nil {
			f.Add(bytes.Join(pcs, nil))
		}
	}
	lim, opts := fuzzLimits()
	f.Fuzz(func(t *testing.T, tarBytes []byte) {
		var z bytes.Buffer
		if err := writeFrame(&z, tarBytes); err != nil {
			t.Fatal(err)
		}
		b, err := bundle.Read(&z, lim)
		if err != nil {
			return
		}
		inspectPath(t, b, opts)
	})
}
