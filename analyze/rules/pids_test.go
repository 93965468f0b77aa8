package rules

import (
	"testing"

	"github.com/rtsnap/rtsnap/analyze/facts"
	cgschema "github.com/rtsnap/rtsnap/internal/schema/cgroup"
)

// The cases are the shapes the kernel writes (Documentation/admin-guide/
// cgroup-v2.rst, "PID"; v1 pids controller: pids.events "max N", pids.max
// "max" for no limit). The real v2 case runs in the guest (lab/vm).
func TestPidsLimitReached(t *testing.T) {
	for _, c := range []struct {
		name string
		pids cgschema.Pids
		want bool
	}{
		{"forks refused", cgschema.Pids{Current: 3, Max: "8", MaxEvents: 32, EventsKnown: true}, true},
		{"at the limit, none refused yet", cgschema.Pids{Current: 8, Max: "8", EventsKnown: true}, true},
		{"refusals counted under no limit now (limit raised since)", cgschema.Pids{Current: 2, Max: "max", MaxEvents: 1, EventsKnown: true}, true},
		{"healthy, no limit", cgschema.Pids{Current: 1, Max: "max", EventsKnown: true}, false},
		{"healthy, below a limit", cgschema.Pids{Current: 7, Max: "8", EventsKnown: true}, false},
		{"no pids controller", cgschema.Pids{}, false},
		{"garbage max", cgschema.Pids{Current: 99, Max: "lots"}, false},
		{"zero max is not a limit reached by zero tasks", cgschema.Pids{Current: 0, Max: "0"}, false},
	} {
		n := &facts.Node{Containers: []*facts.Container{{ID: "abc", Cgroup: &cgschema.Container{ID: "abc", Path: "/kubepods.slice/x.scope", Pids: c.pids}}}}
		got := pidsLimitReached(n)
		if (len(got) == 1) != c.want || len(got) > 1 {
			t.Errorf("%s: %d findings, want fired=%v", c.name, len(got), c.want)
			continue
		}
		if c.want && (len(got[0].Evidence) != 1 || got[0].Subject.Container == "" && got[0].Title == "") {
			t.Errorf("%s: finding without evidence: %+v", c.name, got[0])
		}
	}
	if got := pidsLimitReached(&facts.Node{Containers: []*facts.Container{{ID: "no-cgroup"}}}); len(got) != 0 {
		t.Errorf("a container without cgroup facts fired: %+v", got)
	}
}
