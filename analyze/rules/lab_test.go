package rules_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// rtsnapBin is the collector built once for the lab tests (empty under -short).
var rtsnapBin string

func TestMain(m *testing.M) {
	code := func() int {
		if !isShort() {
			dir, err := os.MkdirTemp("", "rtsnap-analyze-lab-")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer os.RemoveAll(dir)
			rtsnapBin = filepath.Join(dir, "rtsnap")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "go", "build", "-o", rtsnapBin, "./cmd/rtsnap")
			cmd.Dir = filepath.Join("..", "..")
			if out, err := cmd.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "building rtsnap: %v\n%s", err, out)
				rtsnapBin = ""
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

func isShort() bool {
	for _, a := range os.Args {
		if a == "-test.short" || a == "-test.short=true" {
			return true
		}
	}
	return false
}

// collectLab runs the real collector against the lab and analyzes the bundle.
func collectLab(t *testing.T, env lab.Env, since string, extra ...string) *analyze.Analysis {
	t.Helper()
	if rtsnapBin == "" {
		t.Fatal("rtsnap binary was not built (see TestMain output)")
	}
	// rtsnap writes only to tmpfs.
	out, err := os.MkdirTemp("/dev/shm", "rtsnap-analyze-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(out) })
	// --timeout under the test's own 3 min: the default 60 s was reached at a
	// load of 80 (four engineers' tests and a benchmark at once), and sources
	// still running at --timeout are cut, which these tests would read as a
	// fault.
	args := []string{"collect", "--json", "--output", out, "--since", since, "--timeout", "150s",
		"--runtime-endpoint", env["RTSNAP_LAB_CD16_SOCK"], "--runtime-endpoint", env["RTSNAP_LAB_CD17_SOCK"],
		"--runtime-endpoint", env["RTSNAP_LAB_CD2_SOCK"], "--journal-dir", env["RTSNAP_LAB_JOURNAL_DIR"],
	}
	args = append(args, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rtsnapBin, args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		// A partial collection (a runtime down) still writes a bundle.
		t.Logf("rtsnap collect: %v\n%s", err, finding.Cut(string(b), 2000))
	}
	bundles, _ := filepath.Glob(filepath.Join(out, "*.tar.zst"))
	if len(bundles) != 1 {
		t.Fatalf("want one bundle in %s, got %v", out, bundles)
	}
	a, err := analyze.Load(bundles[0], analyze.Options{})
	if err != nil {
		t.Fatalf("analyzing the lab bundle: %v", err)
	}
	for _, pe := range a.Node.ParseErrors {
		t.Errorf("parse error on a real bundle: %+v", pe)
	}
	return a
}

func findingsWith(a *analyze.Analysis, id string) []finding.Finding {
	var out []finding.Finding
	for _, f := range a.Findings {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}

// requireFinding asserts a finding of rule id whose title, subject or
// explanation contains every want string.
func requireFinding(t *testing.T, a *analyze.Analysis, id string, want ...string) finding.Finding {
	t.Helper()
	for _, f := range findingsWith(a, id) {
		text := f.Title + " " + f.Subject.String() + " " + f.Explanation + " " + strings.Join(f.References, " ")
		ok := true
		for _, w := range want {
			if !strings.Contains(text, w) {
				ok = false
			}
		}
		if ok {
			if len(f.Evidence) == 0 {
				t.Errorf("%s fired without evidence", id)
			}
			return f
		}
	}
	var got []string
	for _, f := range a.Findings {
		got = append(got, f.ID+": "+f.Title)
	}
	t.Fatalf("no %s finding mentioning %q; findings:\n%s", id, want, strings.Join(got, "\n"))
	return finding.Finding{}
}

// stateRules fire from the runtime's state (not the lab's static journal);
// a healthy lab bundle must have none of them.
var stateRules = []string{
	"RT0101-endpoint-unreachable", "RT0102-endpoint-missing", "RT0103-runtime-calls-timed-out",
	"RT0201-running-but-init-gone", "RT0202-container-task-unreachable",
	"RT0301-frozen-while-running", "RT0302-container-paused", "RT0303-freeze-stuck",
	"RT0401-crashloop", "RT0402-image-pull-failed", "RT0403-sandbox-not-ready", "RT0404-network-not-ready",
	"RT0405-container-create-error", "RT1001-metadb-check-failed", "RT1201-container-oom-killed", "RT0503-pids-limit-reached",
	"RT0901-disk-pressure", "RT0902-inode-pressure", "RT0803-socket-permissions",
	// Fixture-only rules (testdata/README.md) must stay quiet on the real lab too.
	"RT0501-cgroup-driver-mismatch", "RT0601-sandbox-image-mismatch", "RT0802-kubelet-endpoint-not-cri",
	"RT0801-kubelet-endpoint-missing", "RT0804-kubelet-not-running", "RT0703-registry-skip-verify", "RT0903-no-space-left",
	"RT1101-lease-holds-content", "RT1103-stale-ingests", "RT1323-no-space-left",
}

func TestLabHealthyQuiet(t *testing.T) {
	env := lab.Require(t)
	// A one-second window keeps earlier fault runs' log lines out: the
	// state rules must be quiet on the lab as it is now.
	a := collectLab(t, env, "1s")
	for _, id := range stateRules {
		for _, f := range findingsWith(a, id) {
			// Log-only findings (recent, history) are the daemons' logs of
			// whatever else uses the lab meanwhile, not its state.
			if f.When == finding.Recent || f.When == finding.History {
				continue
			}
			t.Errorf("healthy lab: %s fired: %s (%s)", id, f.Title, f.Subject)
		}
	}
	// The join table sees every lab pod through CRI, containerd, runc and cgroup.
	for _, pod := range []string{"web-cd16", "web-cd17", "web-cd2"} {
		found := false
		for _, c := range a.Node.Containers {
			if c.Pod == pod && c.Name == "app" {
				found = true
				if c.CRI == nil || c.Containerd == nil || c.Task == nil || c.Runc == nil || c.Cgroup == nil {
					t.Errorf("%s/app not joined across sources: cri=%v containerd=%v task=%v runc=%v cgroup=%v", pod, c.CRI != nil, c.Containerd != nil, c.Task != nil, c.Runc != nil, c.Cgroup != nil)
				}
			}
		}
		if !found {
			t.Errorf("pod %s/app missing from the join table", pod)
		}
	}
}

func TestLabJournalAndConfig(t *testing.T) {
	env := lab.Require(t)
	a := collectLab(t, env, "720h")
	requireFinding(t, a, "RT1202-kernel-oom-kill", "memory cgroup", "stress (pid 4242)")
	requireFinding(t, a, "RT1309-cni-not-initialized")
	requireFinding(t, a, "RT1321-registry-connection-refused", "127.0.0.1:1")
	requireFinding(t, a, "RT0502-cgroup-v1-deprecated", "cd2", "2.2.1")
	requireFinding(t, a, "RT0701-registry-inline-config", "registry.lab.example", "pid")
	requireFinding(t, a, "RT1401-vulnerable-version", "containerd 1.6.20", "containerd-10589", "1.6.36")
	// Debian's runc 1.1.5+ds1-1+deb12u1 carries the CVE-2024-21626 fix
	// (its changelog says so; host/packages.json has the revision): not reported.
	for _, f := range findingsWith(a, "RT1401-vulnerable-version") {
		if strings.Contains(f.Title, "runc") && strings.Contains(f.Title, "CVE-2024-21626") {
			t.Errorf("Debian's fixed runc reported: %s (%s)", f.Title, f.Explanation)
		}
	}
	for _, f := range findingsWith(a, "RT0502-cgroup-v1-deprecated") {
		if strings.Contains(f.Subject.Endpoint, "cd16") || strings.Contains(f.Subject.Endpoint, "cd17") {
			t.Errorf("cgroup v1 deprecation on containerd 1.x: %s", f.Title)
		}
	}
	for _, f := range findingsWith(a, "RT0701-registry-inline-config") {
		if !strings.Contains(f.Subject.Endpoint, "cd16") {
			t.Errorf("inline registry config reported for a daemon using config_path: %s %s", f.Title, f.Subject)
		}
	}
}

func TestLabFaultDown(t *testing.T) {
	env := lab.Require(t)
	lab.Fault(t, "down")
	a := collectLab(t, env, "1s")
	pinTopFindings(t, a, "down", "RT0101-endpoint-unreachable", "RT0102-endpoint-missing")
	fs := append(findingsWith(a, "RT0101-endpoint-unreachable"), findingsWith(a, "RT0102-endpoint-missing")...)
	for _, f := range fs {
		if strings.Contains(f.Subject.Endpoint, "cd17") {
			return
		}
	}
	t.Fatalf("cd17 down: no RT0101/RT0102 for it; findings: %v", ids(a))
}

func TestLabFaultHang(t *testing.T) {
	env := lab.Require(t)
	lab.Fault(t, "hang")
	a := collectLab(t, env, "1s", "--runtime-endpoint", env["RTSNAP_LAB_HANG_SOCK"], "--call-timeout", "2s")
	pinTopFindings(t, a, "hang", "RT0101-endpoint-unreachable", "RT0103-runtime-calls-timed-out")
	for _, id := range []string{"RT0101-endpoint-unreachable", "RT0103-runtime-calls-timed-out"} {
		for _, f := range findingsWith(a, id) {
			if strings.Contains(f.Subject.Endpoint, "hang") && strings.Contains(f.Explanation, "deadline exceeded") {
				return
			}
		}
	}
	t.Fatalf("hung socket: no deadline-exceeded finding for it; findings: %v", ids(a))
}

func TestLabFaultDead(t *testing.T) {
	env := lab.Require(t)
	out := lab.Fault(t, "dead")
	a := collectLab(t, env, "1s")
	pinTopFindings(t, a, "dead", "RT0201-running-but-init-gone")
	id := ""
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, "container="); ok {
			id = v
		}
	}
	f := requireFinding(t, a, "RT0201-running-but-init-gone", "cd16", "containerd-10589", "1.6.36")
	if f.Severity != finding.Critical {
		t.Errorf("desync severity %s, want critical", f.Severity)
	}
	victim := false
	for _, f := range findingsWith(a, "RT0201-running-but-init-gone") {
		if f.Subject.Pod == "victim" || (id != "" && strings.Contains(f.Title+f.Explanation, id[:12])) {
			victim = true
		}
	}
	if !victim {
		t.Errorf("no desync finding names the victim (container %s)", id)
	}
}

func TestLabFaultPaused(t *testing.T) {
	env := lab.Require(t)
	lab.Fault(t, "paused")
	a := collectLab(t, env, "1s")
	pinTopFindings(t, a, "paused", "RT0302-container-paused")
	requireFinding(t, a, "RT0302-container-paused", "native-sleeper")
	for _, f := range findingsWith(a, "RT0301-frozen-while-running") {
		t.Errorf("a paused-on-purpose container reported as frozen behind the runtime's back: %s", f.Title)
	}
}

func TestLabFaultCrashloop(t *testing.T) {
	env := lab.Require(t)
	lab.Fault(t, "crashloop")
	deadline := time.Now().Add(60 * time.Second)
	for {
		a := collectLab(t, env, "5m")
		for _, f := range findingsWith(a, "RT0401-crashloop") {
			if strings.Contains(f.Title, "crash") && strings.Contains(f.Title, "3 (") {
				pinTopFindings(t, a, "crashloop", "RT0401-crashloop")
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("crashloop: no RT0401 with exit code 3; findings: %v", ids(a))
		}
		time.Sleep(5 * time.Second) // the pod needs a second attempt to exit
	}
}

func TestLabFaultPullfail(t *testing.T) {
	env := lab.Require(t)
	lab.Fault(t, "pullfail")
	a := collectLab(t, env, "5m")
	pinTopFindings(t, a, "pullfail", "RT1321-registry-connection-refused")
	// One failed pull, one finding: the catalog's cause absorbs RT0402's
	// per-image finding (its evidence and its crictl pull command).
	f := requireFinding(t, a, "RT1321-registry-connection-refused", "127.0.0.1:1/rtsnap/missing:1")
	if !strings.Contains(strings.Join(f.Remediation, " "), "pull 127.0.0.1:1/rtsnap/missing:1") {
		t.Errorf("merged pull finding lacks the crictl pull command: %v", f.Remediation)
	}
	for _, f := range findingsWith(a, "RT0402-image-pull-failed") {
		if strings.Contains(f.Title, "127.0.0.1:1/rtsnap/missing:1") {
			t.Errorf("the failed pull is reported twice (RT0402 and RT1321): %s", f.Title)
		}
	}
}

func ids(a *analyze.Analysis) []string {
	var out []string
	for _, f := range a.Findings {
		out = append(out, f.ID+" "+f.Subject.String())
	}
	return out
}

func TestLabDiffPaused(t *testing.T) {
	env := lab.Require(t)
	before := collectLab(t, env, "1s")
	// Fault trades this test's shared lab lock for the exclusive one (a
	// subtest would deadlock on its parent's shared lock).
	lab.Fault(t, "paused")
	after := collectLab(t, env, "1s")
	r := diff.Compare(before.Node, after.Node, before.Findings, after.Findings, diff.DefaultDiffers(), diff.Options{})
	want := map[string][2]string{
		"run_rtsnap-lab_cd2_containerd rtsnap-native/native-sleeper.task":    {"RUNNING", "PAUSED"},
		"run_rtsnap-lab_cd2_containerd rtsnap-native/native-sleeper.freezer": {"THAWED", "FROZEN"},
	}
	for _, c := range r.Changes {
		if w, ok := want[c.Field]; ok && c.Before == w[0] && c.After == w[1] {
			delete(want, c.Field)
		}
		if volatile.MatchString(c.Field) || timestamp.MatchString(c.Before) || timestamp.MatchString(c.After) {
			t.Errorf("volatile field in diff without --all: %+v", c)
		}
	}
	for f, w := range want {
		t.Errorf("diff does not name the fault's change %s %s → %s; changes: %+v", f, w[0], w[1], r.Changes)
	}
	appeared := false
	for _, f := range r.Findings.Appeared {
		if f.ID == "RT0302-container-paused" {
			appeared = true
		}
	}
	if !appeared {
		t.Errorf("RT0302 did not appear in the diff's findings")
	}
}

var (
	volatile  = regexp.MustCompile(`(?i)(pid|started_at|finished_at|duration|bytes|usage|_ms$|peak)`)
	timestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d`)
)
