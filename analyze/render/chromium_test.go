package render_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/analyze/timeline"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// chromium is Debian's package (lab/lab.sh install puts it there).
const chromium = "/usr/bin/chromium"

// requireTool finds a program the browser tests need: missing, the test
// fails under CI=true (CI must never skip) and skips elsewhere.
func requireTool(t *testing.T, path string) string {
	t.Helper()
	p, err := exec.LookPath(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI (bash lab/lab.sh install installs it): %v", path, err)
		}
		t.Skipf("no %s (bash lab/lab.sh install installs it)", path)
	}
	return p
}

// browser starts one headless Chromium for a test with the flags this
// machine needs (no sandbox as root, no network of its own, a fresh profile).
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := requireTool(t, chromium)
	var out bytes.Buffer
	actx, cancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.CombinedOutput(&out),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true))
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		bcancel()
		cancel()
	})
	// Start the browser now, so a broken install fails here. The first
	// action's context owns the browser's life, so it is bctx itself, and
	// the deadline is a timer that cancels it.
	timer := time.AfterFunc(60*time.Second, bcancel)
	err := chromedp.Do(bctx, chromedp.Navigate("about:blank"))
	if !timer.Stop() {
		err = fmt.Errorf("no answer in 60s: %w", err)
	}
	if err != nil {
		t.Fatalf("starting %s: %v\n%s", exe, err, out.String())
	}
	return bctx
}

// shotDir is where screenshots and PDFs go for people to look at: never
// committed, on a tmpfs unless RTSNAP_SCREENSHOT_DIR says otherwise.
func shotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RTSNAP_SCREENSHOT_DIR")
	if dir == "" {
		dir = "/dev/shm/rtsnap-report-shots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// console collects what the page writes to its console.
type console struct {
	mu   sync.Mutex
	msgs []chromedp.ConsoleMessage
}

func (c *console) bad() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, m := range c.msgs {
		if m.IsException() || m.Type == chromedp.ConsoleType("error") || m.Type == chromedp.ConsoleType("warning") {
			out = append(out, m.String())
		}
	}
	return out
}

// js evaluates expr in the page under a deadline.
func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(cctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// checkReport renders d, opens it in a new tab at 1280x800 and checks what a
// person does with it: the worst finding in the first screen, evidence that
// opens in place, a time that scrolls the timeline to its row, no console
// errors, and a printed PDF that keeps every finding and excerpt. It writes
// NAME.html, NAME-first.png, NAME-timeline.png (after the click),
// NAME-chart.png, NAME-full.png and NAME.pdf to out. It reports whether a
// finding's time could be clicked (a report may have no timed evidence).
func checkReport(t *testing.T, bctx context.Context, d render.ReportDoc, out, name string) (clickedTime bool) {
	t.Helper()
	var page bytes.Buffer
	if err := render.HTML(&page, d); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(out, name+".html")
	if err := os.WriteFile(file, page.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	tab, closeTab := chromedp.NewContext(bctx)
	defer closeTab()
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	var cons console
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			cons.mu.Lock()
			cons.msgs = append(cons.msgs, m)
			cons.mu.Unlock()
		}
	}()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate("file://"+file)); err != nil {
		t.Fatalf("%s: opening the report: %v", name, err)
	}
	// The page's script marks the body when it has run; a script that
	// failed never does, and its console says why.
	lctx, lcancel := context.WithTimeout(ctx, 20*time.Second)
	defer lcancel()
	if err := chromedp.Do(lctx, chromedp.WaitReady(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
		t.Fatalf("%s: the page's script did not finish: %v; console: %q", name, err, cons.bad())
	}
	first, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	writeShot(t, filepath.Join(out, name+"-first.png"), first)

	// The first screen: the verdict and the worst finding, whole.
	// What is broken now: the first finding at warning or above that is not
	// only in older logs (findings are sorted by phase, then severity).
	want := "No problem found"
	for _, f := range d.Findings {
		if f.Severity >= finding.Warning && f.When != finding.History {
			want = f.Title
			break
		}
	}
	seen := js[string](t, ctx, `(() => { const e = document.querySelector('#top li') || document.querySelector('#verdict .headline');
		const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight && r.right <= innerWidth ? e.textContent : "not in the first viewport: " + JSON.stringify(r); })()`)
	if !strings.Contains(seen, want) {
		t.Errorf("%s: first screen shows %q, want the worst finding %q", name, seen, want)
	}

	// Evidence opens in place: the excerpt is not rendered until clicked.
	for i, f := range d.Findings {
		j := evidenceWithExcerpt(f)
		if j < 0 {
			continue
		}
		sel := fmt.Sprintf("#f-%d-e%d", i+1, j)
		if js[bool](t, ctx, `document.querySelector('`+sel+` pre').checkVisibility()`) {
			t.Errorf("%s: excerpt %s shown before the click", name, sel)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(sel+" > summary"))); err != nil {
			t.Fatalf("%s: clicking %s: %v", name, sel, err)
		}
		got := js[string](t, ctx, `(() => { const p = document.querySelector('`+sel+` pre'); return p.checkVisibility() && p.offsetHeight > 0 ? p.textContent : ""; })()`)
		if got != f.Evidence[j].Excerpt {
			t.Errorf("%s: after clicking %s the excerpt shown is %q, want %q", name, sel, got, f.Evidence[j].Excerpt)
		}
		break
	}

	// A finding's time scrolls the page and the table to its event's row.
	href := js[string](t, ctx, `(() => { const a = document.querySelector('.finding a.when[href^="#ev-"]'); return a ? a.getAttribute('href') : ""; })()`)
	if href != "" {
		before := js[float64](t, ctx, `scrollY`)
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.finding a.when[href="`+href+`"]`)), chromedp.Sleep(300*time.Millisecond)); err != nil {
			t.Fatalf("%s: clicking the time %s: %v", name, href, err)
		}
		state := js[string](t, ctx, `(() => { const r = document.querySelector('`+href+`'); const b = r.getBoundingClientRect();
			const s = document.getElementById('events-scroll').getBoundingClientRect();
			return [location.hash, r.classList.contains('hit'), b.top >= 0 && b.bottom <= innerHeight, b.top >= s.top && b.bottom <= s.bottom].join(' '); })()`)
		if state != href+" true true true" {
			t.Errorf("%s: after clicking %s: hash, row lit, row in the window, row in the table's view = %q", name, href, state)
		}
		if after := js[float64](t, ctx, `scrollY`); after <= before {
			t.Errorf("%s: clicking a time did not scroll down to the timeline (scrollY %v -> %v)", name, before, after)
		}
		at, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		writeShot(t, filepath.Join(out, name+"-timeline.png"), at)
		clickedTime = true
	}

	// The chart and its legend, as a person scrolling to the timeline sees them.
	js[bool](t, ctx, `(() => { document.getElementById('timeline').scrollIntoView(); return true; })()`)
	chart, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	writeShot(t, filepath.Join(out, name+"-chart.png"), chart)

	full, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	writeShot(t, filepath.Join(out, name+"-full.png"), full)

	// Reset the page (closed details, filters on) and print it as a person
	// attaching it to a ticket would: every finding, every excerpt.
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file), chromedp.WaitReady(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
		t.Fatal(err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	if err != nil {
		t.Fatalf("%s: printing to PDF: %v", name, err)
	}
	pdfFile := filepath.Join(out, name+".pdf")
	writeShot(t, pdfFile, pdf)
	checkPDF(t, ctx, pdfFile, d, name)

	for _, m := range cons.bad() {
		t.Errorf("%s: console: %s", name, m)
	}
	t.Logf("%s: %s-{first,timeline,chart,full}.png, %s.pdf in %s", name, name, name, out)
	return clickedTime
}

func evidenceWithExcerpt(f finding.Finding) int {
	for j, e := range f.Evidence {
		if e.Excerpt != "" {
			return j
		}
	}
	return -1
}

// checkPDF reads the PDF's text with pdftotext and finds every finding's
// header (the last "F<n> SEVERITY title RULE-ID": the index table comes
// first) and each of its excerpts between it and the next finding's, so an
// excerpt left closed in print is missed even when the first screen quotes
// it too. Whitespace is dropped on both sides: the printed page wraps lines
// where it likes. -raw keeps the text in the order it was drawn (the layout
// mode splits a line at a run of spaces, as in a klog line, into columns).
func checkPDF(t *testing.T, ctx context.Context, file string, d render.ReportDoc, name string) {
	t.Helper()
	bin := requireTool(t, "pdftotext")
	out, err := exec.CommandContext(ctx, bin, "-raw", "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v", file, err)
	}
	text := squeeze(string(out))
	starts := make([]int, len(d.Findings)+1)
	for i, f := range d.Findings {
		starts[i] = strings.LastIndex(text, squeeze(fmt.Sprintf("F%d %s %s %s", i+1, strings.ToUpper(f.Severity.String()), f.Title, f.ID)))
		if starts[i] < 0 {
			t.Errorf("%s: the PDF lacks finding F%d %q", name, i+1, f.Title)
		}
	}
	starts[len(d.Findings)] = len(text)
	for i, f := range d.Findings {
		if starts[i] < 0 {
			continue
		}
		end := len(text)
		for _, s := range starts[i+1:] {
			if s > starts[i] {
				end = s
				break
			}
		}
		for _, e := range f.Evidence {
			if e.Excerpt == "" {
				continue
			}
			if start := strings.TrimSuffix(squeeze(finding.Cut(e.Excerpt, 60)), "…"); !strings.Contains(text[starts[i]:end], start) {
				t.Errorf("%s: the PDF lacks F%d's excerpt %q in place (details not expanded in print?)", name, i+1, finding.Cut(e.Excerpt, 60))
			}
		}
	}
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

func writeShot(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHTMLInChromium opens a fixture report whose every string is hostile
// (the lab cannot make such a node) with a diff: nothing becomes markup,
// and the page behaves as on a real one.
func TestHTMLInChromium(t *testing.T) {
	bctx := browser(t)
	d := report(t, hostileSpec(), true)
	checkReport(t, bctx, d, shotDir(t), "fixture-hostile")
	tab, cancel := chromedp.NewContext(bctx)
	defer cancel()
	ctx, cancel2 := context.WithTimeout(tab, time.Minute)
	defer cancel2()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+filepath.Join(shotDir(t), "fixture-hostile.html")),
		chromedp.WaitReady(chromedp.CSS(`body[data-ready="1"]`))); err != nil {
		t.Fatal(err)
	}
	if n := js[int](t, ctx, `document.querySelectorAll('script').length`); n != 1 {
		t.Errorf("page has %d scripts, want only its own", n)
	}
	if h := js[string](t, ctx, `document.querySelector('header h1').textContent`); !strings.Contains(h, "<script>alert(1)</script>") {
		t.Errorf("hostile hostname not shown as text: %q", h)
	}
}

// labFaults are the lab's fault scenarios (lab/lab.sh fault NAME) with the
// --since window their rules read, as analyze/rules' lab tests use them.
var labFaults = []struct{ name, since string }{
	{"paused", "1s"}, {"dead", "1s"}, {"crashloop", "5m"}, {"pullfail", "5m"}, {"down", "1s"}, {"hang", "1s"},
}

// TestLabReportsInChromium collects a bundle from the healthy lab and one
// per fault with the real collector, renders each fault's report against
// the healthy one (the diff near the top) and checks each in Chromium.
func TestLabReportsInChromium(t *testing.T) {
	// Each subtest takes the lab (and a fault's exclusive lock) itself: a
	// lock held here would deadlock the faults.
	if testing.Short() {
		t.Skip("integration test: needs the runtime lab")
	}
	bctx := browser(t)
	bin := buildCollector(t)
	out := shotDir(t)
	var healthy *analyze.Analysis
	clicked := 0
	t.Run("healthy", func(t *testing.T) {
		env := lab.Require(t)
		// The baseline, with the faults' short window, so diffs show the fault.
		healthy = collect(t, bin, env, "1s")
		d := render.NewReportDoc(healthy, timeline.Build(healthy.Node, timeline.DefaultExtractors(), timeline.Filter{}), nil)
		if checkReport(t, bctx, d, out, "lab-healthy") {
			clicked++
		}
	})
	t.Run("journal", func(t *testing.T) {
		env := lab.Require(t)
		// The whole journal window: the lab's journal lines give findings with timed evidence.
		a := collect(t, bin, env, "720h")
		d := render.NewReportDoc(a, timeline.Build(a.Node, timeline.DefaultExtractors(), timeline.Filter{}), nil)
		if checkReport(t, bctx, d, out, "lab-journal") {
			clicked++
		}
	})
	if healthy == nil {
		t.Fatal("no healthy lab bundle to diff against")
	}
	for _, f := range labFaults {
		t.Run(f.name, func(t *testing.T) {
			env := lab.Require(t)
			extra := []string{}
			if f.name == "hang" {
				extra = append(extra, "--runtime-endpoint", env["RTSNAP_LAB_HANG_SOCK"], "--call-timeout", "2s")
			}
			lab.Fault(t, f.name)
			a := collect(t, bin, env, f.since, extra...)
			dd := render.NewDiffDoc(healthy, a, false, diff.Compare(healthy.Node, a.Node, healthy.Findings, a.Findings, diff.DefaultDiffers(), diff.Options{}))
			d := render.NewReportDoc(a, timeline.Build(a.Node, timeline.DefaultExtractors(), timeline.Filter{}), &dd)
			if checkReport(t, bctx, d, out, "lab-"+f.name) {
				clicked++
			}
		})
	}
	if clicked == 0 {
		t.Error("no lab report had a finding with a time to click: the timeline links went untested")
	}
}

// buildCollector builds cmd/rtsnap into the test's temporary directory.
func buildCollector(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rtsnap")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/rtsnap")
	cmd.Dir = filepath.Join("..", "..")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building rtsnap: %v\n%s", err, b)
	}
	return bin
}

// collect runs the collector against the lab into a tmpfs directory and
// analyzes the one bundle it wrote.
func collect(t *testing.T, bin string, env lab.Env, since string, extra ...string) *analyze.Analysis {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "rtsnap-render-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	args := append([]string{"collect", "--output", dir, "--since", since, "--journal-dir", env["RTSNAP_LAB_JOURNAL_DIR"],
		"--runtime-endpoint", env["RTSNAP_LAB_CD16_SOCK"], "--runtime-endpoint", env["RTSNAP_LAB_CD17_SOCK"],
		"--runtime-endpoint", env["RTSNAP_LAB_CD2_SOCK"]}, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if b, err := exec.CommandContext(ctx, bin, args...).CombinedOutput(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("rtsnap collect: %v\n%s", err, b)
		}
		// A partial collection (a runtime down or hung) still writes its bundle.
		t.Logf("rtsnap collect: %v", err)
	}
	found, _ := filepath.Glob(filepath.Join(dir, "*.tar.zst"))
	if len(found) != 1 {
		t.Fatalf("want one bundle in %s, got %v", dir, found)
	}
	a, err := analyze.Load(found[0], analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Path = filepath.Base(found[0])
	return a
}
