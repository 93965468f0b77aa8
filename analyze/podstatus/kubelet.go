package podstatus

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/logwork"
)

// Basis says what a verdict rests on.
const (
	// BasisCRI: CRI state alone (no kubelet log line for the pod).
	BasisCRI = "cri"
	// BasisCRIAndLog: CRI state and the kubelet's sync errors.
	BasisCRIAndLog = "cri+kubelet-log"
	// BasisLog: the pod has nothing in CRI (its sandbox never came up); the
	// kubelet's sync errors are all there is.
	BasisLog = "kubelet-log"
)

// LogOnlyWindow is how recent a kubelet sync error must be (to the newest
// kubelet line in the bundle) for a pod that CRI does not know to count as
// still there: the kubelet retries a failing pod at least every 5 minutes
// (its back-off cap), so a pod with no error for longer is gone or healed.
const LogOnlyWindow = 10 * time.Minute

// Verdict is one pod's status as kubectl would print it, with the container
// statuses it was reduced from and where they came from.
type Verdict struct {
	Namespace string `json:"namespace"`
	Pod       string `json:"pod"`
	UID       string `json:"uid,omitempty"`
	// Endpoint is the CRI socket the pod's sandbox was read from.
	Endpoint   string            `json:"endpoint,omitempty"`
	Status     string            `json:"status"`
	Phase      string            `json:"phase"`
	Basis      string            `json:"basis"`
	Containers []ContainerStatus `json:"containers"`
	// Refs cite the CRI records used; Errors the kubelet lines used.
	Refs   []facts.Ref `json:"refs,omitempty"`
	Errors []SyncError `json:"errors,omitempty"`
}

// Healthy says the verdict is one kubectl shows for a pod doing what it should.
func (v Verdict) Healthy() bool {
	return v.Status == PhaseRunning || v.Status == ReasonCompleted || v.Status == PhaseSucceeded
}

// Problem returns the first container (by name) whose state gives the pod
// its status, for findings that must name one; nil when none does.
func (v Verdict) Problem() *ContainerStatus {
	for i := range v.Containers {
		c := &v.Containers[i]
		if (c.State.Waiting != nil && c.State.Waiting.Reason == v.Status) ||
			(c.State.Terminated != nil && (c.State.Terminated.Reason == v.Status || strings.HasSuffix(v.Status, ":"+strconv.Itoa(int(c.State.Terminated.ExitCode))))) {
			return c
		}
	}
	return nil
}

// pod gathers one pod's CRI records.
type pod struct {
	ns, name, uid, endpoint string
	sandbox                 *facts.Container
	containers              map[string][]*facts.Container // by container name, newest first
}

// Verdicts computes the status of every pod the bundle knows, sorted by
// namespace and name. It reads n.Containers (CRI) and every non-container
// log (journal/*.jsonl, journal/files/*.log) for kubelet lines.
func Verdicts(n *facts.Node) []Verdict { return VerdictsWithin(n, nil, "") }

// VerdictsWithin is Verdicts paying its reading of the kubelet's log lines
// from b as reader (nil: no bound). When b runs out, the lines from there
// on are not read (b names where) and the verdicts rest on the CRI state
// and the lines before.
func VerdictsWithin(n *facts.Node, b *logwork.Budget, reader string) []Verdict {
	klog := kubeletLog(n, b, reader)
	pods := criPods(n)
	errsByUID, errsByName := indexErrors(klog.Errors)
	var out []Verdict
	seen := map[string]bool{}
	for _, k := range facts.SortedKeys(pods) {
		p := pods[k]
		errs := errsByUID[p.uid]
		if len(errs) == 0 {
			errs = errsByName[p.ns+"/"+p.name]
		}
		out = append(out, criVerdict(p, errs, klog.Lines > 0))
		seen[p.ns+"/"+p.name] = true
	}
	out = append(out, logOnlyVerdicts(klog, errsByName, seen)...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Pod < out[j].Pod
	})
	return out
}

func kubeletLog(n *facts.Node, b *logwork.Budget, reader string) *KubeletLog {
	k := &KubeletLog{}
	ref := n.Manifest.StartedAt
	seq := 0
	// Container output is the application's: not read.
	notContainer := func(p string) bool { return !strings.HasPrefix(p, "logs/") }
	facts.WalkLogs(n, b, reader, notContainer, facts.ScanMessage, func(path string, r facts.LogRecord) bool {
		if syncCandidate(r.Message) && !b.Pay(parseCost(r.Message)) {
			return false
		}
		seq++
		k.ParseLine(path, r.Line, seq, r.Time, r.Message, ref)
		return true
	})
	return k
}

// criPods groups sandboxes and containers by pod UID (else namespace/name).
func criPods(n *facts.Node) map[string]*pod {
	pods := map[string]*pod{}
	get := func(ns, name, uid string) *pod {
		k := uid
		if k == "" {
			k = ns + "/" + name
		}
		p := pods[k]
		if p == nil {
			p = &pod{ns: ns, name: name, uid: uid, containers: map[string][]*facts.Container{}}
			pods[k] = p
		}
		return p
	}
	for _, c := range n.Containers {
		if c.Sandbox && c.CRIPod != nil && c.CRIPod.Pod != nil && c.Pod != "" {
			p := get(c.PodNamespace, c.Pod, c.PodUID)
			if p.sandbox == nil || c.CRIPod.Pod.CreatedAt > p.sandbox.CRIPod.Pod.CreatedAt {
				p.sandbox, p.endpoint = c, c.Endpoint
			}
		}
	}
	for _, c := range n.Containers {
		if c.Sandbox || c.CRI == nil || c.CRI.Container == nil || c.Pod == "" {
			continue
		}
		uid := c.PodUID
		if uid == "" {
			uid = c.CRI.Container.Labels["io.kubernetes.pod.uid"]
		}
		p := get(c.PodNamespace, c.Pod, uid)
		if p.endpoint == "" {
			p.endpoint = c.Endpoint
		}
		p.containers[c.Name] = append(p.containers[c.Name], c)
	}
	for _, p := range pods {
		for _, cs := range p.containers {
			// Newest first, as the kubelet sorts them (by creation time).
			sort.SliceStable(cs, func(i, j int) bool { return created(cs[i]) > created(cs[j]) })
		}
	}
	return pods
}

func created(c *facts.Container) int64 {
	if c.CRI.Status != nil && c.CRI.Status.CreatedAt != 0 {
		return c.CRI.Status.CreatedAt
	}
	return c.CRI.Container.CreatedAt
}

func indexErrors(errs []SyncError) (byUID, byName map[string][]SyncError) {
	byUID, byName = map[string][]SyncError{}, map[string][]SyncError{}
	for _, e := range errs {
		if e.PodUID != "" {
			byUID[e.PodUID] = append(byUID[e.PodUID], e)
		}
		if e.PodName != "" {
			byName[e.PodNamespace+"/"+e.PodName] = append(byName[e.PodNamespace+"/"+e.PodName], e)
		}
	}
	return byUID, byName
}

// latestError is the newest error for a container (container != "") or for
// the pod itself (container == "").
func latestError(errs []SyncError, container string) *SyncError {
	var best *SyncError
	for i := range errs {
		e := &errs[i]
		if e.Container != container {
			continue
		}
		if best == nil || later(e.Time, e.Seq, best.Time, best.Seq) {
			best = e
		}
	}
	return best
}

// shownError is the sync error the kubelet's reported status carries for a
// container, and the newer one it has logged but not reported yet. The
// kubelet builds a pod's status at the start of a sync, from the reason cache
// the previous sync left (syncPod in pkg/kubelet/kubelet.go: generateAPIPodStatus
// before SyncPod, reasonCache.Update after it), so the status shows the error
// before the newest one; after a failed sync the pod worker syncs again
// within 10 s (backOffPeriod in pod_workers.go). Only errors of the current
// failure count: those logged after the newest attempt finished (the cache is
// cleared when a container starts), or all when the container never existed.
func shownError(errs []SyncError, container string, hasAttempt bool, finished time.Time) (shown, pending *SyncError) {
	var cur []*SyncError
	for i := range errs {
		e := &errs[i]
		if e.Container != container {
			continue
		}
		if hasAttempt && (finished.IsZero() || e.Time.IsZero() || e.Time.Before(finished.Add(-time.Second))) {
			continue
		}
		cur = append(cur, e)
	}
	sort.SliceStable(cur, func(i, j int) bool { return later(cur[j].Time, cur[j].Seq, cur[i].Time, cur[i].Seq) })
	switch len(cur) {
	case 0:
		return nil, nil
	case 1:
		return nil, cur[0]
	}
	return cur[len(cur)-2], cur[len(cur)-1]
}

// maxPodContainers bounds the containers of one pod that only its kubelet
// errors name (StartContainer for a container CRI does not have): a pod
// spec is at most an etcd object of 1.5 MiB, a few thousand containers, and
// a crafted log naming millions would make a verdict of millions.
const maxPodContainers = 4096

// criVerdict rebuilds the container statuses the kubelet reports
// (convertToAPIContainerStatuses in pkg/kubelet/kubelet_pods.go, v1.34.4):
// the newest attempt gives State, the one before it LastTerminationState;
// a container the kubelet would restart takes its reason-cache entry (see
// shownError) as a Waiting state.
func criVerdict(p *pod, errs []SyncError, haveKubeletLog bool) Verdict {
	v := Verdict{Namespace: p.ns, Pod: p.name, UID: p.uid, Endpoint: p.endpoint, Basis: BasisCRI}
	// The kubelet stops the sandbox of a pod that is done (and of one it is
	// about to replace): containers of a pod with a ready sandbox get restarted.
	restartable := p.sandbox != nil && p.sandbox.CRIState() == "SANDBOX_READY"
	if p.sandbox != nil {
		v.Refs = append(v.Refs, p.sandbox.CRIRef)
	}
	names := map[string]bool{}
	for name := range p.containers {
		names[name] = true
	}
	// Each container's errors, in log order: looking them up by scanning
	// all of the pod's errors per container was containers x errors, and a
	// crafted kubelet log naming 100,000 containers of one pod holds both.
	byContainer := map[string][]SyncError{}
	for _, e := range errs {
		if e.Op == "StartContainer" && e.Container != "" && !names[e.Container] && len(names) < maxPodContainers {
			names[e.Container] = true
		}
		byContainer[e.Container] = append(byContainer[e.Container], e)
	}
	for _, name := range facts.SortedKeys(names) {
		attempts := p.containers[name]
		cs := ContainerStatus{Name: name, State: ContainerState{Waiting: &Waiting{Reason: ReasonContainerCreating}}}
		var finished time.Time
		if len(attempts) > 0 {
			cs.State, finished = criState(attempts[0])
			cs.Ready = cs.State.Running
			cs.RestartCount = restartCount(attempts[0])
			v.Refs = append(v.Refs, attempts[0].CRIRef)
			if len(attempts) > 1 {
				if prev, _ := criState(attempts[1]); prev.Terminated != nil {
					cs.LastTerminated = prev.Terminated
				}
			}
		}
		if restartable && !cs.State.Running {
			e, pending := shownError(byContainer[name], name, len(attempts) > 0, finished)
			switch {
			case e != nil:
				if cs.State.Terminated != nil {
					cs.LastTerminated = cs.State.Terminated
				}
				cs.State = ContainerState{Waiting: &Waiting{Reason: e.Reason, Message: e.Message}}
				v.Errors = append(v.Errors, *e)
				v.Basis = BasisCRIAndLog
			case pending != nil:
				// Logged, but not yet in the status the kubelet reported.
				v.Errors = append(v.Errors, *pending)
				v.Basis = BasisCRIAndLog
			case !haveKubeletLog && cs.State.Terminated != nil && len(attempts) > 1:
				// No kubelet log in the bundle: a container that was
				// restarted and is down again is, most of the time, waiting
				// out its back-off.
				cs.LastTerminated = cs.State.Terminated
				cs.State = ContainerState{Waiting: &Waiting{Reason: ReasonCrashLoopBackOff, Message: "inferred from CRI: restarted and exited again; no kubelet log in the bundle"}}
			}
		}
		v.Containers = append(v.Containers, cs)
	}
	if len(v.Containers) == 0 {
		// No container known: the kubelet shows its default waiting state.
		v.Phase, v.Status = PhasePending, ReasonContainerCreating
		if e := latestError(byContainer[""], ""); e != nil {
			v.Errors, v.Basis = append(v.Errors, *e), BasisCRIAndLog
		}
		return v
	}
	v.Phase = phase(v.Containers, restartable)
	ready := true
	for _, c := range v.Containers {
		ready = ready && c.Ready
	}
	v.Status = Status(Pod{Phase: v.Phase, Ready: ready, Containers: v.Containers})
	return v
}

// criState converts one CRI container to a v1 state (convertContainerStatus
// in kubelet_pods.go) and returns when it finished.
func criState(c *facts.Container) (ContainerState, time.Time) {
	st := c.CRI.Status
	switch c.CRIState() {
	case "CONTAINER_RUNNING":
		return ContainerState{Running: true}, time.Time{}
	case "CONTAINER_CREATED":
		return ContainerState{Waiting: &Waiting{}}, time.Time{}
	case "CONTAINER_EXITED":
		if st == nil {
			return ContainerState{Terminated: &Terminated{}}, time.Time{}
		}
		var fin time.Time
		if st.FinishedAt > 0 {
			fin = time.Unix(0, st.FinishedAt)
		}
		return ContainerState{Terminated: &Terminated{ExitCode: st.ExitCode, Reason: st.Reason, Message: st.Message}}, fin
	}
	// CONTAINER_UNKNOWN: the kubelet reports ContainerStatusUnknown for a
	// container it saw running before; one that started once has.
	if st != nil && st.StartedAt > 0 {
		return ContainerState{Terminated: &Terminated{ExitCode: 137, Reason: ReasonStatusUnknown,
			Message: "The container could not be located when the pod was terminated"}}, time.Time{}
	}
	return ContainerState{Waiting: &Waiting{}}, time.Time{}
}

// restartCount is the kubelet's annotation, else the CRI attempt number.
func restartCount(c *facts.Container) int32 {
	ann := c.CRI.Container.Annotations
	if c.CRI.Status != nil && c.CRI.Status.Annotations != nil {
		ann = c.CRI.Status.Annotations
	}
	if s, ok := ann["io.kubernetes.container.restartCount"]; ok {
		if n, err := strconv.ParseInt(s, 10, 32); err == nil {
			return int32(n)
		}
	}
	if md := c.CRI.Container.Metadata; md != nil {
		return int32(md.Attempt)
	}
	return 0
}

// phase follows the kubelet's getPhase (kubelet_pods.go) for regular
// containers; restartable stands in for the restart policy, which CRI does
// not record.
func phase(cs []ContainerStatus, restartable bool) string {
	var waiting, running, stopped, succeeded int
	for _, c := range cs {
		switch {
		case c.State.Running:
			running++
		case c.State.Terminated != nil:
			stopped++
			if c.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case c.State.Waiting != nil && c.LastTerminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	switch {
	case waiting > 0:
		return PhasePending
	case running > 0:
		return PhaseRunning
	case stopped > 0 && restartable:
		return PhaseRunning
	case stopped > 0 && stopped == succeeded:
		return PhaseSucceeded
	case stopped > 0:
		return PhaseFailed
	}
	return PhasePending
}

// logOnlyVerdicts: pods CRI does not know whose newest kubelet error is
// recent and not followed by the pod's deletion. Their sandbox never came up,
// so the kubelet shows the default waiting state: ContainerCreating.
func logOnlyVerdicts(k *KubeletLog, errsByName map[string][]SyncError, seen map[string]bool) []Verdict {
	var newest time.Time
	for _, e := range k.Errors {
		if e.Time.After(newest) {
			newest = e.Time
		}
	}
	for _, ev := range k.Events {
		if ev.Time.After(newest) {
			newest = ev.Time
		}
	}
	removed := map[string]PodEvent{}
	for _, ev := range k.Events {
		if ev.Kind != "DELETE" && ev.Kind != "REMOVE" {
			continue
		}
		key := ev.PodNamespace + "/" + ev.PodName
		if old, ok := removed[key]; !ok || later(ev.Time, ev.Seq, old.Time, old.Seq) {
			removed[key] = ev
		}
	}
	var out []Verdict
	for _, key := range facts.SortedKeys(errsByName) {
		if seen[key] {
			continue
		}
		errs := errsByName[key]
		e := latestError(errs, "")
		if e == nil || (e.Op != "CreatePodSandbox" && e.Op != "ConfigPodSandbox") {
			continue
		}
		if ev, ok := removed[key]; ok && later(ev.Time, ev.Seq, e.Time, e.Seq) {
			continue
		}
		if !e.Time.IsZero() && !newest.IsZero() && newest.Sub(e.Time) > LogOnlyWindow {
			continue
		}
		out = append(out, Verdict{Namespace: e.PodNamespace, Pod: e.PodName, UID: e.PodUID,
			Status: ReasonContainerCreating, Phase: PhasePending, Basis: BasisLog, Errors: []SyncError{*e}})
	}
	return out
}
