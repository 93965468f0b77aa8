// Package podstatus names a pod's status the way `kubectl get pods` does
// (the STATUS column), reconstructed from what a bundle holds: CRI state of
// the pod's sandbox and containers, and the kubelet's "Error syncing pod" log
// lines, which carry what the kubelet keeps in its reason cache
// (CrashLoopBackOff, ErrImagePull, ImagePullBackOff, CreatePodSandboxError...).
//
// Two steps, as in Kubernetes: kubelet.go rebuilds the container statuses the
// kubelet would report (pkg/kubelet/kubelet_pods.go,
// convertToAPIContainerStatuses), and Status below reduces them to one word
// the way kubectl's printer does (pkg/printers/internalversion/printers.go,
// printPod).
package podstatus

import "fmt"

// Phases, as the API names them.
const (
	PhasePending   = "Pending"
	PhaseRunning   = "Running"
	PhaseSucceeded = "Succeeded"
	PhaseFailed    = "Failed"
)

// Reasons this package produces or kubectl prints that callers compare with.
const (
	ReasonContainerCreating = "ContainerCreating"
	ReasonCrashLoopBackOff  = "CrashLoopBackOff"
	ReasonImagePullBackOff  = "ImagePullBackOff"
	ReasonErrImagePull      = "ErrImagePull"
	ReasonCompleted         = "Completed"
	ReasonError             = "Error"
	ReasonOOMKilled         = "OOMKilled"
	ReasonStatusUnknown     = "ContainerStatusUnknown"
)

// ContainerState is one container's v1.ContainerState: exactly one of
// Waiting, Running, Terminated is set (Waiting with an empty Reason is a
// valid state: a created container that has not started).
type ContainerState struct {
	Waiting    *Waiting    `json:"waiting,omitempty"`
	Running    bool        `json:"running,omitempty"`
	Terminated *Terminated `json:"terminated,omitempty"`
}

// Waiting is v1.ContainerStateWaiting.
type Waiting struct {
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// Terminated is v1.ContainerStateTerminated.
type Terminated struct {
	ExitCode int32  `json:"exit_code"`
	Signal   int32  `json:"signal,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Message  string `json:"message,omitempty"`
}

// ContainerStatus is the part of v1.ContainerStatus the printer reads.
type ContainerStatus struct {
	Name  string         `json:"name"`
	State ContainerState `json:"state"`
	// LastTerminated is LastTerminationState.Terminated.
	LastTerminated *Terminated `json:"last_terminated,omitempty"`
	Ready          bool        `json:"ready"`
	RestartCount   int32       `json:"restart_count"`
}

// Pod is the part of a v1.PodStatus the printer reads. Init containers are
// not modelled: CRI does not say which containers are init containers.
type Pod struct {
	Phase string
	// Reason is PodStatus.Reason (Evicted, NodeLost, ...), usually empty.
	Reason string
	// Ready is the PodReady condition.
	Ready bool
	// Containers in the order the kubelet reports them (sorted by name).
	Containers []ContainerStatus
}

// Status is the STATUS column of `kubectl get pods` for p: a port of the
// regular-container part of printPod in kubectl's printer,
// https://github.com/kubernetes/kubernetes/blob/v1.34.4/pkg/printers/internalversion/printers.go#L892
// (init containers and deletion, which a runtime does not record, are left out).
// The loop runs from the last container to the first, so the first container
// (by name) with a waiting or terminated reason decides.
func Status(p Pod) string {
	reason := p.Phase
	if p.Reason != "" {
		reason = p.Reason
	}
	hasRunning := false
	for i := len(p.Containers) - 1; i >= 0; i-- {
		c := p.Containers[i]
		st := c.State
		switch {
		case st.Waiting != nil && st.Waiting.Reason != "":
			reason = st.Waiting.Reason
		case st.Terminated != nil && st.Terminated.Reason != "":
			reason = st.Terminated.Reason
		case st.Terminated != nil && st.Terminated.Signal != 0:
			reason = fmt.Sprintf("Signal:%d", st.Terminated.Signal)
		case st.Terminated != nil:
			reason = fmt.Sprintf("ExitCode:%d", st.Terminated.ExitCode)
		case c.Ready && st.Running:
			hasRunning = true
		}
	}
	// A completed container next to a running one: the pod is Running.
	if reason == ReasonCompleted && hasRunning {
		if p.Ready {
			reason = PhaseRunning
		} else {
			reason = "NotReady"
		}
	}
	return reason
}
