package hostile

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	crischema "github.com/rtsnap/rtsnap/internal/schema/cri"
)

// Shapes whose analysis cost grew faster than their size before session 9
// (hostile3): each joins two things a bundle may hold many of, and a rule
// looked at every one of the second for each of the first. Sizes are the
// smallest that took over the suite's 10 s CPU bound then; ShapeSizes
// scales them for ratio tests (twice the input must cost about twice).
type Shape struct {
	Name, Attack string
	// Write writes the case at size n (Size is the suite's).
	Write func(dir, name string, n int) (string, error)
	Size  int
}

// Shapes is every super-linear shape found in session 9.
func Shapes() []Shape {
	return []Shape{
		{Name: "waiting-pulls", Size: 4_000, Write: WaitingPullsBundle,
			Attack: "n images whose pulls failed for n pods, of 5n pods waiting for an image (READY sandbox, no container): each image finding scanned every pod's verdict and every waiting pod (a map per pod)"},
		{Name: "exited-logs", Size: 8_000, Write: ExitedLogsBundle,
			Attack: "n exited containers with a log file each: each finding sorted and scanned every log path of the bundle to quote its container's last lines"},
		{Name: "sync-errors", Size: 3_000, Write: SyncErrorsBundle,
			Attack: "one pod whose kubelet sync errors name 16n containers (n lines of 16 results): each container's status scanned all of the pod's errors"},
	}
}

func shapeCases(dir string) ([]Case, error) {
	var out []Case
	for _, s := range Shapes() {
		p, err := s.Write(dir, s.Name+".tar.zst", s.Size)
		if err != nil {
			return out, err
		}
		out = append(out, Case{Name: s.Name, Path: p, Attack: s.Attack})
	}
	return out, nil
}

// journalRecord is one journal export record of unit at time t.
func journalRecord(b *bytes.Buffer, t time.Time, unit, msg string) {
	b.Write(mustJSON(map[string]string{"__REALTIME_TIMESTAMP": fmt.Sprint(t.UnixMicro()), "_SYSTEMD_UNIT": unit, "MESSAGE": msg}))
	b.WriteByte('\n')
}

const shapeSlug = "run-containerd-containerd-sock"

func criVersion() file {
	return fixed("cri/"+shapeSlug+"/version.json", mustJSON(crischema.VersionRecord{Endpoint: "/run/containerd/containerd.sock",
		Version: &criapi.VersionResponse{RuntimeName: "containerd", RuntimeVersion: "v1.7.35"}}))
}

func readySandbox(i int, ns, name, uid string) *crischema.PodRecord {
	return &crischema.PodRecord{Pod: &criapi.PodSandbox{Id: fmt.Sprintf("%064x", i+1),
		Metadata: &criapi.PodSandboxMetadata{Name: name, Namespace: ns, Uid: uid},
		State:    criapi.PodSandboxState_SANDBOX_READY, CreatedAt: T0.Add(-time.Hour).UnixNano()}}
}

// WaitingPullsBundle is 5n READY sandboxes without a container (pods
// waiting for their image) and a kubelet journal of n failed pulls of n
// images, one pod each, a minute before collection: the kubelet's
// "Error syncing pod" line for ErrImagePull in its structured form
// (https://github.com/loft-sh/vcluster/issues/162's shape, analyze/podstatus's
// tests) around containerd's PullImage error (the catalog's RT1317 and
// RT1303 examples), the image and pod varied.
func WaitingPullsBundle(dir, name string, n int) (string, error) {
	pl := &crischema.PodList{}
	for i := 0; i < 5*n; i++ {
		pl.Pods = append(pl.Pods, readySandbox(i, "waiting", fmt.Sprintf("pod-%d", i), fmt.Sprintf("uid-%d", i)))
	}
	var jl bytes.Buffer
	for i := 0; i < n; i++ {
		img := fmt.Sprintf("registry.example.com/team/app-%d:1.0", i)
		pod := fmt.Sprintf("pod-%d", 5*i)
		t := T0.Add(-time.Minute).Add(time.Duration(i) * time.Microsecond)
		journalRecord(&jl, t, "kubelet.service", fmt.Sprintf(`E1124 09:29:00.%06d    1234 pod_workers.go:1301] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"app\" with ErrImagePull: \"rpc error: code = Unknown desc = failed to pull and unpack image \\\"%s\\\": failed to resolve reference \\\"%s\\\": unexpected status from HEAD request to https://registry.example.com/v2/team/app-%d/manifests/1.0: 401 Unauthorized\"" pod="waiting/%s" podUID="uid-%d"`,
			i%1_000_000, img, img, i, pod, 5*i))
	}
	files := []file{criVersion(), fixed("cri/"+shapeSlug+"/pods.json", mustJSON(pl)), fixed("cri/"+shapeSlug+"/containers.json", mustJSON(&crischema.ContainerList{})),
		fixed("journal/kubelet.jsonl", jl.Bytes())}
	return commit(dir, name, manifest("node-waiting", "cri", "journal"), files)
}

// ExitedLogsBundle is n pods, each with one container that exited 1 at
// its first attempt and a log file of two lines (CRI's log format).
func ExitedLogsBundle(dir, name string, n int) (string, error) {
	pl := &crischema.PodList{}
	cl := &crischema.ContainerList{}
	files := []file{criVersion()}
	for i := 0; i < n; i++ {
		pod := fmt.Sprintf("job-%d", i)
		pl.Pods = append(pl.Pods, readySandbox(i, "batch", pod, fmt.Sprintf("uid-%d", i)))
		cl.Containers = append(cl.Containers, &crischema.ContainerRecord{
			Container: &criapi.Container{Id: fmt.Sprintf("%064x", n+i+1), PodSandboxId: fmt.Sprintf("%064x", i+1),
				Metadata: &criapi.ContainerMetadata{Name: "app"}, Image: &criapi.ImageSpec{Image: "registry.k8s.io/busybox:1.36"},
				State: criapi.ContainerState_CONTAINER_EXITED, CreatedAt: T0.Add(-time.Hour).UnixNano(),
				Labels: map[string]string{"io.kubernetes.pod.name": pod, "io.kubernetes.pod.namespace": "batch"}},
			Status: &criapi.ContainerStatus{Id: fmt.Sprintf("%064x", n+i+1), State: criapi.ContainerState_CONTAINER_EXITED, ExitCode: 1, Reason: "Error",
				CreatedAt: T0.Add(-time.Hour).UnixNano(), StartedAt: T0.Add(-time.Hour).UnixNano(), FinishedAt: T0.Add(-59 * time.Minute).UnixNano()}})
		ts := T0.Add(-59 * time.Minute).Format(time.RFC3339Nano)
		files = append(files, fixed(fmt.Sprintf("logs/pods/batch/%s/app/0.log", pod), []byte(ts+" stderr F starting job "+pod+"\n"+ts+" stderr F error: connection refused\n")))
	}
	files = append(files, fixed("cri/"+shapeSlug+"/pods.json", mustJSON(pl)), fixed("cri/"+shapeSlug+"/containers.json", mustJSON(cl)))
	return commit(dir, name, manifest("node-exited", "cri", "logs"), files)
}

// SyncErrorsBundle is one pod with a READY sandbox and a kubelet journal
// of n "Error syncing pod" lines, each naming 16 containers that are
// waiting out a crash-loop back-off: the multi-container shape of
// https://github.com/loft-sh/vcluster/issues/162 (analyze/podstatus's
// tests), every container name distinct.
func SyncErrorsBundle(dir, name string, n int) (string, error) {
	const perLine = 16
	pl := &crischema.PodList{Pods: []*crischema.PodRecord{readySandbox(0, "crafted", "many", "c076d934-6820-46cd-b886-c6b35111ece2")}}
	var jl bytes.Buffer
	for i := 0; i < n; i++ {
		var errs []string
		for j := 0; j < perLine; j++ {
			c := fmt.Sprintf("c-%d", i*perLine+j)
			errs = append(errs, fmt.Sprintf(`failed to \"StartContainer\" for \"%s\" with CrashLoopBackOff: \"back-off 5m0s restarting failed container=%s pod=many_crafted(c076d934-6820-46cd-b886-c6b35111ece2)\"`, c, c))
		}
		t := T0.Add(-time.Minute).Add(time.Duration(i) * time.Millisecond)
		journalRecord(&jl, t, "kubelet.service", fmt.Sprintf(`E1124 09:29:00.%06d   31070 pod_workers.go:1301] "Error syncing pod, skipping" err="[%s]" pod="crafted/many" podUID="c076d934-6820-46cd-b886-c6b35111ece2"`,
			i%1_000_000, strings.Join(errs, ", ")))
	}
	files := []file{criVersion(), fixed("cri/"+shapeSlug+"/pods.json", mustJSON(pl)), fixed("cri/"+shapeSlug+"/containers.json", mustJSON(&crischema.ContainerList{})),
		fixed("journal/kubelet.jsonl", jl.Bytes())}
	return commit(dir, name, manifest("node-sync", "cri", "journal"), files)
}
