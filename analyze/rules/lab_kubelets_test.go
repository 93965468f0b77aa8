package rules_test

import (
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/internal/lab"
)

// The lab runs four kubelets on one host (lab-cd2, lab-cd17, lab-crio,
// lab-dockerd), each on a runtime of its own. The analyzer must see all four
// and judge each: the k8s-cgroup-driver fault (lab-cd17's containerd switched
// to the systemd driver, its kubelet left on cgroupfs) is named for lab-cd17
// and for no other kubelet.
func TestLabFaultCgroupDriverNamesItsKubelet(t *testing.T) {
	k := lab.RequireK8s(t)
	env := lab.Require(t)
	lab.Fault(t, "k8s-cgroup-driver")
	a := collectLab(t, env, "2m")
	var names []string
	for _, kb := range a.Node.Kubelets {
		names = append(names, kb.Name())
	}
	for _, n := range k.All() {
		found := false
		for _, kb := range a.Node.Kubelets {
			found = found || kb.NodeName == n.Name
		}
		if !found {
			t.Errorf("kubelet %s missing from the facts (kubelets: %v)", n.Name, names)
		}
	}
	f := requireFinding(t, a, "RT0501-cgroup-driver-mismatch", "kubelet lab-cd17 uses the cgroupfs cgroup driver", "uses systemd", "k8s17")
	t.Logf("%s: %s (%s)", f.ID, f.Title, f.Subject)
	cited := false
	for _, e := range f.Evidence {
		cited = cited || (e.Path == "discovery/kubelets.json" && strings.Contains(e.Excerpt, "lab-cd17"))
	}
	if !cited {
		t.Errorf("RT0501 does not cite lab-cd17's entry of discovery/kubelets.json: %+v", f.Evidence)
	}
	for _, f := range findingsWith(a, "RT0501-cgroup-driver-mismatch") {
		for _, other := range []string{"kubelet lab-cd2 ", "lab-crio", "lab-dockerd"} {
			if strings.Contains(f.Title, other) {
				t.Errorf("the fault on lab-cd17 named another kubelet: %s (%s)", f.Title, f.Subject)
			}
		}
	}
}
