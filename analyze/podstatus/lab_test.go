package podstatus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/podstatus"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// rtsnapBin is the collector built once for the lab tests (empty under -short).
var rtsnapBin string

func TestMain(m *testing.M) { os.Exit(lab.RunWithCollector(m, &rtsnapBin)) }

// apiPod is the part of a v1.Pod (kubectl get pods -o json) the STATUS column reads.
type apiPod struct {
	Metadata struct {
		Name, Namespace, UID string
		DeletionTimestamp    *time.Time `json:"deletionTimestamp"`
	} `json:"metadata"`
	Spec struct {
		NodeName string `json:"nodeName"`
	} `json:"spec"`
	Status struct {
		Phase, Reason string
		Conditions    []struct{ Type, Status string } `json:"conditions"`
		Containers    []apiContainer                  `json:"containerStatuses"`
		Init          []apiContainer                  `json:"initContainerStatuses"`
	} `json:"status"`
}

type apiContainer struct {
	Name         string `json:"name"`
	Ready        bool   `json:"ready"`
	RestartCount int32  `json:"restartCount"`
	State        struct {
		Waiting    *podstatus.Waiting `json:"waiting"`
		Running    *struct{}          `json:"running"`
		Terminated *struct {
			ExitCode int32  `json:"exitCode"`
			Signal   int32  `json:"signal"`
			Reason   string `json:"reason"`
		} `json:"terminated"`
	} `json:"state"`
}

// status is podstatus.Status over the API object: the port of kubectl's printPod.
func (p apiPod) status() string {
	in := podstatus.Pod{Phase: p.Status.Phase, Reason: p.Status.Reason}
	for _, c := range p.Status.Conditions {
		if c.Type == "Ready" && c.Status == "True" {
			in.Ready = true
		}
	}
	for _, c := range p.Status.Containers {
		cs := podstatus.ContainerStatus{Name: c.Name, Ready: c.Ready, RestartCount: c.RestartCount}
		switch {
		case c.State.Waiting != nil:
			cs.State.Waiting = c.State.Waiting
		case c.State.Running != nil:
			cs.State.Running = true
		case c.State.Terminated != nil:
			cs.State.Terminated = &podstatus.Terminated{ExitCode: c.State.Terminated.ExitCode, Signal: c.State.Terminated.Signal, Reason: c.State.Terminated.Reason}
		}
		in.Containers = append(in.Containers, cs)
	}
	return podstatus.Status(in)
}

// snapshot is what kubectl says about every pod at one moment: the STATUS
// column kubectl itself printed, and the API objects.
type snapshot struct {
	printed map[string]string // ns/name -> STATUS
	objects map[string]apiPod
}

func kubectlSnapshot(t *testing.T, k lab.K8s) snapshot {
	t.Helper()
	ctx := context.Background()
	table, err := k.Kubectl(ctx, "get", "pods", "-A", "--no-headers")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := k.Kubectl(ctx, "get", "pods", "-A", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{printed: map[string]string{}, objects: map[string]apiPod{}}
	for _, line := range strings.Split(strings.TrimSpace(string(table)), "\n") {
		f := strings.Fields(line) // NAMESPACE NAME READY STATUS RESTARTS AGE
		if len(f) >= 4 {
			s.printed[f[0]+"/"+f[1]] = f[3]
		}
	}
	var list struct{ Items []apiPod }
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("kubectl get pods -o json: %v", err)
	}
	for _, p := range list.Items {
		s.objects[p.Metadata.Namespace+"/"+p.Metadata.Name] = p
	}
	return s
}

// waitFor polls kubectl until every pod named in want shows one of its statuses.
func waitFor(t *testing.T, k lab.K8s, want map[string][]string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		s := kubectlSnapshot(t, k)
		missing := []string{}
		for pod, sts := range want {
			ok := false
			for _, st := range sts {
				ok = ok || s.printed[pod] == st
			}
			if !ok {
				missing = append(missing, fmt.Sprintf("%s=%q (want %v)", pod, s.printed[pod], sts))
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pods did not reach their fault states within %v: %s", d, strings.Join(missing, ", "))
		}
		time.Sleep(2 * time.Second)
	}
}

// TestLabPodVerdictsMatchKubectl stages the real kubelet faults, collects
// from both lab nodes and compares the analyzer's per-pod verdict with the
// STATUS column `kubectl get pods` printed for the same pods at the same
// time, on every pod of the cluster.
func TestLabPodVerdictsMatchKubectl(t *testing.T) {
	k := lab.RequireK8s(t)
	if rtsnapBin == "" {
		t.Fatal("rtsnap binary was not built (see TestMain output)")
	}
	for _, f := range []string{"k8s-crashloop", "k8s-pullfail", "k8s-oom", "k8s-cni"} {
		lab.Fault(t, f)
	}
	ns := k.Namespace
	want := map[string][]string{
		ns + "/crashloop": {podstatus.ReasonCrashLoopBackOff},
		ns + "/failed":    {podstatus.ReasonError},
		ns + "/oom":       {podstatus.ReasonOOMKilled},
		ns + "/pullfail":  {podstatus.ReasonErrImagePull, podstatus.ReasonImagePullBackOff},
		ns + "/creating":  {podstatus.ReasonContainerCreating},
	}
	waitFor(t, k, want, 150*time.Second)

	args := []string{"--since", "15m", "--only", "cri,journal"}
	// Every node's runtime, the CRI-O and cri-dockerd ones too: kubectl
	// lists their pods as well.
	for _, n := range k.All() {
		args = append(args, "--runtime-endpoint", n.Socket)
	}
	const rounds = 6
	var a *analyze.Analysis
	agreed := false
	for round := 1; round <= rounds && !agreed; round++ {
		before := kubectlSnapshot(t, k)
		path := lab.Collect(t, rtsnapBin, args...)
		after := kubectlSnapshot(t, k)
		var err error
		if a, err = analyze.Load(path, analyze.Options{}); err != nil {
			t.Fatalf("analyzing the lab bundle: %v", err)
		}
		verdicts := map[string]podstatus.Verdict{}
		for _, v := range podstatus.Verdicts(a.Node) {
			verdicts[v.Namespace+"/"+v.Pod] = v
		}
		var unstable, disagree []string
		for _, pod := range facts.SortedKeys(before.printed) {
			printed := before.printed[pod]
			if after.printed[pod] != printed {
				unstable = append(unstable, fmt.Sprintf("%s %s->%s", pod, printed, after.printed[pod]))
				continue
			}
			// The port of kubectl's printer gives what kubectl printed.
			if obj, ok := before.objects[pod]; ok && obj.status() == printed {
				// ok
			} else if ok {
				unstable = append(unstable, fmt.Sprintf("%s printPod port %q, kubectl printed %q", pod, obj.status(), printed))
				continue
			}
			v, ok := verdicts[pod]
			switch {
			case !ok:
				disagree = append(disagree, fmt.Sprintf("%s: kubectl %s, not in the bundle", pod, printed))
			case v.Status != printed:
				disagree = append(disagree, fmt.Sprintf("%s: kubectl %s, analyzer %s (%s) %+v", pod, printed, v.Status, v.Basis, v.Containers))
			}
		}
		for _, pod := range facts.SortedKeys(verdicts) {
			if _, ok := after.printed[pod]; !ok {
				if _, ok := before.printed[pod]; !ok {
					disagree = append(disagree, fmt.Sprintf("%s: analyzer %s, unknown to kubectl", pod, verdicts[pod].Status))
				}
			}
		}
		// The findings below are checked on a round where every staged pod
		// shows a fault: a crash-looping pod is Running for a moment
		// between its restarts, and then rightly has no pod finding (Error,
		// between a crash and the back-off, is a fault too).
		var between []string
		for _, pod := range facts.SortedKeys(want) {
			faults := want[pod]
			if pod == ns+"/crashloop" {
				faults = append(slices.Clone(faults), podstatus.ReasonError)
			}
			if !slices.Contains(faults, before.printed[pod]) {
				between = append(between, pod+"="+before.printed[pod])
			}
		}
		t.Logf("round %d: %d pods, %d changed while collecting %v, %d disagree %v, %d not in their fault state %v",
			round, len(before.printed), len(unstable), unstable, len(disagree), disagree, len(between), between)
		agreed = len(unstable) == 0 && len(disagree) == 0 && len(between) == 0
	}
	if !agreed {
		t.Fatalf("no round of %d in which the analyzer's verdict agreed with kubectl on every pod, each staged pod in its fault state (see the log)", rounds)
	}

	// Every unhealthy pod has a pod-level finding naming namespace/pod (and
	// the container, where one decides the status).
	for pod, ctr := range map[string]string{"crashloop": "crasher", "failed": "failer", "oom": "hog", "pullfail": "puller", "creating": ""} {
		found := false
		for _, f := range a.Findings {
			if f.ID == "RT0406-pod-status" && f.Subject.Namespace == ns && f.Subject.Pod == pod && f.Subject.Container == ctr {
				found = true
				if len(f.Evidence) == 0 {
					t.Errorf("RT0406 for %s without evidence", pod)
				}
			}
		}
		if !found {
			t.Errorf("no RT0406-pod-status finding for %s/%s/%s", ns, pod, ctr)
		}
	}
	for _, f := range a.Findings {
		if f.ID == "RT0406-pod-status" && (f.Subject.Pod == "" || f.Subject.Namespace == "") {
			t.Errorf("pod finding without namespace/pod: %s %s", f.Title, f.Subject)
		}
		if f.ID == "RT0406-pod-status" && strings.HasPrefix(f.Subject.Pod, "web-") {
			t.Errorf("healthy pod reported: %s", f.Title)
		}
		if f.ID == "RT0402-image-pull-failed" && strings.Contains(f.Subject.File, "127.0.0.1:1/rtsnap/k8s-missing:1") &&
			(f.Subject.Pod != "pullfail" || f.Subject.Container != "puller") {
			t.Errorf("image-pull finding does not name the pod: %s %s", f.Title, f.Subject)
		}
	}
}
