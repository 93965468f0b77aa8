package rules_test

import (
	"regexp"
	"testing"

	"github.com/rtsnap/rtsnap/internal/lab"
)

// TestLabFaultPidsLimitV1 is the v1 host's side of the cgroup v2 guest's
// pids case (lab/vm v2-pids): the lab's pids-limit fault (Docker container
// lab-pids, pids.max 16, filled by a fork loop until a fork is refused)
// draws RT0503 from the real v1 pids controller; with the fault off no lab
// container is at its limit and the rule stays quiet.
func TestLabFaultPidsLimitV1(t *testing.T) {
	env := lab.Require(t)
	before := collectLab(t, env, "1s")
	if m := before.Node.CgroupMode; m == nil || m.Mode == "v2" {
		t.Fatalf("cgroup mode %+v: this test is the v1 side", m)
	}
	for _, f := range findingsWith(before, "RT0503-pids-limit-reached") {
		t.Errorf("fault off, yet: %s", f.Title)
	}

	out := lab.Fault(t, "pids-limit")
	m := regexp.MustCompile(`container=([0-9a-f]{64}) pids.max=16 pids.current=(\d+) max ([1-9]\d*)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("staging printed no container and refused forks: %s", out)
	}
	a := collectLab(t, env, "1s")
	pinTopFindings(t, a, "pids-limit", "RT0503-pids-limit-reached")
	f := requireFinding(t, a, "RT0503-pids-limit-reached", m[1][:12], "(16)")
	if len(f.Evidence) == 0 || f.Evidence[0].Path != "cgroup/containers.json" {
		t.Errorf("evidence %+v, want cgroup/containers.json", f.Evidence)
	}
}
