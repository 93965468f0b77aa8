package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/bundletest"
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// fixtures writes the healthy, timed-out and tampered bundles into one directory.
func fixtures(t *testing.T) (dir, healthy, timedOut, tampered string) {
	dir = t.TempDir()
	healthy = bundletest.Write(t, dir, "a-healthy.tar.zst", bundletest.Healthy())
	timedOut = bundletest.Write(t, dir, "b-timed-out.tar.zst", bundletest.TimedOut())
	tdir := t.TempDir()
	tampered = bundletest.Write(t, tdir, "c-tampered.tar.zst", bundletest.Healthy())
	bundletest.FlipByte(t, tampered)
	return dir, healthy, timedOut, tampered
}

func TestVerifyExitCodes(t *testing.T) {
	_, healthy, _, tampered := fixtures(t)
	if code, out, _ := runCmd("verify", healthy); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("healthy: exit %d, %s", code, out)
	}
	code, out, _ := runCmd("verify", tampered)
	if code != 3 || !strings.Contains(out, "FAILED") || !strings.Contains(out, "sidecar-mismatch") {
		t.Fatalf("tampered: exit %d, %s", code, out)
	}
	code, out, _ = runCmd("verify", "--json", tampered)
	var doc struct {
		Schema   string `json:"schema"`
		OK       bool   `json:"ok"`
		Problems []struct{ Kind string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 3 || doc.OK || doc.Schema != "rtsnap-analyze/verify/v1" || len(doc.Problems) < 2 {
		t.Fatalf("tampered --json: exit %d, err %v, %s", code, err, out)
	}
}

func TestVerifyCatchesManifestMismatchWithoutSidecar(t *testing.T) {
	_, _, _, tampered := fixtures(t)
	os.Remove(tampered + ".sha256")
	if code, out, _ := runCmd("verify", tampered); code != 3 {
		t.Fatalf("exit %d, %s", code, out)
	}
}

func TestInspect(t *testing.T) {
	_, healthy, timedOut, tampered := fixtures(t)
	code, out, _ := runCmd("inspect", healthy)
	if code != 0 || !strings.Contains(out, "node-a") || !strings.Contains(out, "findings   none") {
		t.Fatalf("healthy: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd("inspect", timedOut)
	if code != 1 || !strings.Contains(out, "TIMEOUT") || !strings.Contains(out, "RT1501-source-timed-out") {
		t.Fatalf("timed out: exit %d\n%s", code, out)
	}
	code, _, errOut := runCmd("inspect", tampered)
	if code != 3 || !strings.Contains(errOut, "verify") {
		t.Fatalf("tampered: exit %d, stderr %s", code, errOut)
	}
}

func TestFindingsMatrixOverDirectory(t *testing.T) {
	dir, _, _, tampered := fixtures(t)
	// a tampered bundle among good ones: its row says unreadable, exit 3
	data, _ := os.ReadFile(tampered)
	os.WriteFile(filepath.Join(dir, "c-tampered.tar.zst"), data, 0o600)
	code, out, _ := runCmd("findings", dir)
	if code != 3 || !strings.Contains(out, "RT1501") || !strings.Contains(out, "UNREADABLE") || !strings.Contains(out, "W1") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, out, _ = runCmd("findings", "--json", dir)
	var doc struct {
		Schema  string            `json:"schema"`
		Bundles []json.RawMessage `json:"bundles"`
		Matrix  struct{ Nodes []json.RawMessage }
		Exit    int `json:"exit_code"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Schema != "rtsnap-analyze/findings/v1" || len(doc.Bundles) != 3 || len(doc.Matrix.Nodes) != 3 || doc.Exit != 3 || code != 3 {
		t.Fatalf("json: exit %d err %v\n%s", code, err, out)
	}
}

func TestFindingsSingle(t *testing.T) {
	_, healthy, timedOut, _ := fixtures(t)
	if code, out, _ := runCmd("findings", healthy); code != 0 || !strings.Contains(out, "none") {
		t.Fatalf("healthy: exit %d\n%s", code, out)
	}
	code, out, _ := runCmd("findings", timedOut)
	if code != 1 || !strings.Contains(out, "evidence: manifest.json#/sources/1") || !strings.Contains(out, "fix: ") {
		t.Fatalf("timed out: exit %d\n%s", code, out)
	}
}

func TestDiff(t *testing.T) {
	_, healthy, timedOut, _ := fixtures(t)
	code, out, _ := runCmd("diff", healthy, timedOut)
	if code != 1 || !strings.Contains(out, "sources[cri].status: ok -> timeout") || !strings.Contains(out, "+    SystemdCgroup = true") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, volatile := range []string{"started_at", "duration_ms", "peak_rss"} {
		if strings.Contains(out, volatile) {
			t.Errorf("volatile field %s in diff:\n%s", volatile, out)
		}
	}
	if _, out, _ := runCmd("diff", "--all", healthy, timedOut); !strings.Contains(out, "duration_ms") {
		t.Errorf("--all lacks volatile fields:\n%s", out)
	}
	if code, out, _ := runCmd("diff", healthy, healthy); code != 0 || !strings.Contains(out, "no differences") {
		t.Errorf("self diff: exit %d\n%s", code, out)
	}
}

func TestTimelineAndReport(t *testing.T) {
	_, healthy, timedOut, _ := fixtures(t)
	code, out, _ := runCmd("timeline", "--pod", "web-cd16", healthy)
	if code != 0 || !strings.Contains(out, "RunPodSandbox") || strings.Contains(out, "collection-started") {
		t.Fatalf("timeline: exit %d\n%s", code, out)
	}
	html := filepath.Join(t.TempDir(), "r.html")
	if code, _, errOut := runCmd("report", "--against", healthy, "-o", html, timedOut); code != 0 {
		t.Fatalf("report: exit %d %s", code, errOut)
	}
	b, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(b), "timeline-chart") || !strings.Contains(string(b), `id="diff"`) {
		t.Fatalf("report html: %v", err)
	}
	if code, out, _ := runCmd("report", "--markdown", timedOut); code != 0 || !strings.Contains(out, "## rtsnap report") {
		t.Fatalf("markdown: exit %d\n%s", code, out)
	}
	if code, out, _ := runCmd("report", "--json", timedOut); code != 0 || !strings.Contains(out, `"rtsnap-analyze/report/v1"`) {
		t.Fatalf("report json: exit %d", code)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"bogus"}, {"verify"}, {"diff", "a"}, {"inspect", "--nope", "x"}, {"report", "--markdown", "--json", "x"}, {"export", "x"}, {"export", "--audit", "d"}} {
		if code, _, _ := runCmd(args...); code != 64 {
			t.Errorf("%v: exit %d, want 64", args, code)
		}
	}
	if code, out, _ := runCmd("--version"); code != 0 || !strings.Contains(out, "rtsnap-analyze") {
		t.Errorf("--version: %d %s", code, out)
	}
	if code, out, _ := runCmd("findings", "--help"); code != 0 || !strings.Contains(out, "Exit codes") {
		t.Errorf("--help: %d %s", code, out)
	}
	if code, _, _ := runCmd("inspect", "/nonexistent.tar.zst"); code != 3 {
		t.Errorf("missing file: exit %d", code)
	}
}
