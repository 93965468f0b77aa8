package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// maxTailLines is how many of a container's last log lines a finding quotes.
const maxTailLines = 5

// exitRules is family 4's "exited and nobody restarted it": a CRI container
// that exited non-zero with no later attempt and no running sibling. Kubelet
// restarts failed containers (CrashLoopBackOff, RT0401), so one that stays
// exited is a pod with restartPolicy Never/OnFailure exhausted, a Job, or a
// container created outside kubelet.
func exitRules() []Rule {
	return []Rule{{ID: "RT0407-exited-not-restarted", Family: 4, Title: "Container exited with a failure and was not restarted",
		Reads: []string{"cri/<endpoint>/containers.json", "logs/pods/<ns>/<pod>/<container>/*.log"}, Check: exitedNotRestarted}}
}

func exitedNotRestarted(n *facts.Node) []finding.Finding {
	type key struct{ ep, ns, pod, name string }
	latest := map[key]*facts.Container{}
	attempts := map[key]int{}
	running := map[key]bool{}
	for _, c := range n.Containers {
		if c.CRI == nil || c.CRI.Container == nil || c.Sandbox {
			continue
		}
		k := key{c.EndpointSlug, c.PodNamespace, c.Pod, c.Name}
		attempts[k]++
		if c.CRIState() == "CONTAINER_RUNNING" {
			running[k] = true
		}
		if prev := latest[k]; prev == nil || c.CRI.Container.GetMetadata().GetAttempt() > prev.CRI.Container.GetMetadata().GetAttempt() {
			latest[k] = c
		}
	}
	names := map[string]key{}
	for k := range latest {
		names[k.ep+"\x00"+k.ns+"/"+k.pod+"/"+k.name] = k
	}
	var out []finding.Finding
	ix := newLogIndex(n)
	for _, name := range facts.SortedKeys(names) {
		kk := names[name]
		c := latest[kk]
		st := c.CRI.Status
		// Restarted attempts are RT0401's (CrashLoopBackOff); a running one is fine.
		if st == nil || c.CRIState() != "CONTAINER_EXITED" || st.ExitCode == 0 || running[kk] || attempts[kk] > 1 || c.CRI.Container.GetMetadata().GetAttempt() > 0 {
			continue
		}
		if len(out) == maxFindings {
			break // what capFindings keeps
		}
		expl := fmt.Sprintf("The container exited with code %d (reason %q%s) and no later attempt exists: kubelet did not restart it (restartPolicy Never or OnFailure exhausted, a finished Job, or a container made outside kubelet). %s",
			st.ExitCode, st.Reason, msgSuffix(st.Message), exitCodeMeaning(st.ExitCode)) + ix.tailSuffix(c.PodNamespace, c.Pod, c.Name)
		subj := subjectOf(c)
		subj.Container = c.Name
		out = append(out, finding.Finding{
			Severity: finding.Error,
			Title:    fmt.Sprintf("%s/%s/%s exited with code %d and was not restarted", c.PodNamespace, c.Pod, c.Name, st.ExitCode),
			Subject:  subj, Explanation: expl,
			Evidence: append(containerEvidence(c), ix.logTailEvidence(c.PodNamespace, c.Pod, c.Name)...),
			Remediation: []string{
				"Read the container's output (logs/pods/" + c.PodNamespace + "/" + c.Pod + "/" + c.Name + "/ in the bundle; `crictl -r unix://" + sockPath(c.Endpoint, "/run/containerd/containerd.sock") + " logs " + facts.ShortID(c.ID) + "`).",
				"If it should keep running, check the pod's restartPolicy and the Job's backoffLimit.",
			},
		})
	}
	return capFindings(out)
}

// exitCodeMeaning says what an exit code usually means.
func exitCodeMeaning(code int32) string {
	switch {
	case code == 137:
		return "137 is SIGKILL: an OOM kill or a kill after a failed stop or liveness probe."
	case code == 139:
		return "139 is SIGSEGV: the program crashed."
	case code == 143:
		return "143 is SIGTERM: it was stopped and exited on the signal."
	case code == 126 || code == 127:
		return "126/127: the command is not executable or not found in the image."
	case code > 128 && code < 160:
		return fmt.Sprintf("%d is signal %d.", code, code-128)
	}
	return "The exit code is the application's own: its output says why."
}

// logIndex is the bundle's log paths, sorted once per rule: the rules that
// quote a container's log do it for every container they report, and
// sorting and scanning every path for each was containers x log files
// (50,000 exited containers with a log file each in a crafted bundle).
type logIndex struct {
	n     *facts.Node
	paths []string
}

func newLogIndex(n *facts.Node) logIndex { return logIndex{n, facts.SortedKeys(n.Logs)} }

// containerLogs are the bundle's log files of one pod container, oldest first.
func (ix logIndex) containerLogs(ns, pod, name string) []string {
	prefix := "logs/pods/" + ns + "/" + pod + "/" + name + "/"
	i := sort.SearchStrings(ix.paths, prefix)
	j := i
	for j < len(ix.paths) && strings.HasPrefix(ix.paths[j], prefix) {
		j++
	}
	return ix.paths[i:j]
}

// lastLogLines quotes a container's last k log lines, newest last.
func (ix logIndex) lastLogLines(ns, pod, name string, k int) string {
	paths := ix.containerLogs(ns, pod, name)
	var lines []string
	for i := len(paths) - 1; i >= 0 && len(lines) < k; i-- {
		recs := ix.n.Logs[paths[i]].Records
		for j := len(recs) - 1; j >= 0 && len(lines) < k; j-- {
			lines = append([]string{finding.Cut(recs[j].Message, 200)}, lines...)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return "«" + strings.Join(lines, "» «") + "»"
}

// tailSuffix is " Last log lines: «...»" for an explanation, or "".
func (ix logIndex) tailSuffix(ns, pod, name string) string {
	if t := ix.lastLogLines(ns, pod, name, maxTailLines); t != "" {
		return " Last log lines: " + t
	}
	return ""
}

// logTailEvidence cites the newest log file's last lines.
func (ix logIndex) logTailEvidence(ns, pod, name string) []finding.Evidence {
	paths := ix.containerLogs(ns, pod, name)
	if len(paths) == 0 {
		return nil
	}
	lf := ix.n.Logs[paths[len(paths)-1]]
	if len(lf.Records) == 0 {
		return nil
	}
	first := max(0, len(lf.Records)-maxTailLines)
	var msgs []string
	for _, r := range lf.Records[first:] {
		msgs = append(msgs, r.Message)
	}
	return []finding.Evidence{{Path: lf.Path, LineStart: lf.Records[first].Line, LineEnd: lf.Records[len(lf.Records)-1].Line, Excerpt: finding.Cut(strings.Join(msgs, "\n"), excerptMax)}}
}
