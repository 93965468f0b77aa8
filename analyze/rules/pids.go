package rules

import (
	"fmt"
	"strconv"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// Family 5 (cgroups): a container whose pids controller refused forks.
func pidsRules() []Rule {
	return []Rule{
		{ID: "RT0503-pids-limit-reached", Family: 5, Title: "Container hit its pids limit",
			Reads: []string{"cgroup/containers.json"}, Check: pidsLimitReached},
	}
}

// pidsLimitReached fires when pids.events counts refused forks ("max N",
// the same file on v1 and v2), or when pids.current stands at a numeric
// pids.max (a cgroup at its limit refuses the next fork even before the
// first refusal is counted).
func pidsLimitReached(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, c := range n.Containers {
		if c.Cgroup == nil {
			continue
		}
		p := c.Cgroup.Pids
		limit, numeric := parsePidsMax(p.Max)
		atLimit := numeric && p.Current >= limit
		if p.MaxEvents <= 0 && !atLimit {
			continue
		}
		out = append(out, finding.Finding{
			Severity: finding.Error,
			Title:    fmt.Sprintf("%s hit its pids limit (%s)", c.Label(), orDash(p.Max)),
			Subject:  subjectOf(c),
			Explanation: fmt.Sprintf("The pids controller of its cgroup refused %d fork(s) (pids.events max) and it holds %d of %s tasks: fork/clone fail with EAGAIN, so the program logs \"can't fork\" or \"Resource temporarily unavailable\", threads cannot start and exec probes fail. A fork bomb or a thread leak looks like this; so does a pod pids limit (kubelet podPidsLimit) set too low.",
				p.MaxEvents, p.Current, orDash(p.Max)),
			Evidence:    []finding.Evidence{ev(c.CgroupRef, p)},
			Remediation: []string{"Find what multiplies (`ps -eLf` in the container, threads per process) and fix the leak, or raise the limit (kubelet podPidsLimit, the runtime's pids limit).", "Check " + c.Cgroup.Path + "/pids.events again: a count that still grows means forks are refused now."},
		})
	}
	return capFindings(out)
}

// parsePidsMax reads pids.max: a number, or "max" for no limit.
func parsePidsMax(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
