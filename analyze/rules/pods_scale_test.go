package rules

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	crischema "github.com/rtsnap/rtsnap/internal/schema/cri"
)

// podsJSON is cri/<slug>/pods.json with n sandboxes of pods pod-0..; ready
// names the pods that also have a READY sandbox.
func podsJSON(n int, ready map[int]bool) string {
	pl := crischema.PodList{}
	add := func(i int, st criapi.PodSandboxState, id string) {
		pl.Pods = append(pl.Pods, &crischema.PodRecord{Pod: &criapi.PodSandbox{Id: id, State: st,
			Metadata: &criapi.PodSandboxMetadata{Name: fmt.Sprintf("pod-%d", i), Namespace: "ns"}}})
	}
	for i := 0; i < n; i++ {
		add(i, criapi.PodSandboxState_SANDBOX_NOTREADY, fmt.Sprintf("%064x", i+1))
		if ready[i] {
			add(i, criapi.PodSandboxState_SANDBOX_READY, fmt.Sprintf("%064x", n+i+1))
		}
	}
	b, _ := json.Marshal(pl)
	return string(b)
}

// TestSandboxNotReadyIsLinear: 40,000 NOTREADY sandboxes (issue #15: 102 s
// of inspect, the rule scanned every join row per sandbox) take well under
// a second, and the rule still fires, bounded.
func TestSandboxNotReadyIsLinear(t *testing.T) {
	n := node(healthy(), map[string]string{"cri/run-containerd-containerd-sock/pods.json": podsJSON(40_000, nil)})
	start := time.Now()
	fs := sandboxNotReady(n)
	took := time.Since(start)
	t.Logf("40,000 NOTREADY sandboxes: %d findings in %v", len(fs), took)
	if took > 2*time.Second {
		t.Errorf("sandboxNotReady took %v", took)
	}
	if len(fs) != maxFindings {
		t.Errorf("%d findings, want the cap %d", len(fs), maxFindings)
	}
	// Quiet where the pod has a READY sandbox too; fires where it has not.
	n = node(healthy(), map[string]string{"cri/run-containerd-containerd-sock/pods.json": podsJSON(3, map[int]bool{0: true, 2: true})})
	fs = sandboxNotReady(n)
	if len(fs) != 1 || fs[0].Subject.Pod != "pod-1" {
		t.Errorf("findings = %+v, want only pod-1", fs)
	}
}
