package render_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/finding"
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

// pullFailSpec is Healthy with a failed pull in containerd's journal. The
// line is the containerd form of the failure in
// https://github.com/kubesphere/kubekey/issues/1613 (crictl pull of
// 192.168.72.15/kubesphereio/pause:3.8: connection refused).
func pullFailSpec() bundletest.Spec { return pullFailAt(bundletest.T0.Add(-2 * time.Minute)) }

func pullFailAt(at time.Time) bundletest.Spec {
	s := bundletest.Healthy()
	s.Files["journal/containerd.jsonl"] += fmt.Sprintf(`{"__REALTIME_TIMESTAMP":"%d","_SYSTEMD_UNIT":"containerd.service","MESSAGE":%q,"_PID":"812"}`+"\n", at.UnixMicro(),
		`PullImage "192.168.72.15/kubesphereio/pause:3.8" failed error="rpc error: code = Unknown desc = failed to pull and unpack image \"192.168.72.15/kubesphereio/pause:3.8\": failed to resolve reference \"192.168.72.15/kubesphereio/pause:3.8\": failed to do request: Head \"https://192.168.72.15/v2/kubesphereio/pause/manifests/3.8\": dial tcp 192.168.72.15:443: connect: connection refused"`)
	return s
}

func pullFailReport(t *testing.T) render.ReportDoc { return reportOf(t, pullFailSpec()) }

func reportOf(t *testing.T, s bundletest.Spec) render.ReportDoc {
	a := load(t, s, "pull.tar.zst")
	return render.NewReportDoc(a, timeline.Build(a.Node, timeline.DefaultExtractors(), timeline.Filter{}), nil)
}

func TestMarkdownCommandsAreCodeAndTablesHaveHeaders(t *testing.T) {
	var b bytes.Buffer
	if err := render.Markdown(&b, pullFailReport(t)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// The command names the runtime's socket (issue #14): crictl -r unix://SOCK pull IMAGE.
	if !regexp.MustCompile("`crictl -r unix://[^`]+ pull 192\\.168\\.72\\.15/kubesphereio/pause:3\\.8`").MatchString(out) {
		t.Errorf("the remediation's command is not a code span:\n%s", out)
	}
	if strings.Contains(out, "\\`") {
		t.Errorf("markdown escapes backticks:\n%s", out)
	}
	for i, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "|") && strings.Trim(l, "| ") == "" {
			t.Errorf("line %d is an empty table row: %q", i+1, l)
		}
	}
	// The verdict leads; the short timeline holds the moment the finding rests on.
	if !regexp.MustCompile(`^## rtsnap report: node-a\n\n\*\*(Action needed|Degraded)`).MatchString(out) {
		t.Errorf("markdown does not lead with the verdict:\n%s", finding.Cut(out, 300))
	}
	if !regexp.MustCompile(`(?m)^\| 2026-11-24T09:28:00\.000Z \| journal \| F1( F\d+)* \| PullImage`).MatchString(out) {
		t.Errorf("short timeline lacks the pull failure's moment:\n%s", out[strings.Index(out, "### Timeline"):])
	}
	if n := strings.Count(out[strings.Index(out, "### Timeline"):strings.Index(out, "### Collection")], "\n| 20"); n > 20 {
		t.Errorf("short timeline has %d rows", n)
	}
}

// TestMarkdownProseCodeSpansStayInert renders the Markdown report, whose
// remediation holds paired and stray backticks around hostile text, with
// goldmark (GFM, linkify on): the paired commands become code and nothing
// else becomes markup.
func TestMarkdownProseCodeSpansStayInert(t *testing.T) {
	d := pullFailReport(t)
	d.Findings[0].Remediation = []string{"run `crictl pull a` then [x](http://evil) `b", "`<img src=x onerror=alert(1)>`"}
	var b bytes.Buffer
	if err := render.Markdown(&b, d); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	html := out.String()
	for _, bad := range []string{"<a ", "<img", "<code>crictl pull a</code>"} {
		if strings.Contains(html, bad) {
			t.Errorf("rendered Markdown has %s:\n%s", bad, html)
		}
	}
	// The stray backtick pairs with nothing: that line is all text.
	if !strings.Contains(html, "run `crictl pull a` then [x](http://evil) `b") {
		t.Errorf("the odd-backtick line does not read as its text:\n%s", html)
	}
	// Inside a code span markup is shown, never rendered.
	for _, want := range []string{"<code>&lt;img src=x onerror=alert(1)&gt;</code>"} {
		if !strings.Contains(html, want) {
			t.Errorf("rendered Markdown lacks %s:\n%s", want, html)
		}
	}
}

func TestHTMLLeadsWithVerdictAndLinksEvidence(t *testing.T) {
	var b bytes.Buffer
	if err := render.HTML(&b, pullFailReport(t)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// The top lines name the failing image: the catalog class that names the
	// pull's cause carries it (RT0402's "Pulling IMAGE fails" is folded into it).
	order := []string{`id="verdict"`, `id="top"`, "image 192.168.72.15/kubesphereio/pause:3.8", `id="toc"`, `id="findings"`, `id="f-1"`, `id="timeline"`, `id="collection"`}
	last := -1
	for _, w := range order {
		i := strings.Index(out, w)
		if i < 0 || i < last {
			t.Fatalf("%q missing or out of order (want %v)", w, order)
		}
		last = i
	}
	// F1's evidence is the journal line: its time links to that event's row,
	// and the row links back.
	m := regexp.MustCompile(`<a class="when" href="#ev-(\d+)"[^>]*>2026-11-24T09:28:00.000Z on the timeline</a>`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("F1's evidence has no link to its moment:\n%s", out[strings.Index(out, `id="f-1"`):][:2000])
	}
	if !regexp.MustCompile(`<tr id="ev-` + m[1] + `"><td><code>2026-11-24T09:28:00.000Z</code> <a href="#f-1">F1</a>`).MatchString(out) {
		t.Errorf("event row ev-%s missing or not linked back to F1", m[1])
	}
	if !strings.Contains(out, `<text class="mark"`) || !strings.Contains(out, `id="chart-legend"`) {
		t.Error("chart has no finding marks or no legend")
	}
	if !strings.Contains(out, "@media print") || !strings.Contains(out, "details::details-content") {
		t.Error("no print stylesheet expanding details")
	}
	if !regexp.MustCompile(`<code>crictl [^<]*pull 192.168.72.15/kubesphereio/pause:3.8</code>`).MatchString(out) {
		t.Error("remediation command not shown as code")
	}
	// The collector's own events are out of the table unless evidence points at one.
	if strings.Contains(out, "source-started") {
		t.Error("collector events in the report's timeline")
	}
}

func TestHTMLHealthyVerdict(t *testing.T) {
	a := load(t, bundletest.Healthy(), "h.tar.zst")
	var b bytes.Buffer
	if err := render.HTML(&b, render.NewReportDoc(a, timeline.Build(a.Node, timeline.DefaultExtractors(), timeline.Filter{}), nil)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, `class="v-ok"`) || !strings.Contains(out, "No problem found") || strings.Contains(out, `id="top"`) {
		t.Errorf("healthy verdict wrong:\n%s", out[strings.Index(out, `id="verdict"`):][:600])
	}
}

// TestHTMLHistoryIsNotBrokenNow: the same pull failure three hours before
// the collection is history: out of "what is broken now", counted apart.
func TestHTMLHistoryIsNotBrokenNow(t *testing.T) {
	for _, c := range []struct {
		at    time.Duration
		phase string
		top   bool
	}{{-2 * time.Minute, "recent", true}, {-3 * time.Hour, "history", false}} {
		d := reportOf(t, pullFailAt(bundletest.T0.Add(c.at)))
		var b bytes.Buffer
		if err := render.HTML(&b, d); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.Contains(out, `<span class="ph ph-`+c.phase+`">`+c.phase+`</span>`) {
			t.Errorf("%v: no %s badge", c.at, c.phase)
		}
		if got := strings.Contains(out, `<ol id="top">`); got != c.top {
			t.Errorf("%v: top list present = %v, want %v", c.at, got, c.top)
		}
		if !c.top && (!strings.Contains(out, "No problem found now") || !strings.Contains(out, "more only in older logs")) {
			t.Errorf("%v: verdict does not set history apart:\n%s", c.at, out[strings.Index(out, `id="verdict"`):][:500])
		}
	}
}
