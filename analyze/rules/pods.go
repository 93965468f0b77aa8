package rules

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/logrec"
	"github.com/rtsnap/rtsnap/analyze/logwork"
	"github.com/rtsnap/rtsnap/analyze/podstatus"
)

// Family 4: pod status the way kubelet would name it.
func podStatus() []Rule {
	return []Rule{
		{ID: "RT0401-crashloop", Family: 4, Title: "CrashLoopBackOff",
			Reads: []string{"cri/<endpoint>/containers.json"}, Check: crashLoops},
		{ID: "RT0402-image-pull-failed", Family: 4, Title: "ErrImagePull / ImagePullBackOff",
			Reads: []string{"journal/*.jsonl", "journal/files/*.log"}, CheckWork: pullFailuresWithin},
		{ID: "RT0403-sandbox-not-ready", Family: 4, Title: "Pod sandbox not ready (ContainerCreating)",
			Reads: []string{"cri/<endpoint>/pods.json"}, CheckWork: sandboxNotReadyWithin},
		{ID: "RT0404-network-not-ready", Family: 4, Title: "Runtime network not ready (CNI)",
			Reads: []string{"cri/<endpoint>/status.json"}, Check: networkNotReady},
		{ID: "RT0405-container-create-error", Family: 4, Title: "CreateContainerError / RunContainerError",
			Reads: []string{"cri/<endpoint>/containers.json"}, Check: createErrors},
	}
}

// crashLoops groups exited attempts per pod container: kubelet calls it
// CrashLoopBackOff once a container exited non-zero and was restarted.
func crashLoops(n *facts.Node) []finding.Finding {
	type group struct {
		rows             []*facts.Container
		maxAttempt       uint32
		running          bool
		exitCodes        map[int32]int
		oom              bool
		lastMsg, lastRsn string
	}
	groups := map[string]*group{}
	for _, c := range n.Containers {
		if c.CRI == nil || c.CRI.Container == nil || c.Sandbox {
			continue
		}
		k := c.EndpointSlug + "\x00" + c.PodNamespace + "/" + c.Pod + "/" + c.Name
		g := groups[k]
		if g == nil {
			g = &group{exitCodes: map[int32]int{}}
			groups[k] = g
		}
		g.rows = append(g.rows, c)
		if md := c.CRI.Container.Metadata; md != nil && md.Attempt > g.maxAttempt {
			g.maxAttempt = md.Attempt
		}
		if c.CRIState() == "CONTAINER_RUNNING" {
			g.running = true
		}
		if st := c.CRI.Status; st != nil && c.CRIState() == "CONTAINER_EXITED" {
			g.exitCodes[st.ExitCode]++
			if st.Reason == "OOMKilled" {
				g.oom = true
			}
			g.lastRsn, g.lastMsg = st.Reason, st.Message
		}
	}
	var out []finding.Finding
	ix := newLogIndex(n)
	for _, k := range facts.SortedKeys(groups) {
		g := groups[k]
		failed := 0
		var codes []string
		for code, cnt := range g.exitCodes {
			if code != 0 {
				failed += cnt
			}
			codes = append(codes, fmt.Sprintf("%d (×%d)", code, cnt))
		}
		sort.Strings(codes)
		if failed == 0 || (g.maxAttempt == 0 && len(g.rows) < 2) {
			continue
		}
		if len(out) == maxFindings {
			break // what capFindings keeps
		}
		c := g.rows[0]
		sev := finding.Error
		why := "the process exits with a failure soon after start; kubelet restarts it with a growing back-off (10 s doubling to 5 min)"
		if g.oom {
			why = "it was OOMKilled: it needs more memory than its limit"
		}
		sort.Slice(g.rows, func(i, j int) bool {
			return g.rows[i].CRI.Container.GetMetadata().GetAttempt() > g.rows[j].CRI.Container.GetMetadata().GetAttempt()
		})
		var evs []finding.Evidence
		for i, r := range g.rows {
			if i == maxEvidence {
				break
			}
			evs = append(evs, ev(r.CRIRef, r.CRI.Status))
		}
		subj := subjectOf(c)
		subj.Container = c.Name
		out = append(out, finding.Finding{
			Severity: sev,
			Title:    fmt.Sprintf("%s/%s/%s is in CrashLoopBackOff (attempt %d, exit codes %s)", c.PodNamespace, c.Pod, c.Name, g.maxAttempt, strings.Join(codes, ", ")),
			Subject:  subj,
			Explanation: fmt.Sprintf("%d attempts of this container are recorded, %d exited non-zero (exit codes: %s; last reason %q%s): %s.",
				len(g.rows), failed, strings.Join(codes, ", "), g.lastRsn, msgSuffix(g.lastMsg), why) + ix.tailSuffix(c.PodNamespace, c.Pod, c.Name),
			Evidence: evs,
			Remediation: []string{
				"Read the container's last log (logs/pods/" + c.PodNamespace + "/" + c.Pod + "/" + c.Name + "/) and `kubectl logs --previous`.",
				"Exit code 1–125 is the application's own; 126/127 a bad command or missing binary; 137 SIGKILL (OOM or a failed liveness probe); 139 a segfault.",
			},
		})
	}
	return capFindings(out)
}

func msgSuffix(m string) string {
	if m == "" {
		return ""
	}
	return ", message " + fmt.Sprintf("%q", finding.Cut(m, 160))
}

// pullRE finds the image in a pull error. "PullImage" must be followed by a
// quote (the kubelet's "PullImage from image service failed" names no image
// there), and the quote may carry any number of escaping backslashes (a pull
// error nested in the kubelet's err="..." is escaped twice).
var pullRE = regexp.MustCompile(`(?i)(?:PullImage\s+\\*"|(?:failed to pull(?: and unpack)? image|pulling image)\s*\\*"?)([^"\\ ]+)`)

// pullImageKV is the kubelet's image="..." field, the surest name when present.
var pullImageKV = regexp.MustCompile(`\simage="([^"\\ ]+)"`)

// PullErrorClass names a pull error's cause the way a person would search it.
func PullErrorClass(msg string) string {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "unauthorized"), strings.Contains(m, "authentication required"), strings.Contains(m, "denied"), strings.Contains(m, " 401"), strings.Contains(m, " 403"):
		return "auth"
	case strings.Contains(m, "x509"), strings.Contains(m, "tls:"), strings.Contains(m, "certificate"):
		return "tls"
	case strings.Contains(m, "no such host"), strings.Contains(m, "server misbehaving"), strings.Contains(m, "lookup "):
		return "dns"
	case strings.Contains(m, "i/o timeout"), strings.Contains(m, "deadline exceeded"), strings.Contains(m, "timeout"):
		return "timeout"
	case strings.Contains(m, "not found"), strings.Contains(m, "manifest unknown"), strings.Contains(m, "404"):
		return "not-found"
	case strings.Contains(m, "connection refused"), strings.Contains(m, "no route to host"), strings.Contains(m, "network is unreachable"), strings.Contains(m, "connection reset"):
		return "network-unreachable"
	case strings.Contains(m, "no space left"):
		return "disk-full"
	}
	return "unknown"
}

var pullClassFix = map[string]string{
	"auth":                "Check the pull secret / registry credentials (hosts.toml, registry.configs auth, imagePullSecrets) and that the account can read the repository.",
	"tls":                 "Give the runtime the registry's CA (certs.d/<host>/ca.crt) or fix the certificate; do not turn on skip_verify in production.",
	"dns":                 "The registry's name does not resolve on the node: check /etc/resolv.conf (configs/etc/resolv.conf) and the name.",
	"timeout":             "The registry did not answer in time: check proxies (the daemon's proxy variables in proc/processes.json), firewalls and the registry's health.",
	"not-found":           "The image or tag does not exist: check the reference for typos and that the tag was pushed for this platform.",
	"network-unreachable": "Nothing listens at the registry's address or the route is blocked: check the registry host and port, mirrors in hosts.toml, and proxies.",
	"disk-full":           "The image filesystem is full: free space (see the disk findings) or let the image GC run.",
	"unknown":             "Read the full error in the evidence.",
}

// pullHitCost is what pullFailures does to a record that names a failed
// pull, in log work units: a full parse (logrec.Parse: the context fields'
// regexps), the two image regexps, the error class's searches, and the
// parse of the group's last record.
func pullHitCost(r facts.LogRecord) int64 { return 6 * logwork.Read(len(r.Message)) }

func pullFailuresWithin(n *facts.Node, w *Work) []finding.Finding {
	type agg struct {
		hits    []logHit
		classes map[string]int
	}
	byImage := map[string]*agg{}
	for _, h := range w.scanLogs(n, runtimeLogs, func(r facts.LogRecord) bool {
		if chatter(r.Message) {
			return false
		}
		m := r.Message
		return containsFold(m, "failed to pull") || (containsFold(m, "pullimage") && containsFold(m, "failed"))
	}, pullHitCost) {
		// The parsed record names the image in every format (klog's
		// image="...", quoted levels, kubectl event rows); kubelet's
		// image="..." field and the regexp are the fallbacks for lines
		// logrec finds no image in.
		img := logrec.Parse(h.Rec.Message).Fields["image"]
		if m := pullImageKV.FindStringSubmatch(h.Rec.Message); img == "" && m != nil {
			img = m[1]
		} else if m := pullRE.FindStringSubmatch(h.Rec.Message); img == "" && m != nil && strings.ContainsAny(m[1], ":/.") {
			img = m[1]
		}
		if img == "" {
			img = "(unknown image)"
		}
		a := byImage[img]
		if a == nil {
			a = &agg{classes: map[string]int{}}
			byImage[img] = a
		}
		a.hits = append(a.hits, h)
		a.classes[PullErrorClass(h.Rec.Message)]++
	}
	var out []finding.Finding
	st := w.stateView(n)
	sock := sockPath(st.criSock, "/run/containerd/containerd.sock")
	verdicts := w.podVerdicts(n)
	// Only the findings capFindings keeps are made: each looks at every
	// pod (pullSubject, judgePull), so one per image of a log naming
	// 100,000 images was images x pods.
	images := facts.SortedKeys(byImage)
	for _, img := range images[:min(len(images), maxFindings)] {
		a := byImage[img]
		subj, pods := pullSubject(verdicts, img)
		class, best := "unknown", 0
		for _, c := range facts.SortedKeys(a.classes) {
			if a.classes[c] > best && c != "unknown" {
				class, best = c, a.classes[c]
			}
		}
		last := a.hits[len(a.hits)-1]
		var firstTime, lastTime time.Time
		for _, h := range a.hits {
			if h.Rec.Time.After(lastTime) {
				lastTime = h.Rec.Time
			}
			if !h.Rec.Time.IsZero() && (firstTime.IsZero() || h.Rec.Time.Before(firstTime)) {
				firstTime = h.Rec.Time
			}
		}
		out = append(out, finding.Finding{
			Severity: finding.Error,
			Title:    fmt.Sprintf("Pulling %s fails (%s)", img, class),
			Subject:  subj,
			Explanation: fmt.Sprintf("%s of pulling this image failed in the runtime's logs; the error class is %q. Kubelet shows ErrImagePull, then ImagePullBackOff while it waits to retry. Last error: %s",
				plural(len(a.hits), "attempt"), class, finding.Cut(last.Rec.Message, 300)) + pods,
			Evidence:    hitsEvidence(lastHits(a.hits)),
			Remediation: []string{pullClassFix[class], "Try the pull on the node: `crictl -r unix://" + sock + " pull " + img + "` shows the same error without kubelet's back-off."},
		})
		// A pull error is a log record: placed in time against the state.
		cur, contra, why := st.judgePull(img, logrec.Parse(last.Rec.Message).Fields["pod"], lastTime, n.Manifest.StartedAt)
		placeInTime(&out[len(out)-1], cur, contra, why, lastTime, n.Manifest.StartedAt)
		out[len(out)-1].Seen = &finding.Seen{First: firstTime, Last: lastTime, Count: len(a.hits)}
	}
	return capFindings(out)
}

// lastHits keeps the newest maxEvidence hits.
func lastHits(h []logHit) []logHit {
	if len(h) > maxEvidence {
		return h[len(h)-maxEvidence:]
	}
	return h
}

func sandboxNotReady(n *facts.Node) []finding.Finding { return sandboxNotReadyWithin(n, unbounded()) }

func sandboxNotReadyWithin(n *facts.Node, w *Work) []finding.Finding {
	var out []finding.Finding
	ready := readyPods(n)
	finished := succeededPods(n, w)
	for _, c := range n.Containers {
		if c.CRIPod == nil || c.CRIState() != "SANDBOX_NOTREADY" {
			continue
		}
		// A NOTREADY sandbox with a newer READY one for the same pod is
		// history; kubelet stops the sandbox of a pod that finished (every
		// container exited 0: Succeeded), which is not ContainerCreating.
		if k := (podKey{c.PodNamespace, c.Pod}); ready[k] || finished[k] {
			continue
		}
		if len(out) == maxFindings {
			break // capFindings keeps no more; evidence for 100,000 rows costs seconds
		}
		out = append(out, finding.Finding{
			Severity: finding.Warning,
			Title:    fmt.Sprintf("Pod %s/%s has no ready sandbox", c.PodNamespace, c.Pod),
			Subject:  subjectOf(c),
			Explanation: "The pod's only sandbox is NOTREADY: its network namespace or pause container is gone or was never set up. " +
				"Kubelet shows the pod as ContainerCreating (or recreates the sandbox); a CNI failure is the usual cause (see RT0404 and the CNI log signatures).",
			Evidence:    containerEvidence(c),
			Remediation: []string{"Look at the runtime's log for RunPodSandbox errors and at CNI readiness; delete the pod to get a fresh sandbox once the cause is fixed."},
		})
	}
	return capFindings(out)
}

// succeededPods is the set of pods kubelet would call Succeeded: every
// container exited 0 and the sandbox was stopped (podstatus's verdicts).
// A pod whose containers failed stays out: with its sandbox gone it may be
// waiting for a new one, which is RT0403's case.
func succeededPods(n *facts.Node, w *Work) map[podKey]bool {
	out := map[podKey]bool{}
	for _, v := range w.podVerdicts(n) {
		if v.Phase == podstatus.PhaseSucceeded {
			out[podKey{v.Namespace, v.Pod}] = true
		}
	}
	return out
}

// podKey names a pod across its sandboxes.
type podKey struct{ namespace, name string }

// readyPods is the set of pods with a READY sandbox, built in one pass so
// the NOTREADY check is a lookup: a scan per sandbox was quadratic (40,000
// NOTREADY sandboxes kept inspect busy for 102 s, issue #15).
func readyPods(n *facts.Node) map[podKey]bool {
	out := map[podKey]bool{}
	for _, o := range n.Containers {
		if o.CRIPod != nil && o.CRIState() == "SANDBOX_READY" {
			out[podKey{o.PodNamespace, o.Pod}] = true
		}
	}
	return out
}

func networkNotReady(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, slug := range facts.SortedKeys(n.CRI) {
		ep := n.CRI[slug]
		if ep.Status == nil || ep.Status.Status == nil {
			continue
		}
		for i, cond := range ep.Status.Status.Conditions {
			if cond == nil || cond.Status || (cond.Type != "NetworkReady" && cond.Type != "RuntimeReady") {
				continue
			}
			sev := finding.Error
			if cond.Type == "RuntimeReady" {
				sev = finding.Critical
			}
			out = append(out, finding.Finding{
				Severity: sev,
				Title:    fmt.Sprintf("%s reports %s=false", ep.Endpoint(), cond.Type),
				Subject:  finding.Subject{Endpoint: ep.Endpoint()},
				Explanation: fmt.Sprintf("The runtime's CRI status says %s is false (reason %q, %q). With NetworkReady=false no pod sandbox can get a network: new pods stay ContainerCreating with \"cni plugin not initialized\".",
					cond.Type, cond.Reason, finding.Cut(cond.Message, 200)),
				Evidence:    []finding.Evidence{ev(facts.Ref{Path: ep.Dir + "/status.json", Pointer: fmt.Sprintf("/status/conditions/%d", i)}, cond)},
				Remediation: []string{"Check that a CNI config exists in the runtime's conf_dir (configs/<cni dir>) and its plugins in bin_dir (configs/cni-plugins.json); the CNI daemonset (calico, cilium, flannel) must be running."},
			})
		}
	}
	return out
}

func createErrors(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for _, c := range n.Containers {
		if c.CRI == nil || c.CRI.Status == nil {
			continue
		}
		st := c.CRI.Status
		r := st.Reason
		if !(r == "CreateContainerError" || r == "RunContainerError" || r == "StartError" || r == "ContainerCannotRun" ||
			(c.CRIState() == "CONTAINER_EXITED" && st.ExitCode == 128)) {
			continue
		}
		out = append(out, finding.Finding{
			Severity: finding.Error,
			Title:    fmt.Sprintf("%s could not be started (%s)", c.Label(), orDash(r)),
			Subject:  subjectOf(c),
			Explanation: fmt.Sprintf("The OCI runtime failed to create or start the container: %s. Kubelet shows CreateContainerError or RunContainerError.",
				finding.Cut(orDash(st.Message), 300)),
			Evidence:    containerEvidence(c),
			Remediation: []string{"The message names the runtime's reason: a missing executable or mount source, a bad cgroup path or limit, a seccomp/AppArmor profile. Fix the pod spec or the node accordingly."},
		})
	}
	return capFindings(out)
}
