package cri

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func labEnv(t *testing.T, socks ...string) (*collect.Env, lab.Env) {
	le := lab.Require(t)
	env := collect.NewTestEnv()
	for _, s := range socks {
		env.RuntimeEndpoints = append(env.RuntimeEndpoints, le[s])
	}
	return env, le
}

func decode[T any](t *testing.T, out *collect.Capture, name string) T {
	t.Helper()
	var v T
	raw, ok := out.Files[name]
	if !ok {
		t.Fatalf("no file %s (have %v)", name, keys(out.Files))
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestLabPodsAndContainersOnEveryVersion(t *testing.T) {
	env, le := labEnv(t, "RTSNAP_LAB_CD16_SOCK", "RTSNAP_LAB_CD17_SOCK", "RTSNAP_LAB_CD2_SOCK")
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if len(out.Partials) > 0 {
		t.Fatalf("partial: %v", out.Partials)
	}
	for tag, want := range map[string]string{"cd16": "1.6.", "cd17": "1.7.", "cd2": "2."} {
		slug := endpoints.Parse(le["RTSNAP_LAB_"+strings.ToUpper(tag)+"_SOCK"]).Slug()
		v := decode[VersionRecord](t, out, slug+"/version.json")
		if !strings.HasPrefix(v.Version.GetRuntimeVersion(), want) && !strings.HasPrefix(v.Version.GetRuntimeVersion(), "v"+want) {
			t.Errorf("%s: runtime version %q", tag, v.Version.GetRuntimeVersion())
		}
		pods := decode[PodList](t, out, slug+"/pods.json")
		var web *PodRecord
		for _, p := range pods.Pods {
			if p.Pod.Metadata.Name == "web-"+tag && p.Pod.State == criapi.PodSandboxState_SANDBOX_READY {
				web = p
			}
		}
		if web == nil || web.Status == nil || web.Pod.Metadata.Namespace != "lab" {
			t.Fatalf("%s: pod web-%s not READY in %d pods", tag, tag, len(pods.Pods))
		}
		cs := decode[ContainerList](t, out, slug+"/containers.json")
		running := map[string]bool{}
		for _, c := range cs.Containers {
			if c.Container.PodSandboxId == web.Pod.Id && c.Container.State == criapi.ContainerState_CONTAINER_RUNNING && c.Status != nil {
				running[c.Container.Metadata.Name] = true
				if len(c.Info) == 0 {
					t.Errorf("%s: container %s without verbose info", tag, c.Container.Metadata.Name)
				}
			}
		}
		if !running["app"] || !running["sidecar"] {
			t.Errorf("%s: running containers of web-%s: %v", tag, tag, running)
		}
		imgs := decode[ImageList](t, out, slug+"/images.json")
		if len(imgs.Images) == 0 {
			t.Errorf("%s: no images", tag)
		}
		rc := decode[RuntimeConfigRecord](t, out, slug+"/runtime_config.json")
		// RuntimeConfig arrived with containerd 2.0; older daemons answer Unimplemented.
		if tag != "cd2" && rc.Code != "Unimplemented" || tag == "cd2" && rc.Code != "OK" {
			t.Errorf("%s: RuntimeConfig code %q", tag, rc.Code)
		}
		calls := decode[[]Call](t, out, slug+"/calls.json")
		if len(calls) < 8 {
			t.Errorf("%s: %d calls recorded", tag, len(calls))
		}
	}
}

func TestPodNamespaceFilter(t *testing.T) {
	env, le := labEnv(t, "RTSNAP_LAB_CD2_SOCK")
	env.PodNamespaces = []string{"tenant-a"}
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	slug := endpoints.Parse(le["RTSNAP_LAB_CD2_SOCK"]).Slug()
	pods := decode[PodList](t, out, slug+"/pods.json")
	cs := decode[ContainerList](t, out, slug+"/containers.json")
	if len(pods.Pods) != 0 || pods.Filtered == 0 || len(cs.Containers) != 0 || cs.Filtered == 0 {
		t.Fatalf("filter leaked: %d pods (%d filtered), %d containers (%d filtered)", len(pods.Pods), pods.Filtered, len(cs.Containers), cs.Filtered)
	}
}

func TestHungSocketIsBoundedAndOthersComplete(t *testing.T) {
	env, le := labEnv(t, "RTSNAP_LAB_CD2_SOCK")
	lab.Fault(t, "hang")
	env.RuntimeEndpoints = append(env.RuntimeEndpoints, le["RTSNAP_LAB_HANG_SOCK"])
	env.CallTimeout = time.Second
	out := collect.NewCapture()
	start := time.Now()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("took %s", el)
	}
	if len(out.Partials) != 1 || !strings.Contains(out.Partials[0], "DeadlineExceeded") {
		t.Fatalf("partials: %v", out.Partials)
	}
	hang := decode[VersionRecord](t, out, endpoints.Parse(le["RTSNAP_LAB_HANG_SOCK"]).Slug()+"/version.json")
	if hang.Code != "DeadlineExceeded" {
		t.Fatalf("hang version record: %+v", hang)
	}
	calls := decode[[]Call](t, out, endpoints.Parse(le["RTSNAP_LAB_HANG_SOCK"]).Slug()+"/calls.json")
	if len(calls) != 1 || calls[0].Code != "DeadlineExceeded" || calls[0].DurationMS < 900 {
		t.Fatalf("hang calls: %+v", calls)
	}
	cs := decode[ContainerList](t, out, endpoints.Parse(le["RTSNAP_LAB_CD2_SOCK"]).Slug()+"/containers.json")
	names := map[string]bool{}
	for _, c := range cs.Containers {
		if c.Container.State == criapi.ContainerState_CONTAINER_RUNNING && c.Status != nil {
			names[c.Container.Metadata.Name] = true
		}
	}
	if !names["app"] || !names["sidecar"] {
		t.Fatalf("cd2 data incomplete next to the hung endpoint: %v", names)
	}
}

func TestDownDaemonIsAnError(t *testing.T) {
	env, _ := labEnv(t, "RTSNAP_LAB_CD17_SOCK")
	lab.Fault(t, "down")
	out := collect.NewCapture()
	err := New().Collect(context.Background(), env, out)
	if err == nil || len(out.Partials) != 1 || !strings.Contains(out.Partials[0], "Unavailable") {
		t.Fatalf("err=%v partials=%v", err, out.Partials)
	}
}

// TestPullFailureVisible: the lab's pullfail fault runs pod "pullfail" and
// fails PullImage for 127.0.0.1:1/rtsnap/missing:1 before any container is
// created. CRI keeps no record of a failed pull (kubelet's ImagePullBackOff
// lives in kubelet only), so what the data shows is a READY pod with no
// container and the image absent from the image list.
func TestPullFailureVisible(t *testing.T) {
	env, le := labEnv(t, "RTSNAP_LAB_CD16_SOCK")
	lab.Fault(t, "pullfail")
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	requirePullFailureVisible(t, out, endpoints.Parse(le["RTSNAP_LAB_CD16_SOCK"]).Slug())
}

// requirePullFailureVisible: pod "pullfail" READY without a container, and
// the image that failed to pull not in the image list.
func requirePullFailureVisible(t *testing.T, out *collect.Capture, slug string) {
	t.Helper()
	pods := decode[PodList](t, out, slug+"/pods.json")
	var pod *PodRecord
	for _, p := range pods.Pods {
		if p.Pod.Metadata.Name == "pullfail" && p.Pod.State == criapi.PodSandboxState_SANDBOX_READY {
			pod = p
		}
	}
	if pod == nil {
		t.Fatalf("pullfail pod not in CRI data (%d pods)", len(pods.Pods))
	}
	for _, c := range decode[ContainerList](t, out, slug+"/containers.json").Containers {
		if c.Container.PodSandboxId == pod.Pod.Id {
			t.Errorf("pullfail pod has container %s", c.Container.Metadata.Name)
		}
	}
	for _, im := range decode[ImageList](t, out, slug+"/images.json").Images {
		for _, tag := range im.Image.RepoTags {
			if strings.Contains(tag, "rtsnap/missing") {
				t.Errorf("image that failed to pull is listed: %v", im.Image.RepoTags)
			}
		}
	}
}

func TestLabStatsWhenAsked(t *testing.T) {
	env, le := labEnv(t, "RTSNAP_LAB_CD16_SOCK", "RTSNAP_LAB_CD17_SOCK", "RTSNAP_LAB_CD2_SOCK")
	env.CRIStats = true
	env.PodNamespaces = []string{"lab"}
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"CD16", "CD17", "CD2"} {
		slug := endpoints.Parse(le["RTSNAP_LAB_"+tag+"_SOCK"]).Slug()
		stats := decode[[]*criapi.ContainerStats](t, out, slug+"/container_stats.json")
		names := map[string]bool{}
		for _, s := range stats {
			names[s.GetAttributes().GetMetadata().GetName()] = true
		}
		if !names["app"] || !names["sidecar"] {
			t.Errorf("%s: container stats for %v", tag, names)
		}
		codes := map[string]string{}
		for _, c := range decode[[]Call](t, out, slug+"/calls.json") {
			codes[c.Method] = c.Code + " " + c.Error
		}
		// ListPodSandboxStats may fail on some versions: then the call says why.
		if _, ok := out.Files[slug+"/pod_stats.json"]; !ok && codes["ListPodSandboxStats"] == "" {
			t.Errorf("%s: no pod stats and no call recorded", tag)
		}
		t.Logf("%s: ListPodSandboxStats %s", tag, codes["ListPodSandboxStats"])
	}
}

// Without --runtime-endpoint the cri source finds cri-dockerd from its
// command line (a socket at no well-known path) and lists its pod, the
// containers cri-dockerd made in dockerd 28, and Docker as the runtime.
func TestLabCRIDockerdPods(t *testing.T) {
	le := lab.Require(t)
	env := collect.NewTestEnv()
	env.PodNamespaces = []string{"lab"}
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	slug := endpoints.Parse(le["RTSNAP_LAB_CRIDOCKERD_SOCK"]).Slug()
	v := decode[VersionRecord](t, out, slug+"/version.json")
	if v.Version.GetRuntimeName() != "docker" || v.Version.GetRuntimeVersion() != "28.5.2" {
		t.Errorf("cri-dockerd version: %+v", v.Version)
	}
	pods := decode[PodList](t, out, slug+"/pods.json")
	podID := ""
	for _, p := range pods.Pods {
		if p.Pod.GetMetadata().GetName() == le["RTSNAP_LAB_CRIDOCKERD_POD"] && p.Pod.GetState() == criapi.PodSandboxState_SANDBOX_READY {
			podID = p.Pod.GetId()
		}
	}
	if podID == "" {
		t.Fatalf("pod %s not ready among %d pods", le["RTSNAP_LAB_CRIDOCKERD_POD"], len(pods.Pods))
	}
	cs := decode[ContainerList](t, out, slug+"/containers.json")
	running := map[string]bool{}
	for _, c := range cs.Containers {
		if c.Container.GetPodSandboxId() == podID && c.Container.GetState() == criapi.ContainerState_CONTAINER_RUNNING {
			running[c.Container.GetMetadata().GetName()] = true
		}
	}
	if !running["app"] || !running["sidecar"] {
		t.Errorf("running containers of %s: %v", le["RTSNAP_LAB_CRIDOCKERD_POD"], running)
	}
}
