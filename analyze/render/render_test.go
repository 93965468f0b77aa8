package render_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/analyze/timeline"
)

// hostile is a node whose every string tries to break out of its context.
const hostile = "<script>alert(1)</script>\x1b]0;pwned\x07[x](http://evil)```"

func load(t *testing.T, s bundletest.Spec, name string) *analyze.Analysis {
	t.Helper()
	p := bundletest.Write(t, t.TempDir(), name, s)
	a, err := analyze.Load(p, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Path = name
	return a
}

func hostileSpec() bundletest.Spec {
	s := bundletest.TimedOut()
	s.Manifest.Host.Hostname = hostile
	s.Manifest.Sources[1].Reason = hostile
	s.Manifest.Note = hostile
	return s
}

func report(t *testing.T, s bundletest.Spec, withDiff bool) render.ReportDoc {
	a := load(t, s, "b.tar.zst")
	var dd *render.DiffDoc
	if withDiff {
		base := load(t, bundletest.Healthy(), "a.tar.zst")
		d := render.NewDiffDoc(base, a, false, diff.Compare(base.Node, a.Node, base.Findings, a.Findings, diff.DefaultDiffers(), diff.Options{}))
		dd = &d
	}
	return render.NewReportDoc(a, timeline.Build(a.Node, timeline.DefaultExtractors(), timeline.Filter{}), dd)
}

func TestTextStripsControlCharacters(t *testing.T) {
	var b bytes.Buffer
	render.InspectText(&b, render.NewInspectDoc(load(t, hostileSpec(), "h.tar.zst")))
	if strings.ContainsAny(b.String(), "\x1b\x07") {
		t.Fatalf("terminal escape passed through:\n%q", b.String())
	}
	if !strings.Contains(b.String(), `\u001b]0;pwned`) {
		t.Fatalf("escape not shown visibly:\n%s", b.String())
	}
}

func TestInspectTextOneScreen(t *testing.T) {
	var b bytes.Buffer
	render.InspectText(&b, render.NewInspectDoc(load(t, bundletest.TimedOut(), "t.tar.zst")))
	out := b.String()
	for _, want := range []string{"node-a", "6.18.0-1-amd64", "cgroup hybrid", "rtsnap 0.3.0", "TIMEOUT", "context deadline exceeded", "3 value(s)", "RT1501-source-timed-out"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n > 40 {
		t.Errorf("inspect is %d lines, not one screen", n)
	}
}

func TestMarkdownEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := render.Markdown(&b, report(t, hostileSpec(), true)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "\x1b") {
		t.Error("markdown carries a terminal escape")
	}
	for _, bad := range []string{"<script>", "[x](http"} {
		if strings.Contains(outsideFences(out), bad) {
			t.Errorf("markdown carries %q raw", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "RT1501-source-timed-out", "sources\\[cri\\].status", "+    SystemdCgroup = true"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

func TestHTMLEscapesAndIsSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := render.HTML(&b, report(t, hostileSpec(), true)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "<script>alert") {
		t.Fatal("bundle text injected as markup")
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("hostile hostname not shown escaped")
	}
	for _, ext := range []string{"src=\"http", "href=\"http", "@import", "url(http"} {
		if strings.Contains(out, ext) {
			t.Errorf("external asset reference %q", ext)
		}
	}
	for _, want := range []string{`id="timeline-chart"`, "<circle", `id="diff"`, "Content-Security-Policy"} {
		if !strings.Contains(out, want) {
			t.Errorf("html lacks %s", want)
		}
	}
}

func TestMatrixStreamJSON(t *testing.T) {
	var b bytes.Buffer
	s := render.NewFindingsStream(&b, true)
	s.Add(render.NewBundleFindings("a.tar.zst", load(t, bundletest.Healthy(), "a.tar.zst"), nil))
	s.Add(render.NewBundleFindings("b.tar.zst", load(t, bundletest.TimedOut(), "b.tar.zst"), nil))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`"schema": "rtsnap-analyze/findings/v1"`, `"matrix"`, `"RT1501-source-timed-out"`, `"exit_code": 1`} {
		if !strings.Contains(out, want) {
			t.Errorf("stream lacks %s:\n%s", want, out)
		}
	}
}

// outsideFences drops fenced code blocks, where markup is inert.
func outsideFences(md string) string {
	var keep []string
	in := false
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			in = !in
			continue
		}
		if !in {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
