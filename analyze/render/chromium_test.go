package render_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze/render"
)

const chromium = "/usr/bin/chromium"

func chromiumArgs(profile string, extra ...string) []string {
	return append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
		"--enable-logging=stderr", "--v=0"}, extra...)
}

// TestHTMLInChromium opens the report in Debian's headless Chromium: the DOM
// after scripts ran must hold the findings and the timeline SVG, and the
// console must be free of errors. It skips without Chromium unless CI=true.
func TestHTMLInChromium(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium is required in CI: %v", err)
		}
		t.Skip("no " + chromium)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var b bytes.Buffer
	if err := render.HTML(&b, report(t, hostileSpec(), true)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page

	dom, stderr := runChromium(t, chromiumArgs(filepath.Join(dir, "p1"), "--dump-dom", url)...)
	for _, want := range []string{`data-ready="1"`, "RT1501-source-timed-out", `id="timeline-chart"`, "<circle", "sources[cri].status"} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
	if strings.Contains(dom, "<script>alert") {
		t.Error("hostile text became markup in the DOM")
	}
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "CONSOLE") || strings.Contains(l, "Uncaught") || strings.Contains(l, "Content Security Policy") {
			t.Errorf("console: %s", l)
		}
	}

	shot := filepath.Join(dir, "report.png")
	runChromium(t, chromiumArgs(filepath.Join(dir, "p2"), "--window-size=1280,2000", "--screenshot="+shot, url)...)
	st, err := os.Stat(shot)
	if err != nil || st.Size() < 1000 {
		t.Fatalf("no screenshot: %v", err)
	}
	if out := os.Getenv("RTSNAP_SCREENSHOT_DIR"); out != "" {
		copyFile(t, shot, filepath.Join(out, "report-screenshot.png"))
		copyFile(t, page, filepath.Join(out, "report.html"))
	}
}

func runChromium(t *testing.T, args ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
	}
	return out.String(), errb.String()
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
