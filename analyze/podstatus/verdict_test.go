package podstatus_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/podstatus"
	"github.com/rtsnap/rtsnap/analyze/rules"
	"github.com/rtsnap/rtsnap/bundle"
	crischema "github.com/rtsnap/rtsnap/internal/schema/cri"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// The CRI records below have the shape the lab's containerd gives the
// collector (cri/<slug>/pods.json, containers.json); the kubelet lines are
// the lab kubelet's (v1.34.4) own, with the pod and times of each case.

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

const slug = "run-rtsnap-lab-k8s2-containerd.sock"

type fakeNode struct {
	pods  []*crischema.PodRecord
	ctrs  []*crischema.ContainerRecord
	klog  []string
	extra map[string]string
}

func (f *fakeNode) sandbox(name, uid string, ready bool, at time.Duration) string {
	id := fmt.Sprintf("%064x", len(f.pods)+1)
	st := criapi.PodSandboxState_SANDBOX_READY
	if !ready {
		st = criapi.PodSandboxState_SANDBOX_NOTREADY
	}
	f.pods = append(f.pods, &crischema.PodRecord{Pod: &criapi.PodSandbox{Id: id, State: st, CreatedAt: t0.Add(at).UnixNano(),
		Metadata: &criapi.PodSandboxMetadata{Name: name, Namespace: "k8slab", Uid: uid}}})
	return id
}

// ctr adds a container attempt: state "running", "created", "unknown", or
// "exited:<code>:<reason>" finishing at fin.
func (f *fakeNode) ctr(sandbox, name string, attempt uint32, state string, created, fin time.Duration) {
	id := fmt.Sprintf("%064x", 1000+len(f.ctrs))
	st := &criapi.ContainerStatus{Id: id, CreatedAt: t0.Add(created).UnixNano(), StartedAt: t0.Add(created + time.Second).UnixNano(),
		Metadata: &criapi.ContainerMetadata{Name: name, Attempt: attempt}}
	switch {
	case state == "running":
		st.State = criapi.ContainerState_CONTAINER_RUNNING
	case state == "created":
		st.State, st.StartedAt = criapi.ContainerState_CONTAINER_CREATED, 0
	case state == "unknown":
		st.State = criapi.ContainerState_CONTAINER_UNKNOWN
	default:
		var code int32
		var reason string
		fmt.Sscanf(strings.ReplaceAll(state, ":", " "), "exited %d %s", &code, &reason)
		st.State, st.ExitCode, st.Reason, st.FinishedAt = criapi.ContainerState_CONTAINER_EXITED, code, reason, t0.Add(fin).UnixNano()
	}
	f.ctrs = append(f.ctrs, &crischema.ContainerRecord{Status: st, Container: &criapi.Container{Id: id, PodSandboxId: sandbox, State: st.State,
		CreatedAt: st.CreatedAt, Metadata: st.Metadata, Annotations: map[string]string{"io.kubernetes.container.restartCount": fmt.Sprint(attempt)}}})
}

// syncErr is a kubelet "Error syncing pod" line at t0+at.
func (f *fakeNode) syncErr(at time.Duration, pod, uid, op, target, reason, msg string) {
	ts := t0.Add(at)
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	inner := fmt.Sprintf("failed to %q for %q with %s: %q", op, target, reason, msg)
	f.klog = append(f.klog, fmt.Sprintf(`E%s    6800 pod_workers.go:1324] "Error syncing pod, skipping" err=%s pod="k8slab/%s" podUID=%q`,
		ts.Format("0102 15:04:05.000000"), q(inner), pod, uid))
}

func (f *fakeNode) node() *facts.Node {
	files := map[string]string{}
	pods, _ := json.Marshal(crischema.PodList{Pods: f.pods})
	ctrs, _ := json.Marshal(crischema.ContainerList{Containers: f.ctrs})
	files["cri/"+slug+"/pods.json"] = string(pods)
	files["cri/"+slug+"/containers.json"] = string(ctrs)
	if len(f.klog) > 0 {
		files["journal/files/kubelet-lab-cd2.log"] = strings.Join(f.klog, "\n") + "\n"
	}
	for k, v := range f.extra {
		files[k] = v
	}
	m := bundle.Manifest{StartedAt: t0.Add(10 * time.Minute)}
	for p, c := range files {
		m.Files = append(m.Files, bundle.FileEntry{Path: p, Size: int64(len(c))})
	}
	return facts.New("t.tar.zst", &m, func(p string) ([]byte, bool) { c, ok := files[p]; return []byte(c), ok }, facts.DefaultParsers())
}

func verdictOf(t *testing.T, n *facts.Node, pod string) podstatus.Verdict {
	t.Helper()
	for _, v := range podstatus.Verdicts(n) {
		if v.Pod == pod {
			return v
		}
	}
	t.Fatalf("no verdict for %s; have %+v", pod, podstatus.Verdicts(n))
	return podstatus.Verdict{}
}

func TestVerdicts(t *testing.T) {
	const backoff = `back-off 10s restarting failed container=crasher pod=crashloop_k8slab(u-crash)`
	cases := []struct {
		name  string
		build func(f *fakeNode)
		pod   string
		want  string
	}{
		{"running", func(f *fakeNode) {
			s := f.sandbox("web", "u-web", true, 0)
			f.ctr(s, "web", 0, "running", time.Second, 0)
			f.ctr(s, "sidecar", 0, "running", time.Second, 0)
		}, "web", "Running"},
		{"completed job: sandbox stopped, exit 0", func(f *fakeNode) {
			s := f.sandbox("once", "u-once", false, 0)
			f.ctr(s, "once", 0, "exited:0:Completed", time.Second, 2*time.Second)
		}, "once", "Completed"},
		{"restartPolicy Never, OOM", func(f *fakeNode) {
			s := f.sandbox("oom", "u-oom", false, 0)
			f.ctr(s, "hog", 0, "exited:137:OOMKilled", time.Second, 2*time.Second)
		}, "oom", "OOMKilled"},
		{"restartPolicy Never, exit 1", func(f *fakeNode) {
			s := f.sandbox("failed", "u-failed", false, 0)
			f.ctr(s, "failer", 0, "exited:1:Error", time.Second, 2*time.Second)
		}, "failed", "Error"},
		{"crash loop: two sync errors since the exit", func(f *fakeNode) {
			s := f.sandbox("crashloop", "u-crash", true, 0)
			f.ctr(s, "crasher", 2, "exited:3:Error", 30*time.Second, 32*time.Second)
			f.ctr(s, "crasher", 1, "exited:3:Error", 10*time.Second, 12*time.Second)
			f.syncErr(13*time.Second, "crashloop", "u-crash", "StartContainer", "crasher", "CrashLoopBackOff", backoff) // before the newest attempt: stale
			f.syncErr(32*time.Second, "crashloop", "u-crash", "StartContainer", "crasher", "CrashLoopBackOff", backoff)
			f.syncErr(42*time.Second, "crashloop", "u-crash", "StartContainer", "crasher", "CrashLoopBackOff", backoff)
		}, "crashloop", "CrashLoopBackOff"},
		{"crash loop: exited, first sync error not reported yet", func(f *fakeNode) {
			s := f.sandbox("crashloop", "u-crash", true, 0)
			f.ctr(s, "crasher", 1, "exited:3:Error", 30*time.Second, 32*time.Second)
			f.syncErr(32*time.Second, "crashloop", "u-crash", "StartContainer", "crasher", "CrashLoopBackOff", backoff)
		}, "crashloop", "Error"},
		{"crash loop without any kubelet log: inferred from restarts", func(f *fakeNode) {
			s := f.sandbox("crashloop", "u-crash", true, 0)
			f.ctr(s, "crasher", 1, "exited:3:Error", 30*time.Second, 32*time.Second)
			f.ctr(s, "crasher", 0, "exited:3:Error", 10*time.Second, 12*time.Second)
		}, "crashloop", "CrashLoopBackOff"},
		{"restarted container running again", func(f *fakeNode) {
			s := f.sandbox("crashloop", "u-crash", true, 0)
			f.ctr(s, "crasher", 2, "running", 50*time.Second, 0)
			f.ctr(s, "crasher", 1, "exited:3:Error", 30*time.Second, 32*time.Second)
			f.syncErr(32*time.Second, "crashloop", "u-crash", "StartContainer", "crasher", "CrashLoopBackOff", backoff)
			f.syncErr(42*time.Second, "crashloop", "u-crash", "StartContainer", "crasher", "CrashLoopBackOff", backoff)
		}, "crashloop", "Running"},
		{"image pull: status shows the error before the newest", func(f *fakeNode) {
			f.sandbox("pullfail", "u-pull", true, 0)
			f.syncErr(5*time.Second, "pullfail", "u-pull", "StartContainer", "puller", "ErrImagePull", `failed to pull and unpack image "127.0.0.1:1/rtsnap/missing:1": connection refused`)
			f.syncErr(15*time.Second, "pullfail", "u-pull", "StartContainer", "puller", "ImagePullBackOff", `Back-off pulling image "127.0.0.1:1/rtsnap/missing:1": ErrImagePull: connection refused`)
		}, "pullfail", "ErrImagePull"},
		{"image pull, first error only", func(f *fakeNode) {
			f.sandbox("pullfail", "u-pull", true, 0)
			f.syncErr(5*time.Second, "pullfail", "u-pull", "StartContainer", "puller", "ErrImagePull", "x")
		}, "pullfail", "ContainerCreating"},
		{"created, not started", func(f *fakeNode) {
			s := f.sandbox("starting", "u-start", true, 0)
			f.ctr(s, "app", 0, "created", time.Second, 0)
		}, "starting", "Pending"},
		{"container the runtime lost", func(f *fakeNode) {
			s := f.sandbox("lost", "u-lost", true, 0)
			f.ctr(s, "app", 0, "unknown", time.Second, 0)
		}, "lost", "ContainerStatusUnknown"},
		{"sandbox never came up: kubelet log only", func(f *fakeNode) {
			f.syncErr(5*time.Second, "creating", "u-cr", "CreatePodSandbox", "creating_k8slab(u-cr)", "CreatePodSandboxError", `Failed to create pod sandbox: plugin type="rtsnap-missing-plugin" failed (add): failed to find plugin`)
		}, "creating", "ContainerCreating"},
	}
	for _, c := range cases {
		f := &fakeNode{}
		c.build(f)
		if got := verdictOf(t, f.node(), c.pod); got.Status != c.want {
			t.Errorf("%s: status %q, want %q (%+v)", c.name, got.Status, c.want, got)
		}
	}
}

// A pod known only from old kubelet lines is gone: deleted after its last
// error, or silent for longer than the kubelet's retry interval.
func TestLogOnlyPodsGone(t *testing.T) {
	f := &fakeNode{}
	// Within the window, but deleted after its error.
	f.syncErr(podstatus.LogOnlyWindow, "deleted", "u-del", "CreatePodSandbox", "deleted_k8slab(u-del)", "CreatePodSandboxError", "x")
	f.klog = append(f.klog, `I1201 10:10:07.000000    6800 kubelet.go:2531] "SyncLoop DELETE" source="api" pods=["k8slab/deleted"]`)
	// Deleted, then created again under the same name and failing: still there.
	f.klog = append(f.klog, `I1201 10:10:08.000000    6800 kubelet.go:2531] "SyncLoop REMOVE" source="api" pods=["k8slab/again"]`)
	f.syncErr(podstatus.LogOnlyWindow+9*time.Second, "again", "u-again", "CreatePodSandbox", "again_k8slab(u-again)", "CreatePodSandboxError", "x")
	f.syncErr(0, "stale", "u-stale", "CreatePodSandbox", "stale_k8slab(u-stale)", "CreatePodSandboxError", "x")
	f.syncErr(podstatus.LogOnlyWindow+time.Minute, "fresh", "u-fresh", "CreatePodSandbox", "fresh_k8slab(u-fresh)", "CreatePodSandboxError", "x")
	var got []string
	for _, v := range podstatus.Verdicts(f.node()) {
		got = append(got, v.Pod)
	}
	if strings.Join(got, ",") != "again,fresh" {
		t.Errorf("log-only pods %v, want again and fresh", got)
	}
}

// RT0406 fires for an unhealthy pod, names namespace/pod/container, and
// stays quiet for healthy ones.
func TestPodStatusRule(t *testing.T) {
	f := &fakeNode{}
	s := f.sandbox("oom", "u-oom", false, 0)
	f.ctr(s, "hog", 0, "exited:137:OOMKilled", time.Second, 2*time.Second)
	w := f.sandbox("web", "u-web", true, 0)
	f.ctr(w, "web", 0, "running", time.Second, 0)
	j := f.sandbox("once", "u-once", false, 0)
	f.ctr(j, "once", 0, "exited:0:Completed", time.Second, 2*time.Second)
	var hits []string
	for _, fd := range rules.Default().Run(f.node()) {
		if fd.ID == "RT0406-pod-status" {
			hits = append(hits, fd.Subject.Namespace+"/"+fd.Subject.Pod+"/"+fd.Subject.Container+" "+fd.Title)
			if len(fd.Evidence) == 0 {
				t.Errorf("RT0406 without evidence")
			}
		}
	}
	if len(hits) != 1 || !strings.HasPrefix(hits[0], "k8slab/oom/hog ") || !strings.Contains(hits[0], "OOMKilled") {
		t.Errorf("RT0406 findings %q, want one for k8slab/oom/hog OOMKilled", hits)
	}
}

// Many pods, many attempts, many log lines: linear enough to stay fast.
func TestVerdictsScale(t *testing.T) {
	f := &fakeNode{}
	for i := 0; i < 2000; i++ {
		s := f.sandbox(fmt.Sprintf("p%d", i), fmt.Sprintf("u%d", i), true, 0)
		for a := uint32(0); a < 5; a++ {
			f.ctr(s, "c", a, "exited:1:Error", time.Duration(a)*10*time.Second, time.Duration(a)*10*time.Second+time.Second)
		}
		f.syncErr(time.Minute, fmt.Sprintf("p%d", i), fmt.Sprintf("u%d", i), "StartContainer", "c", "CrashLoopBackOff", "b")
		f.syncErr(2*time.Minute, fmt.Sprintf("p%d", i), fmt.Sprintf("u%d", i), "StartContainer", "c", "CrashLoopBackOff", "b")
	}
	n := f.node()
	start := time.Now()
	vs := podstatus.Verdicts(n)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("2000 pods took %v", d)
	}
	if len(vs) != 2000 || vs[0].Status != "CrashLoopBackOff" {
		t.Errorf("%d verdicts, first %+v", len(vs), vs[0])
	}
}
