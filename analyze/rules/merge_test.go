package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/finding"
)

func pullNode(lines ...string) map[string]string {
	var j strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&j, `{"MESSAGE":%q,"_SYSTEMD_UNIT":"kubelet.service"}`+"\n", l)
	}
	return map[string]string{
		"journal/kubelet.jsonl": j.String(),
		"redaction-report.json": `{"rule_set_version":"1","total":0}`,
	}
}

func byID(fs []finding.Finding) map[string][]finding.Finding {
	out := map[string][]finding.Finding{}
	for _, f := range fs {
		out[f.ID] = append(out[f.ID], f)
	}
	return out
}

// TestOneFailedPullIsOneFinding: a pull the catalog names the cause of
// (401, real kubelet wording from kubernetes/kubernetes#110678) is reported
// once, by the catalog class, carrying RT0402's evidence and its crictl
// pull command; a pull error the catalog has no class for stays RT0402.
func TestOneFailedPullIsOneFinding(t *testing.T) {
	auth := `E0614 10:04:21.381343  2080 remote_image.go:238] "PullImage from image service failed" err="rpc error: code = Unknown desc = failed to pull and unpack image \"registry.app.example.net/team/parts:v2\": failed to resolve reference \"registry.app.example.net/team/parts:v2\": pulling from host registry.app.example.net failed with status code [manifests v2]: 401 Unauthorized" image="registry.app.example.net/team/parts:v2"`
	got := byID(Default().Run(node(healthy(), pullNode(auth))))
	if len(got[pullFailedID]) != 0 {
		t.Fatalf("the failed pull is reported twice: %+v", got[pullFailedID])
	}
	cat := got["RT1310-registry-auth-failed"]
	if len(cat) != 1 {
		t.Fatalf("want one RT1310 finding, got %v", got)
	}
	f := cat[0]
	fix := strings.Join(f.Remediation, "\n")
	if !strings.Contains(fix, "pull registry.app.example.net/team/parts:v2") || f.Subject.File != "registry.app.example.net/team/parts:v2" || len(f.Evidence) == 0 {
		t.Fatalf("merged finding lacks RT0402's command, image or evidence: %+v", f)
	}

	// A cause the catalog does not claim: RT0402 alone, not merged away.
	odd := `E0614 10:05:00.000001  2080 remote_image.go:238] "PullImage from image service failed" err="rpc error: code = Unknown desc = failed to pull and unpack image \"docker.io/library/web:1\": the moon is in the wrong phase" image="docker.io/library/web:1"`
	got = byID(Default().Run(node(healthy(), pullNode(odd))))
	if len(got[pullFailedID]) != 1 {
		t.Fatalf("an unclassified pull failure lost its RT0402 finding: %v", got)
	}
	for id := range got {
		if catalogFinding(finding.Finding{ID: id}) {
			t.Errorf("the odd pull error was classified as %s", id)
		}
	}
}

// TestFinishedPodSandboxIsNotContainerCreating: a pod whose containers all
// exited 0 has its sandbox stopped by kubelet (Succeeded): RT0403 stays
// quiet; a NOTREADY sandbox with a failed or no container still fires.
func TestFinishedPodSandboxIsNotContainerCreating(t *testing.T) {
	notReady := func(cs [][4]any) map[string]string {
		files := exitNode(cs)
		p := "cri/run_containerd_containerd.sock/pods.json"
		files[p] = strings.ReplaceAll(files[p], `"state":0`, `"state":1`)
		return files
	}
	if fs := sandboxNotReady(node(healthy(), notReady([][4]any{{"migrate", 0, 2, 0}}))); len(fs) != 0 {
		t.Errorf("Succeeded pod reported as sandbox not ready: %+v", fs)
	}
	if fs := sandboxNotReady(node(healthy(), notReady([][4]any{{"migrate", 0, 2, 3}}))); len(fs) != 1 {
		t.Errorf("failed container, stopped sandbox: want RT0403, got %+v", fs)
	}
	files := notReady(nil)
	files["cri/run_containerd_containerd.sock/containers.json"] = `{"containers":[]}`
	if fs := sandboxNotReady(node(healthy(), files)); len(fs) != 1 {
		t.Errorf("sandbox with no container: want RT0403, got %+v", fs)
	}
}
