package rules_test

import (
	"bytes"
	"encoding/json"
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

// kubeletMade says a finding comes from the Kubernetes lab that may run
// beside this one (its kubelets log to journal/files/kubelet-lab-*.log and
// make pods in namespace k8slab): another engineer's lab, not this lab's
// faults. The golden lines and the healthy checks leave those out, and say so.
func kubeletMade(f finding.Finding) bool {
	if strings.HasPrefix(f.Subject.Pod, "k8slab/") || strings.Contains(f.Title, "k8slab/") {
		return true
	}
	onlyKubeletLab := len(f.Evidence) > 0
	for _, e := range f.Evidence {
		onlyKubeletLab = onlyKubeletLab && strings.HasPrefix(e.Path, "journal/files/kubelet-lab-")
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
		if kubeletMade(f) {
			left++
			continue
		}
		kept.Findings = append(kept.Findings, f)
	}
	if left > 0 {
		t.Logf("%s: %d findings about kubelet-made pods (k8slab) left out of the golden lines", name, left)
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
		if f.Severity >= finding.Error && !kubeletMade(f) {
			t.Errorf("healthy lab: %s %s: %s (%s)", f.Severity, f.ID, f.Title, f.When)
		}
	}
	// The seeded "cni plugin not initialized" is contradicted by NetworkReady=true.
	if f := requireFinding(t, a, "RT1309-cni-not-initialized"); f.Severity != finding.Info || f.When != finding.History {
		t.Errorf("seeded CNI line: %s %s, want resolved history at info", f.Severity, f.When)
	}
	// The revision comes from the bundle, not from this test.
	data, ok := a.Node.File("host/packages.json")
	if !ok {
		t.Fatal("no host/packages.json in the lab bundle")
	}
	var doc struct {
		Manager  string `json:"manager"`
		Packages []struct{ Name, Version string }
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	revisions := map[string]string{}
	for _, p := range doc.Packages {
		revisions[p.Name] = p.Version
	}
	if doc.Manager != "dpkg" || revisions["containerd"] == "" || revisions["docker.io"] == "" {
		t.Fatalf("lab bundle's package record: %+v", doc)
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
