package rules

import (
	"fmt"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// Family 3: frozen or paused containers.
func frozen() []Rule {
	return []Rule{
		{ID: "RT0301-frozen-while-running", Family: 3, Title: "Container frozen while the runtime says running",
			Reads: []string{"cgroup/containers.json", "containerd/<endpoint>/<ns>/tasks.json", "cri/<endpoint>/containers.json"}, Check: frozenCheck(frozenUnexpected)},
		{ID: "RT0302-container-paused", Family: 3, Title: "Container paused through the runtime",
			Reads: []string{"cgroup/containers.json", "containerd/<endpoint>/<ns>/tasks.json"}, Check: frozenCheck(frozenPaused)},
		{ID: "RT0303-freeze-stuck", Family: 3, Title: "Container stuck FREEZING",
			Reads: []string{"cgroup/containers.json"}, Check: frozenCheck(frozenStuck)},
	}
}

type freezeKind int

const (
	frozenUnexpected freezeKind = iota
	frozenPaused
	frozenStuck
)

// classifyFreeze reads v1 freezer.state and v2 cgroup.freeze/cgroup.events.
func classifyFreeze(c *facts.Container) (freezeKind, bool) {
	if c.Cgroup == nil {
		return 0, false
	}
	fz := c.Cgroup.Freeze
	switch {
	case fz.State == "FREEZING", fz.V2Freeze == "1" && fz.V2Frozen == "0":
		return frozenStuck, true
	case fz.State == "FROZEN", fz.V2Frozen == "1":
		if c.Task != nil && c.Task.Status == "PAUSED" {
			return frozenPaused, true
		}
		return frozenUnexpected, true
	}
	return 0, false
}

func frozenCheck(want freezeKind) func(*facts.Node) []finding.Finding {
	return func(n *facts.Node) []finding.Finding {
		var out []finding.Finding
		for _, c := range n.Containers {
			k, ok := classifyFreeze(c)
			if !ok || k != want {
				continue
			}
			f := finding.Finding{Subject: subjectOf(c), Evidence: containerEvidence(c)}
			fz := c.Cgroup.Freeze
			state := fz.State
			if state == "" {
				state = fmt.Sprintf("cgroup.freeze=%s frozen=%s", fz.V2Freeze, fz.V2Frozen)
			}
			switch k {
			case frozenPaused:
				f.Severity = finding.Warning
				f.Title = fmt.Sprintf("%s is paused", c.Label())
				f.Explanation = fmt.Sprintf("Its cgroup is frozen (%s) and containerd's task is PAUSED: someone paused it through the runtime (`ctr task pause`, `docker pause`). Its processes do not run; probes, exec and stop wait on it.", state)
				f.Remediation = []string{"If the pause was not intended, resume it (`ctr -a " + sockPath(c.Endpoint, "/run/containerd/containerd.sock") + " -n " + c.Namespace + " task resume " + c.ID + "` or `docker unpause`)."}
			case frozenUnexpected:
				f.Severity = finding.Error
				f.Title = fmt.Sprintf("%s is frozen but the runtime says %s", c.Label(), runtimeSays(c))
				f.Explanation = fmt.Sprintf("Its cgroup is frozen (%s) although the runtime does not consider it paused: something froze it behind the runtime's back (a checkpoint, a stuck freeze from a crashed tool, a parent cgroup frozen: parent_freezing=%s). Calls into it hang.", state, orDash(fz.ParentFreezing))
				f.Remediation = []string{"Thaw it: write THAWED to freezer.state (v1) or 0 to cgroup.freeze (v2) at " + c.Cgroup.Path + ", after finding who froze it."}
			case frozenStuck:
				f.Severity = finding.Error
				f.Title = fmt.Sprintf("%s is stuck freezing", c.Label())
				f.Explanation = fmt.Sprintf("The freeze was requested but never completed (%s): a task in uninterruptible sleep (D state, usually I/O or a FUSE/NFS mount) cannot be frozen. Runtime calls on this container wait for it.", state)
				f.Remediation = []string{"Find the processes in D state in the cgroup (`cat " + c.Cgroup.Path + "/cgroup.procs`, then /proc/<pid>/stack) and the mount they wait on.", "Thaw the cgroup to unblock the runtime."}
			}
			out = append(out, f)
		}
		return capFindings(out)
	}
}

func runtimeSays(c *facts.Container) string {
	if s := c.CRIState(); s != "" {
		return s
	}
	if c.Task != nil {
		return c.Task.Status
	}
	return "nothing"
}
