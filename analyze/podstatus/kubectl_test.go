package podstatus

import "testing"

// Each case is a pod status seen in the wild with the STATUS kubectl printed
// for it (the source is named next to the case).
func TestStatusMatchesKubectl(t *testing.T) {
	running := ContainerState{Running: true}
	cases := []struct {
		name string
		pod  Pod
		want string
	}{
		// kubectl describe: Status Running, State Waiting CrashLoopBackOff, Last State Terminated Completed exit 0.
		// https://github.com/kubernetes/kubernetes/issues/49873
		{"crashloop after exit 0", Pod{Phase: PhaseRunning, Containers: []ContainerStatus{{Name: "my-tengine",
			State: ContainerState{Waiting: &Waiting{Reason: "CrashLoopBackOff"}}, LastTerminated: &Terminated{Reason: "Completed"}, RestartCount: 5}}},
			"CrashLoopBackOff"},
		// kubectl get pods: ErrImagePull and ImagePullBackOff, phase Pending for both.
		// https://github.com/kubernetes/kubernetes/issues/66828
		{"err image pull", Pod{Phase: PhasePending, Containers: []ContainerStatus{{Name: "c", State: ContainerState{Waiting: &Waiting{Reason: "ErrImagePull"}}}}}, "ErrImagePull"},
		{"image pull backoff", Pod{Phase: PhasePending, Containers: []ContainerStatus{{Name: "c", State: ContainerState{Waiting: &Waiting{Reason: "ImagePullBackOff"}}}}}, "ImagePullBackOff"},
		// kubectl describe: Status Pending, State Waiting Reason ContainerCreating (sandbox creation failing).
		// https://github.com/kubernetes/kubeadm/issues/578
		{"container creating", Pod{Phase: PhasePending, Containers: []ContainerStatus{{Name: "nginx", State: ContainerState{Waiting: &Waiting{Reason: "ContainerCreating"}}}}}, "ContainerCreating"},
		// STATUS "ExitCode:0": terminated with no reason (working as intended, says the maintainer).
		// https://github.com/kubernetes/kubernetes/issues/72020
		{"exit code without reason", Pod{Phase: PhaseSucceeded, Containers: []ContainerStatus{{Name: "c", State: ContainerState{Terminated: &Terminated{ExitCode: 0}}}}}, "ExitCode:0"},
		// Status Succeeded, container Terminated Reason Error Exit Code 0: kubectl get pods shows Error.
		// https://github.com/kubernetes/kubernetes/issues/14307
		{"reason beats phase", Pod{Phase: PhaseSucceeded, Containers: []ContainerStatus{{Name: "c", State: ContainerState{Terminated: &Terminated{Reason: "Error"}}}}}, "Error"},
		// A signal without a reason.
		{"signal", Pod{Phase: PhaseFailed, Containers: []ContainerStatus{{Name: "c", State: ContainerState{Terminated: &Terminated{ExitCode: 137, Signal: 9}}}}}, "Signal:9"},
		// Healthy pods: the phase.
		{"running", Pod{Phase: PhaseRunning, Ready: true, Containers: []ContainerStatus{{Name: "a", State: running, Ready: true}, {Name: "b", State: running, Ready: true}}}, "Running"},
		// A created, not yet started container (Waiting with no reason): the phase shows.
		{"created", Pod{Phase: PhasePending, Containers: []ContainerStatus{{Name: "c", State: ContainerState{Waiting: &Waiting{}}}}}, "Pending"},
		// One container done, one running: printPod turns Completed back into Running (NotReady without the Ready condition).
		{"completed next to running", Pod{Phase: PhaseRunning, Ready: true, Containers: []ContainerStatus{{Name: "a", State: ContainerState{Terminated: &Terminated{Reason: "Completed"}}}, {Name: "b", State: running, Ready: true}}}, "Running"},
		{"completed next to running, not ready", Pod{Phase: PhaseRunning, Containers: []ContainerStatus{{Name: "a", State: ContainerState{Terminated: &Terminated{Reason: "Completed"}}}, {Name: "b", State: running, Ready: true}}}, "NotReady"},
		// The first container by name decides (the loop runs backwards).
		{"first container wins", Pod{Phase: PhaseRunning, Containers: []ContainerStatus{
			{Name: "a", State: ContainerState{Terminated: &Terminated{Reason: "OOMKilled", ExitCode: 137}}},
			{Name: "b", State: ContainerState{Waiting: &Waiting{Reason: "CrashLoopBackOff"}}}}}, "OOMKilled"},
		// A pod-level reason (Evicted) shows when no container has one.
		{"pod reason", Pod{Phase: PhaseFailed, Reason: "Evicted"}, "Evicted"},
	}
	for _, c := range cases {
		if got := Status(c.pod); got != c.want {
			t.Errorf("%s: Status = %q, want %q", c.name, got, c.want)
		}
	}
}
