package rules_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// fromOtherLabs says a finding comes from the Kubernetes lab that may run
// beside this one (its kubelets log to journal/files/kubelet-lab-*.log and
// make pods in namespace k8slab): another engineer's lab, not this lab's
// faults. The golden lines and the healthy checks leave those out, and say so.
//
// The same holds for the runtimes the lab runs beside the containerd
// daemons whose faults these tests stage (CRI-O, dockerd 28, cri-dockerd:
// their own faults pull absent images too; the Kubernetes nodes' own
// instances of them, k8scrio, k8sdocker28, k8scri-dockerd; the scale lab's
// scale2), and for the kernel's OOM
// records: the ring buffer is the host's, holds every OOM fault any test
// staged (k8s-oom, crio-oom) until reboot, so whether it is there and how
// recent it is depends on test order, not on this fault.
var kubeletLabLog = regexp.MustCompile(`^journal/files/(kubelet-lab-|k8s(\d+|crio|docker28|cri-dockerd)[./_-]|crio[./_-]|docker28[./_-]|cri-dockerd[./_-]|scale2[./_-])`)

// hostKernel are the findings read from the host's kernel log alone.
var hostKernel = map[string]bool{"RT1202-kernel-oom-kill": true, "RT1345-memcg-oom": true}

func fromOtherLabs(f finding.Finding) bool {
	if strings.HasPrefix(f.Subject.Pod, "k8slab/") || strings.Contains(f.Title, "k8slab/") || hostKernel[f.ID] {
		return true
	}
	onlyKubeletLab := len(f.Evidence) > 0
	for _, e := range f.Evidence {
		// kubelets' logs, and the logs of the containerd daemons behind them
		// (k8s2, k8s17: the fleet tests' deliberately absent images)
		onlyKubeletLab = onlyKubeletLab && kubeletLabLog.MatchString(e.Path)
	}
	return onlyKubeletLab
}

// volatileInTitle is what changes between runs of the same fault.
var volatileInTitle = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b[0-9a-f]{12,64}\b`), "<id>"},
	{regexp.MustCompile(`\(\d+ (log record|attempt|line|time)s?\)`), "(N ${1}s)"},
	{regexp.MustCompile(`\bpid \d+\b`), "pid N"},
	{regexp.MustCompile(`\bran \d+ times?\b`), "ran N times"},
	{regexp.MustCompile(`\(x\d+\)|×\d+`), "×N"},
}

// pinTopFindings compares inspect's top finding lines (the first five, as
// `rtsnap-analyze inspect` prints them, volatile parts normalized) with
// testdata/golden/lab-top-NAME.txt, and checks the top one is the fault's
// cause. -update rewrites the file.
func pinTopFindings(t *testing.T, a *analyze.Analysis, name string, cause ...string) {
	t.Helper()
	kept := *a
	kept.Findings = nil
	left := 0
	for _, f := range a.Findings {
		// Log records from before the fault (recent, history) are what
		// other test packages staged minutes earlier (a pull failure on
		// cd16 stays recent for an hour), not this fault: the lines pin
		// the state and the fault's own records.
		//
		// Of the log findings only the fault's cause is pinned: which other
		// classes the same minutes' records fall in (another package's pull
		// or crash faults on the same daemon) depends on test order.
		if fromOtherLabs(f) || f.When == finding.Recent || f.When == finding.History || (f.Seen != nil && !contains(cause, f.ID)) {
			left++
			continue
		}
		kept.Findings = append(kept.Findings, f)
	}
	if left > 0 {
		t.Logf("%s: %d findings of the labs beside this one (kubelets, CRI-O, dockerd 28, the host kernel) or other log records left out of the golden lines", name, left)
	}
	if len(cause) > 0 {
		if len(kept.Findings) == 0 || !contains(cause, kept.Findings[0].ID) {
			var got []string
			for _, f := range kept.Findings {
				got = append(got, string(f.When)+" "+f.Severity.String()+" "+f.ID+": "+f.Title)
			}
			t.Errorf("%s: top finding is not the fault's cause %v:\n%s", name, cause, strings.Join(got, "\n"))
		}
	}
	var b bytes.Buffer
	render.InspectText(&b, render.NewInspectDoc(&kept))
	var lines []string
	inFindings := false
	for _, l := range strings.Split(b.String(), "\n") {
		switch {
		case strings.HasPrefix(l, "findings"):
			inFindings = true
		case inFindings && strings.HasPrefix(strings.TrimSpace(l), "rtsnap-analyze show "):
			// evidence commands: temporary bundle paths and list indexes
		case inFindings && strings.HasPrefix(l, "  ") && !strings.HasPrefix(strings.TrimSpace(l), "..."):
			for _, v := range volatileInTitle {
				l = v.re.ReplaceAllString(l, v.with)
			}
			lines = append(lines, strings.TrimRight(l, " "))
		case inFindings && !strings.HasPrefix(l, "  "):
			inFindings = false
		}
	}
	got := strings.Join(lines, "\n") + "\n"
	path := filepath.Join("..", "testdata", "golden", "lab-top-"+name+".txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./analyze/rules -run Lab -update against the lab)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s: inspect's top lines differ from %s (-want +got):\n%s", name, path, d)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestLabHealthyHasNoErrors: a bundle of the healthy lab, seeded journal
// history included, has no finding at error or above (findings about
// kubelet-made pods aside), the seeded lines show as history or resolved,
// and the Debian revisions the lab runs are not reported for the CVEs their
// changelogs fix: the revision is read from the bundle's host/packages.json.
func TestLabHealthyHasNoErrors(t *testing.T) {
	env := lab.Require(t)
	a := collectLab(t, env, "720h")
	for _, f := range a.Findings {
		if f.Severity >= finding.Error && !fromOtherLabs(f) {
			t.Errorf("healthy lab: %s %s: %s (%s)", f.Severity, f.ID, f.Title, f.When)
		}
	}
	// The seeded "cni plugin not initialized" is contradicted by NetworkReady=true.
	if f := requireFinding(t, a, "RT1309-cni-not-initialized"); f.Severity != finding.Info || f.When != finding.History {
		t.Errorf("seeded CNI line: %s %s, want resolved history at info", f.Severity, f.When)
	}
	// The revision comes from the bundle, not from this test.
	// (parsed into facts: the analyzer keeps only configs/ as raw files)
	doc := a.Node.Host.Packages
	if doc == nil {
		t.Fatal("no host/packages.json in the lab bundle")
	}
	revisions := map[string]string{}
	for _, p := range doc.Packages {
		revisions[p.Name] = p.Version
	}
	if doc.Manager != "dpkg" || revisions["containerd"] == "" || revisions["docker.io"] == "" {
		t.Fatalf("lab bundle's package record: %+v", *doc)
	}
	t.Logf("lab packages from the bundle: containerd %s, docker.io %s, runc %s", revisions["containerd"], revisions["docker.io"], revisions["runc"])
	for _, f := range findingsWith(a, "RT1401-vulnerable-version") {
		for _, cve := range []string{"CVE-2024-40635", "CVE-2024-41110", "CVE-2024-21626"} {
			if strings.Contains(f.Title, cve) && (strings.Contains(f.Title, "containerd 1.6.20") || strings.Contains(f.Title, "docker 20.10.24") || strings.Contains(f.Title, "runc 1.1.5")) {
				t.Errorf("Debian revision flagged: %s (%s)", f.Title, f.Explanation)
			}
		}
	}
	pinTopFindings(t, a, "healthy")
}
