package rules

import (
	"fmt"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// Family 2: the runtime's state and the kernel's disagree.
func desync() []Rule {
	return []Rule{
		{ID: "RT0201-running-but-init-gone", Family: 2, Title: "Runtime says running but the container's init is gone",
			Reads: []string{"cri/<endpoint>/containers.json", "cri/<endpoint>/pods.json", "containerd/<endpoint>/<ns>/tasks.json", "runc/states.json"}, Check: runningButGone},
		{ID: "RT0202-container-task-unreachable", Family: 2, Title: "Container's task cannot be reached",
			Reads: []string{"containerd/<endpoint>/<ns>/tasks.json"}, Check: taskUnreachable},
		{ID: "RT0203-orphaned-shim", Family: 2, Title: "Shim without a parent runtime",
			Reads: []string{"host/processes.json"}, Check: orphanedShims},
	}
}

// deadVerdicts are runc liveness verdicts meaning the init the state names is not running.
var deadVerdicts = map[string]string{
	"gone":       "the init process no longer exists",
	"zombie":     "the init process is a zombie nobody reaps (its shim is gone)",
	"pid-reused": "the pid now belongs to another process (start time differs): the init died and the pid was reused",
}

// whyDesynced lists the disagreements for a container the runtime calls running.
func whyDesynced(c *facts.Container) []string {
	var why []string
	if c.Runc != nil {
		if d, ok := deadVerdicts[c.Runc.Liveness.Verdict]; ok {
			why = append(why, fmt.Sprintf("runc state: %s (pid %d, verdict %s)", d, c.Runc.InitPID, c.Runc.Liveness.Verdict))
		}
	}
	if c.Task != nil && c.Task.Status == "UNKNOWN" {
		why = append(why, "containerd lists its task as UNKNOWN (the shim does not answer)")
	}
	if c.Task == nil && c.NoTask != nil {
		why = append(why, fmt.Sprintf("containerd has no task for it (task Get: %s %s)", orDash(c.NoTask.GetCode), finding.Cut(c.NoTask.GetError, 120)))
	}
	if c.Task != nil && (c.Task.Status == "STOPPED") {
		why = append(why, fmt.Sprintf("containerd's task is STOPPED (exit status %d)", c.Task.ExitStatus))
	}
	return why
}

func runningButGone(n *facts.Node) []finding.Finding {
	advs, _ := Advisories()
	var out []finding.Finding
	for _, c := range n.Containers {
		says := ""
		switch {
		case c.CRIRunning():
			says = "CRI reports " + c.CRIState()
		case c.CRI == nil && c.CRIPod == nil && c.Task != nil && c.Task.Status == "RUNNING":
			says = "containerd reports its task RUNNING"
		default:
			continue
		}
		why := whyDesynced(c)
		if len(why) == 0 {
			continue
		}
		title := fmt.Sprintf("%s is %s but its process is gone", c.Label(), strings.TrimPrefix(strings.TrimPrefix(says, "CRI reports "), "containerd reports its task "))
		fix := "Find why the shim died: the runtime's log around the container's last event (see `rtsnap-analyze timeline --container " + facts.ShortID(c.ID) + "`), and OOM kills of the shim."
		// CRI-O's per-container monitor is conmon, containerd's the shim.
		mon := "shim"
		pid, state, i := shimOf(n, c)
		if cm := n.ConmonOf(c.ID); cm != nil && i < 0 {
			mon, pid, state, i = "conmon", cm.PID, cm.State, 0
		}
		switch {
		case i >= 0 && state == "T":
			why = append(why, fmt.Sprintf("its %s (pid %d) is stopped (state T: SIGSTOP or a debugger), not dead: it holds the container but answers nothing", mon, pid))
			title += fmt.Sprintf(" (its %s is stopped, not dead)", mon)
			fix = fmt.Sprintf("The %s (pid %d) is stopped, not dead: find who stopped it, then `kill -CONT %d` resumes it (collect its state first).", mon, pid, pid)
		case i >= 0:
			why = append(why, fmt.Sprintf("its %s (pid %d) is alive (state %s)", mon, pid, state))
		case len(n.Host.Processes) > 0:
			why = append(why, "no shim process serves it (host/processes.json): the shim is dead")
		}
		f := finding.Finding{
			Severity: finding.Critical,
			Title:    title,
			Subject:  subjectOf(c),
			Explanation: fmt.Sprintf("%s, yet %s. Kubelet keeps treating it as running: the pod is never restarted, stop and exec hang or fail, and its resources stay allocated.",
				says, strings.Join(why, "; ")),
			Evidence: containerEvidence(c),
			Remediation: []string{
				"Stop the pod through kubelet (delete the pod) and check that containerd cleans it up; if CRI still lists it, `crictl -r unix://" + sockPath(c.Endpoint, "/run/containerd/containerd.sock") + " stopp`/`rmp` the sandbox.",
				fix,
			},
		}
		if v := endpointContainerdVersion(n, c.EndpointSlug); v != "" {
			for _, a := range advs {
				if a.ID != "containerd-10589" {
					continue
				}
				if affected, fix := a.Affected(v); affected {
					f.Explanation += fmt.Sprintf(" This containerd (%s) predates the fix for the state-desync bug (%s, fixed in %s): upgrading stops it recurring.", shortVersion(v), a.ID, fix)
					f.Remediation = append(f.Remediation, "Upgrade containerd to "+fix+" or later on its branch.")
				}
				f.References = a.References
			}
		}
		out = append(out, f)
	}
	return capFindings(out)
}

func endpointContainerdVersion(n *facts.Node, slug string) string {
	if ep := n.Containerd[slug]; ep != nil && ep.Server != nil {
		return ep.Server.Version
	}
	if ep := n.CRI[slug]; ep != nil && ep.Version != nil && ep.Version.Version != nil && ep.Version.Version.RuntimeName == "containerd" {
		return ep.Version.Version.RuntimeVersion
	}
	return ""
}

func taskUnreachable(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, c := range n.Containers {
		if c.NoTask == nil || c.CRIRunning() {
			continue // RT0201 covers containers CRI calls running
		}
		code := c.NoTask.GetCode
		if code == "" || code == "NotFound" || code == "OK" {
			continue // no task is normal for a created or exited container
		}
		out = append(out, finding.Finding{
			Severity: finding.Error,
			Title:    fmt.Sprintf("Task of %s cannot be reached (%s)", c.Label(), code),
			Subject:  subjectOf(c),
			Explanation: fmt.Sprintf("containerd's task list left this container out and a direct Get answered %s: %s. Its shim exists in containerd's records but does not answer, so the container can be neither inspected nor stopped.",
				code, finding.Cut(c.NoTask.GetError, 200)),
			Evidence:    containerEvidence(c),
			Remediation: []string{"Check whether the shim process exists (host/processes.json, role shim) and whether it is stopped or frozen.", "Killing a hung shim lets containerd clean up the task; collect its goroutines first if you need the root cause."},
		})
	}
	return capFindings(out)
}

func orphanedShims(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for i, p := range n.Host.Processes {
		if !p.Orphaned {
			continue
		}
		out = append(out, finding.Finding{
			Severity: finding.Warning,
			Title:    fmt.Sprintf("Orphaned shim pid %d", p.PID),
			Subject:  finding.Subject{Source: "host", File: fmt.Sprintf("pid %d", p.PID)},
			Explanation: fmt.Sprintf("This shim's parent is not a runtime daemon (ppid %d). Shims are re-parented when their containerd restarts, which is normal, but a shim no daemon knows about holds a container nobody manages.",
				p.PPID),
			Evidence:    []finding.Evidence{ev(facts.Ref{Path: "host/processes.json", Pointer: fmt.Sprintf("/%d", i)}, p)},
			Remediation: []string{"Match its container id (command line -id) against containerd's tasks; if no containerd lists it, stop the container's processes and kill the shim."},
		})
	}
	return capFindings(out)
}

// shimOf finds the shim process that serves a container: a shim's -id is
// the container's id, or its pod sandbox's id when the shim groups a pod.
// It returns the pid, the process state and its index in host/processes.json (-1: none).
func shimOf(n *facts.Node, c *facts.Container) (int, string, int) {
	ids := map[string]bool{c.ID: true}
	if c.CRI != nil && c.CRI.Container != nil && c.CRI.Container.PodSandboxId != "" {
		ids[c.CRI.Container.PodSandboxId] = true
	}
	for i, p := range n.Host.Processes {
		if p.Role != "shim" {
			continue
		}
		for j := 0; j+1 < len(p.Args); j++ {
			if p.Args[j] == "-id" && ids[p.Args[j+1]] {
				return p.PID, p.State, i
			}
		}
	}
	return 0, "", -1
}
