package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/logwork"
)

// Family 12: OOM kills.
func oomKills() []Rule {
	return []Rule{
		{ID: "RT1201-container-oom-killed", Family: 12, Title: "Container OOM-killed",
			Reads: []string{"cgroup/containers.json", "cri/<endpoint>/containers.json"}, Check: containerOOM},
		{ID: "RT1202-kernel-oom-kill", Family: 12, Title: "Kernel OOM killer ran",
			Reads: []string{"journal/kernel-oom.jsonl"}, CheckWork: kernelOOM},
	}
}

func containerOOM(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, c := range n.Containers {
		kills := int64(0)
		var evs []finding.Evidence
		if c.Cgroup != nil && (c.Cgroup.Memory.OOMKills > 0 || c.Cgroup.Memory.UnderOOM) {
			kills = c.Cgroup.Memory.OOMKills
			evs = append(evs, ev(c.CgroupRef, c.Cgroup.Memory))
		}
		if c.CRI != nil && c.CRI.Status != nil && c.CRI.Status.Reason == "OOMKilled" {
			evs = append(evs, ev(c.CRIRef, c.CRI.Status))
		}
		if len(evs) == 0 {
			continue
		}
		limit := "unknown"
		if c.Cgroup != nil {
			limit = c.Cgroup.Memory.Limit
		}
		out = append(out, finding.Finding{
			Severity: finding.Error,
			Title:    fmt.Sprintf("%s was OOM-killed", c.Label()),
			Subject:  subjectOf(c),
			Explanation: fmt.Sprintf("The kernel killed a process of this container for exceeding its memory limit (%s; oom_kill count %d). Kubelet reports OOMKilled (exit code 137) and restarts it.",
				limit, kills),
			Evidence:    evs,
			Remediation: []string{"Raise the container's memory limit or lower its use (heap sizes such as -Xmx must stay below the limit).", "Check peak usage (max_usage_bytes) against the limit."},
		})
	}
	return capFindings(out)
}

var oomKilledRE = regexp.MustCompile(`Killed process (\d+) \(([^)]*)\)`)

// oomHitCost is kernelOOM's work on a record naming an OOM kill: the
// victim regexp and the cgroup search.
func oomHitCost(r facts.LogRecord) int64 { return 2 * logwork.Read(len(r.Message)) }

func kernelOOM(n *facts.Node, w *Work) []finding.Finding {
	journal := func(p string) bool { return strings.HasPrefix(p, "journal/") }
	hits := w.scanLogs(n, journal, func(r facts.LogRecord) bool {
		return strings.Contains(r.Message, "Killed process") || strings.Contains(r.Message, "out of memory")
	}, oomHitCost)
	if len(hits) == 0 {
		return nil
	}
	var victims []string
	cgroupOOM := false
	for _, h := range hits {
		if m := oomKilledRE.FindStringSubmatch(h.Rec.Message); m != nil {
			victims = append(victims, m[2]+" (pid "+m[1]+")")
		}
		if strings.Contains(h.Rec.Message, "Memory cgroup") {
			cgroupOOM = true
		}
	}
	scope := "the whole node ran out of memory"
	if cgroupOOM {
		scope = "a memory cgroup (a container or pod limit) was exceeded"
	}
	return []finding.Finding{{
		Severity: finding.Warning,
		Title:    fmt.Sprintf("Kernel OOM killer ran %s", plural(len(hits), "time")),
		Subject:  finding.Subject{Source: "journal"},
		Explanation: fmt.Sprintf("The kernel log shows OOM kills (%s); killed: %s. If a shim or runtime daemon was killed, its containers desync (see RT0201).",
			scope, finding.Cut(strings.Join(uniq(victims), ", "), 300)),
		Evidence:    hitsEvidence(lastHits(hits)),
		Seen:        seenOf(hits),
		Remediation: []string{"Match the killed pids to containers (proc/processes.json, timeline around the kill) and raise their limits; for node-wide OOM, reserve memory for the system (kubelet --system-reserved, eviction thresholds)."},
	}}
}
