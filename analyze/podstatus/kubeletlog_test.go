package podstatus

import (
	"strings"
	"testing"
	"time"
)

var ref = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func parse(lines ...string) *KubeletLog {
	k := &KubeletLog{}
	for i, l := range lines {
		k.ParseLine("journal/files/kubelet.log", i+1, i+1, time.Time{}, l, ref)
	}
	return k
}

// Real kubelet lines from public issues, in both shapes the kubelet has used.
func TestParseLineRealKubeletLines(t *testing.T) {
	cases := []struct {
		src, line string
		want      []SyncError // Time, Path, Line, Seq not compared
		wantTime  time.Time
	}{
		{
			// Older shape under syslog: https://github.com/kubernetes/kubernetes/issues/54760
			src:  "kubernetes#54760",
			line: `Oct 29 13:16:48 centos02 kubelet[4919]: E1029 13:16:48.471488    4919 pod_workers.go:182] Error syncing pod cc89ef7c-bc47-11e7-85ce-901b0edee6b6 ("alpine-368057524-bgt0m_default(cc89ef7c-bc47-11e7-85ce-901b0edee6b6)"), skipping: failed to "StartContainer" for "alpine" with CrashLoopBackOff: "Back-off 5m0s restarting failed container=alpine pod=alpine-368057524-bgt0m_default(cc89ef7c-bc47-11e7-85ce-901b0edee6b6)"`,
			want: []SyncError{{PodNamespace: "default", PodName: "alpine-368057524-bgt0m", PodUID: "cc89ef7c-bc47-11e7-85ce-901b0edee6b6",
				Op: "StartContainer", Container: "alpine", Reason: "CrashLoopBackOff",
				Message: "Back-off 5m0s restarting failed container=alpine pod=alpine-368057524-bgt0m_default(cc89ef7c-bc47-11e7-85ce-901b0edee6b6)"}},
			wantTime: time.Date(2026, 10, 29, 13, 16, 48, 471488000, time.UTC),
		},
		{
			// Older shape, a nested quoted image: https://github.com/kubeflow/kubeflow/issues/2698
			src:  "kubeflow#2698",
			line: `Mar 14 19:36:06 minikube kubelet[3244]: E0314 19:36:06.517880    3244 pod_workers.go:190] Error syncing pod bade5491-4634-11e9-9bf4-d409029b649b ("ubuntu_default(bade5491-4634-11e9-9bf4-d409029b649b)"), skipping: failed to "StartContainer" for "ubuntu" with ImagePullBackOff: "Back-off pulling image \"gcr.io/kubeflow-images-public/ubuntu:18.04\""`,
			want: []SyncError{{PodNamespace: "default", PodName: "ubuntu", PodUID: "bade5491-4634-11e9-9bf4-d409029b649b",
				Op: "StartContainer", Container: "ubuntu", Reason: "ImagePullBackOff",
				Message: `Back-off pulling image "gcr.io/kubeflow-images-public/ubuntu:18.04"`}},
			wantTime: time.Date(2026, 3, 14, 19, 36, 6, 517880000, time.UTC),
		},
		{
			// Structured shape, a pod-level error, bare podUID: https://github.com/kubernetes/kubernetes/issues/107561
			src:  "kubernetes#107561",
			line: `E0105 22:28:07.341035    2984 pod_workers.go:918] "Error syncing pod, skipping" err="failed to \"CreatePodSandbox\" for \"ss2-1_statefulset-8250(f1c4daf1-6df3-453a-9e79-ba00655a2b14)\" with CreatePodSandboxError: \"Failed to create sandbox for pod \\\"ss2-1_statefulset-8250(f1c4daf1-6df3-453a-9e79-ba00655a2b14)\\\": rpc error: code = Unknown desc = failed to reserve sandbox name \\\"ss2-1_statefulset-8250_f1c4daf1-6df3-453a-9e79-ba00655a2b14_0\\\": name \\\"ss2-1_statefulset-8250_f1c4daf1-6df3-453a-9e79-ba00655a2b14_0\\\" is reserved for \\\"16cf6835c15b84166615c6b321e96e87119a1ea7aa6124eac28b44c898a0074d\\\"\"" pod="statefulset-8250/ss2-1" podUID=f1c4daf1-6df3-453a-9e79-ba00655a2b14`,
			want: []SyncError{{PodNamespace: "statefulset-8250", PodName: "ss2-1", PodUID: "f1c4daf1-6df3-453a-9e79-ba00655a2b14",
				Op: "CreatePodSandbox", Reason: "CreatePodSandboxError",
				Message: `Failed to create sandbox for pod "ss2-1_statefulset-8250(f1c4daf1-6df3-453a-9e79-ba00655a2b14)": rpc error: code = Unknown desc = failed to reserve sandbox name "ss2-1_statefulset-8250_f1c4daf1-6df3-453a-9e79-ba00655a2b14_0": name "ss2-1_statefulset-8250_f1c4daf1-6df3-453a-9e79-ba00655a2b14_0" is reserved for "16cf6835c15b84166615c6b321e96e87119a1ea7aa6124eac28b44c898a0074d"`}},
			wantTime: time.Date(2026, 1, 5, 22, 28, 7, 341035000, time.UTC),
		},
		{
			// Structured shape, two results in one line. The paste is cut
			// inside the second result; its tail is completed from the first one's
			// pod and the kubelet's format (pod_workers.go ErrorS "pod", "podUID"):
			// https://github.com/loft-sh/vcluster/issues/162
			src:  "vcluster#162",
			line: `E1023 18:56:20.145522   31070 pod_workers.go:765] "Error syncing pod, skipping" err="[failed to \"StartContainer\" for \"vcluster\" with CrashLoopBackOff: \"back-off 5m0s restarting failed container=vcluster pod=vcluster-1-0_host-namespace-1(c076d934-6820-46cd-b886-c6b35111ece2)\", failed to \"StartContainer\" for \"syncer\" with CrashLoopBackOff: \"back-off 5m0s restarting failed container=syncer pod=vcluster-1-0_host-namespace-1(c076d934-6820-46cd-b886-c6b35111ece2)\"]" pod="host-namespace-1/vcluster-1-0" podUID=c076d934-6820-46cd-b886-c6b35111ece2`,
			want: []SyncError{
				{PodNamespace: "host-namespace-1", PodName: "vcluster-1-0", PodUID: "c076d934-6820-46cd-b886-c6b35111ece2", Op: "StartContainer", Container: "vcluster", Reason: "CrashLoopBackOff",
					Message: "back-off 5m0s restarting failed container=vcluster pod=vcluster-1-0_host-namespace-1(c076d934-6820-46cd-b886-c6b35111ece2)"},
				{PodNamespace: "host-namespace-1", PodName: "vcluster-1-0", PodUID: "c076d934-6820-46cd-b886-c6b35111ece2", Op: "StartContainer", Container: "syncer", Reason: "CrashLoopBackOff",
					Message: "back-off 5m0s restarting failed container=syncer pod=vcluster-1-0_host-namespace-1(c076d934-6820-46cd-b886-c6b35111ece2)"},
			},
			wantTime: time.Date(2026, 10, 23, 18, 56, 20, 145522000, time.UTC),
		},
	}
	for _, c := range cases {
		k := parse(c.line)
		if len(k.Errors) != len(c.want) {
			t.Errorf("%s: %d errors, want %d: %+v", c.src, len(k.Errors), len(c.want), k.Errors)
			continue
		}
		for i, w := range c.want {
			g := k.Errors[i]
			if !g.Time.Equal(c.wantTime) {
				t.Errorf("%s: time %v, want %v", c.src, g.Time, c.wantTime)
			}
			g.Time, g.Path, g.Line, g.Seq = time.Time{}, "", 0, 0
			if g != w {
				t.Errorf("%s: error %d\n got %+v\nwant %+v", c.src, i, g, w)
			}
		}
	}
}

// Lines that are not sync results stay quiet.
func TestParseLineQuiet(t *testing.T) {
	k := parse(
		// A sync error that is no SyncResult: https://github.com/cri-o/cri-o/issues/5709
		`Mar 06 13:32:35.750530 nested-virt-ubuntu-focal-ovh-bhs1-0028722890 kubelet[93821]: E0306 13:32:35.749969   93821 pod_workers.go:836] "Error syncing pod, skipping" err="status.Image is not set" pod="default/kuryr-pod-90821034" podUID=1df28081-d4b4-4837-afad-137d9157c976`,
		// containerd's own line about the same kind of failure (not the kubelet's).
		`time="2024-02-15T20:28:32.075190807Z" level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:server,Uid:eb9891c8-0b47-426b-8456-10a210f1115f,Namespace:default,Attempt:0,} failed, error"`,
		// The application writing text that looks like it, without a pod.
		`Error syncing pod, skipping: failed to "StartContainer" for "x" with CrashLoopBackOff: "y"`,
	)
	if len(k.Errors) != 0 {
		t.Errorf("want no sync errors, got %+v", k.Errors)
	}
	if k.Lines != 2 {
		t.Errorf("Lines = %d, want 2 (the two Error syncing pod lines)", k.Lines)
	}
}

func TestParseLineSyncLoop(t *testing.T) {
	// The kubelet's format: klog.V(2).InfoS("SyncLoop DELETE", "source", u.Source, "pods", klog.KObjSlice(u.Pods))
	// (pkg/kubelet/kubelet.go, v1.34.4), as the lab's kubelet writes it.
	k := parse(`I1201 10:18:00.413794    6800 kubelet.go:2515] "SyncLoop ADD" source="file" pods=["k8slab/static-web-lab-cd2"]`,
		`I1201 10:20:01.000001    6800 kubelet.go:2531] "SyncLoop DELETE" source="api" pods=["k8slab/creating","k8slab/other"]`)
	if len(k.Events) != 3 || k.Events[0].Kind != "ADD" || k.Events[2].PodName != "other" || k.Events[1].PodNamespace != "k8slab" {
		t.Errorf("events %+v", k.Events)
	}
}

// Hostile input: long, truncated, deeply escaped. Bounded and no panic.
func TestParseLineHostile(t *testing.T) {
	one := `failed to \"StartContainer\" for \"c\" with CrashLoopBackOff: \"x\", `
	huge := `E1201 10:00:00.000000 1 pod_workers.go:1] "Error syncing pod, skipping" err="[` + strings.Repeat(one, 100000) + `]" pod="a/b" podUID=u`
	start := time.Now()
	k := parse(huge,
		`E1201 10:00:00.000000 1 x.go:1] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"c\" with CrashLoopBackOff: \"unterminated`,
		`E1201 10:00:00.000000 1 x.go:1] "Error syncing pod, skipping" err="`+strings.Repeat(`\\`, 50000)+`" pod="a/b"`,
		`Error syncing pod 1234 ("`+strings.Repeat("(", 10000),
	)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("hostile lines took %v", d)
	}
	if len(k.Errors) > maxResults {
		t.Errorf("%d results from one line, bound is %d", len(k.Errors), maxResults)
	}
}

func TestKlogTimeYear(t *testing.T) {
	// A line from late December read in early January belongs to the year before.
	r := time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
	if got := klogTime("E1231 23:59:59.5 1 a.go:1] x", r); got.Year() != 2026 || got.Nanosecond() != 500000000 {
		t.Errorf("klogTime = %v", got)
	}
	if got := klogTime("no header", r); !got.IsZero() {
		t.Errorf("klogTime without header = %v", got)
	}
}
