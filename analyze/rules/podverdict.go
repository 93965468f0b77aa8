package rules

import (
	"fmt"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/podstatus"
)

// podVerdicts: one finding per pod whose status, named the way `kubectl
// get pods` names it, is not a healthy one (analyze/podstatus).
func podVerdicts() []Rule {
	return []Rule{
		{ID: "RT0406-pod-status", Family: 4, Title: "Pod status as kubectl shows it",
			Reads: []string{"cri/<endpoint>/pods.json", "cri/<endpoint>/containers.json", "journal/files/*.log", "journal/*.jsonl"}, CheckWork: podStatusFindingsWithin},
	}
}

// podStatusWhy explains each status a pod can be reported with.
var podStatusWhy = map[string]string{
	podstatus.ReasonCrashLoopBackOff:  "the container keeps exiting and the kubelet waits out a growing back-off (10 s doubling to 5 min) before each restart",
	podstatus.ReasonImagePullBackOff:  "pulling the image failed and the kubelet waits before it tries again",
	podstatus.ReasonErrImagePull:      "the last pull of the image failed",
	podstatus.ReasonOOMKilled:         "the kernel's OOM killer ended the container: it needs more memory than its limit",
	podstatus.ReasonError:             "the container exited non-zero and will not be restarted",
	podstatus.ReasonContainerCreating: "the kubelet has not got the pod's containers running: its sandbox (network, pause container) is failing or the image is still being pulled",
	podstatus.ReasonStatusUnknown:     "the runtime no longer knows a container that was running",
}

func podStatusFindingsWithin(n *facts.Node, w *Work) []finding.Finding {
	var out []finding.Finding
	for _, v := range w.podVerdicts(n) {
		if v.Healthy() {
			continue
		}
		if len(out) == maxFindings {
			break // what capFindings keeps
		}
		subj := finding.Subject{Endpoint: v.Endpoint, Namespace: v.Namespace, Pod: v.Pod}
		name := v.Namespace + "/" + v.Pod
		detail := ""
		if c := v.Problem(); c != nil {
			subj.Container = c.Name
			name += "/" + c.Name
			switch {
			case c.State.Waiting != nil && c.State.Waiting.Message != "":
				detail = c.State.Waiting.Message
			case c.State.Terminated != nil:
				detail = fmt.Sprintf("exit code %d", c.State.Terminated.ExitCode)
				if c.State.Terminated.Message != "" {
					detail += ", " + c.State.Terminated.Message
				}
			}
			if detail == "" && c.LastTerminated != nil {
				detail = fmt.Sprintf("last exit code %d (%s)", c.LastTerminated.ExitCode, orDash(c.LastTerminated.Reason))
			}
		}
		if detail == "" && len(v.Errors) > 0 {
			detail = v.Errors[len(v.Errors)-1].Message
		}
		why := podStatusWhy[v.Status]
		if why == "" {
			why = "the kubelet reports it so"
		}
		sev := finding.Error
		if v.Status == podstatus.ReasonContainerCreating || v.Status == podstatus.PhasePending || v.Status == podstatus.ReasonStatusUnknown {
			sev = finding.Warning
		}
		expl := fmt.Sprintf("kubectl shows this pod as %s (phase %s): %s.", v.Status, v.Phase, why)
		if detail != "" {
			expl += " " + finding.Cut(detail, 300)
		}
		expl += fmt.Sprintf(" Reconstructed from %s.", basisText(v.Basis))
		var evs []finding.Evidence
		for _, r := range v.Refs {
			if len(evs) == maxEvidence {
				break
			}
			evs = append(evs, finding.Evidence{Path: r.Path, Pointer: r.Pointer})
		}
		for _, e := range v.Errors {
			if len(evs) == maxEvidence {
				break
			}
			evs = append(evs, evLine(e.Path, e.Line, fmt.Sprintf("failed to %q for %q with %s: %s", e.Op, e.Container, e.Reason, e.Message)))
		}
		out = append(out, finding.Finding{
			Severity:    sev,
			Title:       fmt.Sprintf("%s is %s", name, v.Status),
			Subject:     subj,
			Explanation: expl,
			Evidence:    evs,
			Remediation: []string{"`kubectl describe pod -n " + v.Namespace + " " + v.Pod + "` shows the same status with the kubelet's events; the related findings (CrashLoopBackOff, image pull, sandbox, OOM) give the cause."},
		})
	}
	return capFindings(out)
}

func basisText(b string) string {
	switch b {
	case podstatus.BasisCRIAndLog:
		return "CRI state and the kubelet's sync errors"
	case podstatus.BasisLog:
		return "the kubelet's sync errors alone (the runtime has no sandbox for the pod)"
	}
	return "CRI state alone"
}

// podsPulling names the pods whose kubelet sync errors mention pulling img
// (for image-pull findings, which the runtime's log reports by image only).
func podsPulling(vs []podstatus.Verdict, img string) []string {
	var out []string
	for _, v := range vs {
		for _, c := range v.Containers {
			w := c.State.Waiting
			if w != nil && (w.Reason == podstatus.ReasonImagePullBackOff || w.Reason == podstatus.ReasonErrImagePull) && strings.Contains(w.Message, img) {
				out = append(out, v.Namespace+"/"+v.Pod+"/"+c.Name)
			}
		}
	}
	return out
}

// pullSubject names what an image-pull finding is about: the image, and the
// pod container when exactly one pod pulls it; the text lists the pods.
func pullSubject(vs []podstatus.Verdict, img string) (finding.Subject, string) {
	subj := finding.Subject{File: img}
	pods := podsPulling(vs, img)
	if len(pods) == 0 {
		return subj, ""
	}
	if len(pods) == 1 {
		parts := strings.SplitN(pods[0], "/", 3)
		subj.Namespace, subj.Pod, subj.Container = parts[0], parts[1], parts[2]
	}
	return subj, " Pods waiting for it (namespace/pod/container): " + strings.Join(pods, ", ") + "."
}
