package cri

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/redact"
)

// fakeRuntime is a CRI server with three pods (lab/a, lab/b, other/c), one
// container each plus one whose pod is gone, and one image. RuntimeConfig is
// left Unimplemented, as on containerd 1.6 and 1.7.
type fakeRuntime struct {
	criapi.UnimplementedRuntimeServiceServer
	criapi.UnimplementedImageServiceServer
	calls       atomic.Int64
	verbosePods atomic.Int64
	// readyPods more READY sandboxes (without containers) after fakePods.
	readyPods atomic.Int64
	// runningContainers more RUNNING containers (in pod pa) after the four.
	runningContainers atomic.Int64
	verboseContainers atomic.Int64
}

func (f *fakeRuntime) Version(context.Context, *criapi.VersionRequest) (*criapi.VersionResponse, error) {
	f.calls.Add(1)
	return &criapi.VersionResponse{RuntimeName: "fake", RuntimeVersion: "1.6.99", RuntimeApiVersion: "v1"}, nil
}

func (f *fakeRuntime) Status(context.Context, *criapi.StatusRequest) (*criapi.StatusResponse, error) {
	f.calls.Add(1)
	return &criapi.StatusResponse{
		Status: &criapi.RuntimeStatus{Conditions: []*criapi.RuntimeCondition{{Type: "RuntimeReady", Status: true}}},
		Info:   map[string]string{"config": `{"sandboxImage":"pause:3.9"}`, "golang": "go1.20"},
	}, nil
}

var fakePods = []*criapi.PodSandbox{
	{Id: "pa", CreatedAt: 3, State: criapi.PodSandboxState_SANDBOX_READY, Metadata: &criapi.PodSandboxMetadata{Name: "a", Namespace: "lab"}},
	{Id: "pb", CreatedAt: 2, State: criapi.PodSandboxState_SANDBOX_READY, Metadata: &criapi.PodSandboxMetadata{Name: "b", Namespace: "lab"}},
	{Id: "pc", CreatedAt: 1, State: criapi.PodSandboxState_SANDBOX_NOTREADY, Metadata: &criapi.PodSandboxMetadata{Name: "c", Namespace: "other"}},
}

func (f *fakeRuntime) ListPodSandbox(context.Context, *criapi.ListPodSandboxRequest) (*criapi.ListPodSandboxResponse, error) {
	f.calls.Add(1)
	items := append([]*criapi.PodSandbox(nil), fakePods...)
	for i := range f.readyPods.Load() {
		items = append(items, &criapi.PodSandbox{Id: fmt.Sprintf("pr%04d", i), CreatedAt: 0, State: criapi.PodSandboxState_SANDBOX_READY,
			Metadata: &criapi.PodSandboxMetadata{Name: fmt.Sprintf("r%d", i), Namespace: "lab"}})
	}
	return &criapi.ListPodSandboxResponse{Items: items}, nil
}

// PodSandboxStatus answers info only when asked for verbose, as the
// runtimes do.
func (f *fakeRuntime) PodSandboxStatus(_ context.Context, r *criapi.PodSandboxStatusRequest) (*criapi.PodSandboxStatusResponse, error) {
	f.calls.Add(1)
	resp := &criapi.PodSandboxStatusResponse{Status: &criapi.PodSandboxStatus{Id: r.PodSandboxId, Network: &criapi.PodSandboxNetworkStatus{Ip: "10.0.0.1"}}}
	if r.Verbose {
		f.verbosePods.Add(1)
		resp.Info = map[string]string{"info": `{"pid":42}`}
	}
	return resp, nil
}

func (f *fakeRuntime) ListContainers(context.Context, *criapi.ListContainersRequest) (*criapi.ListContainersResponse, error) {
	f.calls.Add(1)
	var cs []*criapi.Container
	for i, p := range fakePods {
		cs = append(cs, &criapi.Container{Id: "c" + p.Id, PodSandboxId: p.Id, CreatedAt: int64(10 + i), State: criapi.ContainerState_CONTAINER_RUNNING,
			Metadata: &criapi.ContainerMetadata{Name: "app"}})
	}
	cs = append(cs, &criapi.Container{Id: "orphan", PodSandboxId: "gone", State: criapi.ContainerState_CONTAINER_EXITED,
		Metadata: &criapi.ContainerMetadata{Name: "old"}, Labels: map[string]string{podNamespaceLabel: "other"}})
	for i := range f.runningContainers.Load() {
		cs = append(cs, &criapi.Container{Id: fmt.Sprintf("cr%04d", i), PodSandboxId: "pa", State: criapi.ContainerState_CONTAINER_RUNNING,
			Metadata: &criapi.ContainerMetadata{Name: fmt.Sprintf("r%d", i)}})
	}
	return &criapi.ListContainersResponse{Containers: cs}, nil
}

// ContainerStatus answers info only when asked for verbose, as the
// runtimes do.
func (f *fakeRuntime) ContainerStatus(_ context.Context, r *criapi.ContainerStatusRequest) (*criapi.ContainerStatusResponse, error) {
	f.calls.Add(1)
	resp := &criapi.ContainerStatusResponse{Status: &criapi.ContainerStatus{Id: r.ContainerId, StartedAt: 1700000000123456789}}
	if r.Verbose {
		f.verboseContainers.Add(1)
		resp.Info = map[string]string{"info": `{"runtimeSpec":{"process":{"env":["A=B"]}}}`}
	}
	return resp, nil
}

func (f *fakeRuntime) ListImages(context.Context, *criapi.ListImagesRequest) (*criapi.ListImagesResponse, error) {
	f.calls.Add(1)
	return &criapi.ListImagesResponse{Images: []*criapi.Image{{Id: "sha256:1", RepoTags: []string{"busybox:latest"}, Size: 1000}}}, nil
}

func (f *fakeRuntime) ImageStatus(context.Context, *criapi.ImageStatusRequest) (*criapi.ImageStatusResponse, error) {
	f.calls.Add(1)
	return &criapi.ImageStatusResponse{Info: map[string]string{"info": `{"chainID":"x"}`}}, nil
}

func (f *fakeRuntime) ImageFsInfo(context.Context, *criapi.ImageFsInfoRequest) (*criapi.ImageFsInfoResponse, error) {
	f.calls.Add(1)
	return &criapi.ImageFsInfoResponse{ImageFilesystems: []*criapi.FilesystemUsage{{Timestamp: 1, FsId: &criapi.FilesystemIdentifier{Mountpoint: "/var/lib/x"}}}}, nil
}

func serveFake(t *testing.T) (string, *fakeRuntime) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fake.sock")
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRuntime{}
	srv := grpc.NewServer()
	criapi.RegisterRuntimeServiceServer(srv, f)
	criapi.RegisterImageServiceServer(srv, f)
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return p, f
}

// hungSocket accepts connections and never answers.
func hungSocket(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hang.sock")
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return p
}

func runFake(t *testing.T, env *collect.Env) (*collect.Capture, string) {
	t.Helper()
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	return out, endpoints.Parse(env.RuntimeEndpoints[0]).Slug() + "/"
}

func TestFakeRuntimeEveryFile(t *testing.T) {
	sock, _ := serveFake(t)
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{sock}
	out, dir := runFake(t, env)
	if len(out.Partials) != 0 {
		t.Fatalf("partials: %v", out.Partials)
	}
	if v := decode[VersionRecord](t, out, dir+"version.json"); v.Code != "OK" || v.Version.GetRuntimeVersion() != "1.6.99" {
		t.Errorf("version: %+v", v)
	}
	st := decode[StatusRecord](t, out, dir+"status.json")
	if compact(st.Info["config"]) != `{"sandboxImage":"pause:3.9"}` || string(st.Info["golang"]) != `"go1.20"` || !st.Status.Conditions[0].Status {
		t.Errorf("status info: %s %s", st.Info["config"], st.Info["golang"])
	}
	if rc := decode[RuntimeConfigRecord](t, out, dir+"runtime_config.json"); rc.Code != "Unimplemented" || rc.Config != nil {
		t.Errorf("runtime config: %+v", rc)
	}
	pods := decode[PodList](t, out, dir+"pods.json")
	if len(pods.Pods) != 3 || pods.Pods[0].Pod.Id != "pa" || pods.Pods[2].Status == nil || compact(pods.Pods[2].Info["info"]) != `{"pid":42}` {
		t.Errorf("pods: %+v", pods)
	}
	cs := decode[ContainerList](t, out, dir+"containers.json")
	if len(cs.Containers) != 4 || cs.Containers[0].Status.GetStartedAt() != 1700000000123456789 {
		t.Errorf("containers: %d, first %+v", len(cs.Containers), cs.Containers[0])
	}
	if kind := out.Kinds[dir+"containers.json"]; kind != redact.JSON {
		t.Errorf("containers.json kind %v", kind)
	}
	if im := decode[ImageList](t, out, dir+"images.json"); len(im.Images) != 1 || len(im.Images[0].Info) != 1 {
		t.Errorf("images: %+v", im)
	}
	if fs := decode[*criapi.ImageFsInfoResponse](t, out, dir+"imagefs.json"); fs.GetImageFilesystems()[0].GetFsId().GetMountpoint() != "/var/lib/x" {
		t.Errorf("imagefs: %s", out.Files[dir+"imagefs.json"])
	}
	if _, ok := out.Files[dir+"container_stats.json"]; ok {
		t.Error("stats collected without env.CRIStats")
	}
	codes := map[string]string{}
	for _, c := range decode[[]Call](t, out, dir+"calls.json") {
		codes[c.Method] = c.Code
	}
	if codes["Version"] != "OK" || codes["RuntimeConfig"] != "Unimplemented" || codes["ContainerStatus/verbose"] != "OK" ||
		codes["PodSandboxStatus/verbose"] != "OK" {
		t.Errorf("calls: %v", codes)
	}
}

// Up to collect.VerbosePodsUpTo sandboxes every status is verbose (as crictl
// inspectp); on a bigger node only the sandboxes not ready are, the ready
// ones keep their status (the IP), and the list says what was left out and
// how to get it; --cri-verbose-pods asks every one.
func TestPodVerboseOnlyWhereNotReadyOnABigNode(t *testing.T) {
	for _, c := range []struct {
		name         string
		extra        int
		all          bool
		wantVerbose  int64
		wantOmission string
	}{
		{"small node", collect.VerbosePodsUpTo - 3, false, collect.VerbosePodsUpTo, ""},
		{"big node", collect.VerbosePodsUpTo - 2, false, 1, fmt.Sprintf("%d of %d sandboxes", collect.VerbosePodsUpTo, collect.VerbosePodsUpTo+1)},
		{"big node, --cri-verbose-pods", collect.VerbosePodsUpTo - 2, true, collect.VerbosePodsUpTo + 1, ""},
	} {
		sock, f := serveFake(t)
		f.readyPods.Store(int64(c.extra))
		env := collect.NewTestEnv()
		env.RuntimeEndpoints = []string{sock}
		env.CRIVerbosePods = c.all
		out, dir := runFake(t, env)
		pods := decode[PodList](t, out, dir+"pods.json")
		var recs []verboseRecord
		for _, p := range pods.Pods {
			recs = append(recs, verboseRecord{p.Pod.Id, p.Pod.State == criapi.PodSandboxState_SANDBOX_READY,
				p.Status.GetNetwork().GetIp() == "10.0.0.1", len(p.Info) > 0})
		}
		checkVerbose(t, c.name, recs, 3+c.extra, f.verbosePods.Load(), c.wantVerbose, decode[[]Call](t, out, dir+"calls.json"),
			"PodSandboxStatus", pods.InfoOmitted, c.wantOmission, "--cri-verbose-pods")
	}
}

// verboseRecord is what the verbose tests check of one pod or container.
type verboseRecord struct {
	id                    string
	healthy, status, info bool
}

// checkVerbose checks one case of a verbose-above-a-bound rule: total
// records, each with its status, the healthy ones plain unless wantVerbose
// covers them, the unhealthy ones verbose; the fake's verbose calls and
// calls.json's method names agree; the list's omission note names how many
// and the flag, or is empty.
func checkVerbose(t *testing.T, name string, recs []verboseRecord, total int, verboseCalls, wantVerbose int64, calls []Call, method, omitted, wantOmission, flag string) {
	t.Helper()
	if len(recs) != total || verboseCalls != wantVerbose {
		t.Errorf("%s: %d records, %d verbose calls, want %d and %d", name, len(recs), verboseCalls, total, wantVerbose)
		return
	}
	verbose := 0
	for _, r := range recs {
		if !r.status {
			t.Errorf("%s: %s without its status", name, r.id)
		}
		if r.info {
			verbose++
		} else if !r.healthy {
			t.Errorf("%s: %s, not ready or running, without verbose info", name, r.id)
		}
	}
	if int64(verbose) != wantVerbose {
		t.Errorf("%s: %d records with info, %d verbose calls", name, verbose, wantVerbose)
	}
	methods := map[string]int{}
	for _, call := range calls {
		methods[call.Method]++
	}
	if int64(methods[method+"/verbose"]) != wantVerbose || int64(methods[method]) != int64(total)-wantVerbose {
		t.Errorf("%s: calls.json %v", name, methods)
	}
	if wantOmission == "" && omitted != "" || wantOmission != "" && (!strings.Contains(omitted, wantOmission) || !strings.Contains(omitted, flag)) {
		t.Errorf("%s: info_omitted %q", name, omitted)
	}
}

func TestContainerVerboseOnlyWhereNotRunningOnABigNode(t *testing.T) {
	const fixed = 4 // three running, one exited (the orphan)
	for _, c := range []struct {
		name         string
		extra        int
		all          bool
		wantVerbose  int64
		wantOmission string
	}{
		{"small node", collect.VerboseContainersUpTo - fixed, false, collect.VerboseContainersUpTo, ""},
		{"big node", collect.VerboseContainersUpTo - fixed + 1, false, 1, fmt.Sprintf("%d of %d containers", collect.VerboseContainersUpTo, collect.VerboseContainersUpTo+1)},
		{"big node, --cri-verbose-containers", collect.VerboseContainersUpTo - fixed + 1, true, collect.VerboseContainersUpTo + 1, ""},
	} {
		sock, f := serveFake(t)
		f.runningContainers.Store(int64(c.extra))
		env := collect.NewTestEnv()
		env.RuntimeEndpoints = []string{sock}
		env.CRIVerboseContainers = c.all
		out, dir := runFake(t, env)
		list := decode[ContainerList](t, out, dir+"containers.json")
		var recs []verboseRecord
		for _, r := range list.Containers {
			recs = append(recs, verboseRecord{r.Container.Id, r.Container.State == criapi.ContainerState_CONTAINER_RUNNING,
				r.Status.GetStartedAt() == 1700000000123456789, len(r.Info) > 0})
		}
		checkVerbose(t, c.name, recs, fixed+c.extra, f.verboseContainers.Load(), c.wantVerbose, decode[[]Call](t, out, dir+"calls.json"),
			"ContainerStatus", list.InfoOmitted, c.wantOmission, "--cri-verbose-containers")
	}
}

func TestFakeRuntimePodNamespaceFilter(t *testing.T) {
	sock, _ := serveFake(t)
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{sock}
	env.PodNamespaces = []string{"other"}
	out, dir := runFake(t, env)
	pods := decode[PodList](t, out, dir+"pods.json")
	if len(pods.Pods) != 1 || pods.Pods[0].Pod.Id != "pc" || pods.Filtered != 2 {
		t.Errorf("pods: %d kept, %d filtered", len(pods.Pods), pods.Filtered)
	}
	cs := decode[ContainerList](t, out, dir+"containers.json")
	var ids []string
	for _, c := range cs.Containers {
		ids = append(ids, c.Container.Id)
	}
	// cpc by its pod's namespace, the orphan by its label.
	if strings.Join(ids, ",") != "cpc,orphan" || cs.Filtered != 2 {
		t.Errorf("containers %v, %d filtered", ids, cs.Filtered)
	}
	env.PodNamespaces = []string{"nobody"}
	out, dir = runFake(t, env)
	if p, c := decode[PodList](t, out, dir+"pods.json"), decode[ContainerList](t, out, dir+"containers.json"); len(p.Pods)+len(c.Containers) != 0 {
		t.Errorf("filter leaked: %+v %+v", p, c)
	}
}

func TestFakeRuntimeMaxContainers(t *testing.T) {
	sock, _ := serveFake(t)
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{sock}
	env.MaxContainers = 2
	out, dir := runFake(t, env)
	pods := decode[PodList](t, out, dir+"pods.json")
	cs := decode[ContainerList](t, out, dir+"containers.json")
	if len(pods.Pods) != 2 || !pods.Truncated || len(cs.Containers) != 2 || !cs.Truncated {
		t.Fatalf("pods %d (truncated %v), containers %d (truncated %v)", len(pods.Pods), pods.Truncated, len(cs.Containers), cs.Truncated)
	}
	// Newest first: the cut keeps the most recent.
	if cs.Containers[0].Container.Id != "orphan" && cs.Containers[0].Container.CreatedAt != 12 {
		t.Errorf("first container %+v", cs.Containers[0].Container)
	}
	env.MaxContainers = 0
	out, dir = runFake(t, env)
	if p := decode[PodList](t, out, dir+"pods.json"); p.Truncated {
		t.Error("truncated without a limit")
	}
}

// budgetOutput refuses every write after the first n.
type budgetOutput struct {
	*collect.Capture
	left int
}

func (b *budgetOutput) WriteJSON(name string, v any) error {
	if b.left == 0 {
		return fmt.Errorf("%s: %w", name, collect.ErrBudget)
	}
	b.left--
	return b.Capture.WriteJSON(name, v)
}

func TestSpentBudgetStopsCalls(t *testing.T) {
	sock, f := serveFake(t)
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{sock}
	out := &budgetOutput{Capture: collect.NewCapture(), left: 1}
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	// Version, Status and RuntimeConfig; nothing after the refused write.
	if n := f.calls.Load(); n > 2 {
		t.Fatalf("%d calls after the budget was spent", n)
	}
	if len(out.Partials) != 0 {
		t.Fatalf("budget reported as a failure: %v", out.Partials)
	}
}

func TestHungAndMissingEndpoints(t *testing.T) {
	sock, _ := serveFake(t)
	hung := hungSocket(t)
	missing := filepath.Join(t.TempDir(), "missing.sock")
	env := collect.NewTestEnv()
	env.CallTimeout = 300 * time.Millisecond
	env.RuntimeEndpoints = []string{hung, sock, missing}
	out := collect.NewCapture()
	start := time.Now()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("took %s", el)
	}
	if len(out.Partials) != 2 {
		t.Fatalf("partials: %v", out.Partials)
	}
	hv := decode[VersionRecord](t, out, endpoints.Parse(hung).Slug()+"/version.json")
	mv := decode[VersionRecord](t, out, endpoints.Parse(missing).Slug()+"/version.json")
	if hv.Code != "DeadlineExceeded" || mv.Code != "Unavailable" || !strings.Contains(mv.Error, missing+" does not exist") {
		t.Errorf("hung %+v, missing %+v", hv, mv)
	}
	if calls := decode[[]Call](t, out, endpoints.Parse(hung).Slug()+"/calls.json"); len(calls) != 1 || calls[0].Code != "DeadlineExceeded" {
		t.Errorf("hung calls: %+v", calls)
	}
	if cs := decode[ContainerList](t, out, endpoints.Parse(sock).Slug()+"/containers.json"); len(cs.Containers) != 4 {
		t.Errorf("answering endpoint incomplete: %d containers", len(cs.Containers))
	}

	env.RuntimeEndpoints = []string{hung, missing}
	if err := New().Collect(context.Background(), env, collect.NewCapture()); err == nil {
		t.Fatal("no endpoint answered, yet no error")
	}
}

func compact(raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "invalid: " + err.Error()
	}
	return b.String()
}

func TestDecodeInfo(t *testing.T) {
	got := decodeInfo(map[string]string{"a": `{"x":1}`, "b": "plain text", "c": `[1,2]`})
	if string(got["a"]) != `{"x":1}` || string(got["b"]) != `"plain text"` || string(got["c"]) != `[1,2]` {
		t.Fatalf("%s %s %s", got["a"], got["b"], got["c"])
	}
	if decodeInfo(nil) != nil {
		t.Fatal("empty info should be omitted")
	}
}

// Each endpoint that cannot answer says why, in the error the status shows:
// a regular file in place of the socket, a missing one, and a TCP endpoint
// that refuses, printed as given (the issue: "no CRI endpoint answered" with
// no reason, and tcp://1.2.3.4:1 printed as tcp:/1.2.3.4:1). What operators
// see elsewhere for a missing socket is a gRPC dial error buried in an RPC
// failure: "rpc error: code = Unavailable desc = connection error: desc =
// \"transport: Error while dialing dial unix /var/run/dockershim.sock:
// connect: no such file or directory\"" (crictl,
// https://github.com/kubernetes-sigs/cri-tools/issues/1089).
func TestEveryFailedEndpointSaysWhy(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "containerd.sock")
	os.WriteFile(file, []byte("a regular file"), 0o600)
	missing := filepath.Join(dir, "crio.sock")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := "tcp://" + l.Addr().String()
	l.Close() // nothing listens there now: connection refused
	env := collect.NewTestEnv()
	env.CallTimeout = 2 * time.Second
	env.RuntimeEndpoints = []string{file, missing, refusing}
	out := collect.NewCapture()
	err = New().Collect(context.Background(), env, out)
	if err == nil || !strings.Contains(err.Error(), refusing) {
		t.Fatalf("err %v", err)
	}
	all := strings.Join(out.Partials, "\n")
	for _, want := range []string{file + " is a regular file, not a socket", missing + " does not exist", refusing + ": unreachable", "connection refused"} {
		if !strings.Contains(all, want) {
			t.Errorf("partials lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all+err.Error(), "tcp:/1") {
		t.Errorf("tcp endpoint mangled:\n%s", all)
	}
}

// The quiet side: an answering endpoint next to them adds no partial of its own.
func TestAnsweringEndpointAddsNoReason(t *testing.T) {
	sock, _ := serveFake(t)
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{sock}
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if len(out.Partials) != 0 {
		t.Fatalf("partials %v", out.Partials)
	}
}

// Above collect.StatusContainersUpTo containers the running ones are not
// asked their status at all (on containerd 2.x each call decodes a spec);
// the one not running still is, verbose. At the bound, and with
// --cri-status-all, every container is asked.
func TestContainerStatusOnlyWhereNotRunningOnAHugeNode(t *testing.T) {
	const fixed = 4 // three running, one exited (the orphan)
	for _, c := range []struct {
		name               string
		extra              int
		all                bool
		wantAsked          int
		wantStatusOmission string
		wantInfoOmission   bool
	}{
		{"at the bound", collect.StatusContainersUpTo - fixed, false, collect.StatusContainersUpTo, "", true},
		{"over it", collect.StatusContainersUpTo - fixed + 1, false, 1, fmt.Sprintf("%d of %d containers are running", collect.StatusContainersUpTo, collect.StatusContainersUpTo+1), false},
		{"over it, --cri-status-all", collect.StatusContainersUpTo - fixed + 1, true, collect.StatusContainersUpTo + 1, "", true},
	} {
		sock, f := serveFake(t)
		f.runningContainers.Store(int64(c.extra))
		env := collect.NewTestEnv()
		env.RuntimeEndpoints = []string{sock}
		env.CRIStatusAll = c.all
		out, dir := runFake(t, env)
		list := decode[ContainerList](t, out, dir+"containers.json")
		if len(list.Containers) != fixed+c.extra {
			t.Fatalf("%s: %d records, want %d", c.name, len(list.Containers), fixed+c.extra)
		}
		asked := 0
		for _, r := range list.Containers {
			running := r.Container.State == criapi.ContainerState_CONTAINER_RUNNING
			switch {
			case r.Status != nil && !r.StatusOmitted:
				asked++
			case r.Status == nil && r.StatusOmitted && running && r.Error == "":
			default:
				t.Errorf("%s: %s (running %v): status %v, omitted %v, error %q", c.name, r.Container.Id, running, r.Status != nil, r.StatusOmitted, r.Error)
			}
		}
		methods := map[string]int{}
		for _, call := range decode[[]Call](t, out, dir+"calls.json") {
			methods[call.Method]++
		}
		if asked != c.wantAsked || methods["ContainerStatus"]+methods["ContainerStatus/verbose"] != c.wantAsked {
			t.Errorf("%s: %d records with a status, calls.json %v, want %d", c.name, asked, methods, c.wantAsked)
		}
		if c.wantStatusOmission == "" && list.StatusOmitted != "" ||
			c.wantStatusOmission != "" && (!strings.Contains(list.StatusOmitted, c.wantStatusOmission) || !strings.Contains(list.StatusOmitted, "--cri-status-all")) {
			t.Errorf("%s: status_omitted %q", c.name, list.StatusOmitted)
		}
		if (list.InfoOmitted != "") != c.wantInfoOmission {
			t.Errorf("%s: info_omitted %q", c.name, list.InfoOmitted)
		}
	}
}
