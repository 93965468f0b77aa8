package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// TestLabFaultOOMKilledV1 is the v1 side of the cgroup v2 guest's OOM case
// (lab/vm): the lab's k8s-oom pod (16Mi, `tail /dev/zero`) on the v1 host
// draws the same rule, RT1201, as the OOM-killed container in the guest.
func TestLabFaultOOMKilledV1(t *testing.T) {
	k := lab.RequireK8s(t)
	if rtsnapBin == "" {
		t.Fatal("rtsnap binary was not built (see TestMain output)")
	}
	lab.Fault(t, "k8s-oom")
	args := []string{"--since", "15m", "--only", "cri,cgroup,runc,containerd"}
	for _, n := range k.Nodes {
		args = append(args, "--runtime-endpoint", n.Socket)
	}
	// The pod is OOM-killed within seconds of starting; kubelet's restart
	// may still be on its way, so collect until the rule sees it (bounded).
	deadline := time.Now().Add(2 * time.Minute)
	for {
		a, err := analyze.Load(lab.Collect(t, rtsnapBin, args...), analyze.Options{})
		if err != nil {
			t.Fatalf("analyzing the lab bundle: %v", err)
		}
		if a.Node.CgroupMode == nil || a.Node.CgroupMode.Mode == "v2" {
			t.Fatalf("cgroup mode %+v: this test is the v1 side", a.Node.CgroupMode)
		}
		for _, f := range findingsWith(a, "RT1201-container-oom-killed") {
			if strings.Contains(f.Title, k.Namespace+"/oom") && len(f.Evidence) > 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			requireFinding(t, a, "RT1201-container-oom-killed", k.Namespace+"/oom")
			return
		}
		time.Sleep(5 * time.Second)
	}
}
