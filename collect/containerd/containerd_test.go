package containerd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
	"github.com/rtsnap/rtsnap/internal/lab"
	schema "github.com/rtsnap/rtsnap/internal/schema/containerd"
)

func run(t *testing.T, env *collect.Env) *collect.Capture {
	t.Helper()
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func decode[T any](t *testing.T, out *collect.Capture, name string) T {
	t.Helper()
	var v T
	raw, ok := out.Files[name]
	if !ok {
		t.Fatalf("no file %s", name)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func slug(le lab.Env, key string) string { return endpoints.Parse(le[key]).Slug() }

func TestLabNativeViewOnEveryVersion(t *testing.T) {
	le := lab.Require(t)
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_CD16_SOCK"], le["RTSNAP_LAB_CD17_SOCK"], le["RTSNAP_LAB_CD2_SOCK"]}
	out := run(t, env)
	if len(out.Partials) > 0 {
		t.Fatalf("partials: %v", out.Partials)
	}
	for key, ver := range map[string]string{"RTSNAP_LAB_CD16_SOCK": "1.6.", "RTSNAP_LAB_CD17_SOCK": "1.7.", "RTSNAP_LAB_CD2_SOCK": "2."} {
		dir := slug(le, key) + "/"
		srv := decode[Server](t, out, dir+"server.json")
		if !strings.HasPrefix(strings.TrimPrefix(srv.Version, "v"), ver) || srv.UUID == "" {
			t.Errorf("%s: server %+v", key, srv)
		}
		ctrs := decode[[]Container](t, out, dir+"k8s.io/containers.json")
		tasks := decode[Tasks](t, out, dir+"k8s.io/tasks.json")
		running := map[string]bool{}
		for _, tk := range tasks.Tasks {
			if tk.Status == "RUNNING" && tk.PID > 0 {
				running[tk.ID] = true
			}
		}
		apps := 0
		for _, c := range ctrs {
			if c.Labels["io.kubernetes.container.name"] == "app" && running[c.ID] {
				apps++
				if len(c.Spec) == 0 || c.Snapshotter == "" {
					t.Errorf("%s: container %s lacks spec or snapshotter", key, c.ID)
				}
			}
		}
		if apps == 0 {
			t.Errorf("%s: no running app container among %d", key, len(ctrs))
		}
		imgs := decode[[]Image](t, out, dir+"k8s.io/images.json")
		if len(imgs) == 0 || len(imgs[0].LayerDigests) == 0 || !strings.HasPrefix(imgs[0].Digest, "sha256:") {
			t.Errorf("%s: images %+v", key, imgs)
		}
		content := decode[Content](t, out, dir+"k8s.io/content.json")
		snaps := decode[Snapshots](t, out, dir+"k8s.io/snapshots.json")
		if content.Blobs == 0 || len(snaps.Snapshots) == 0 {
			t.Errorf("%s: content %+v, %d snapshots", key, content, len(snaps.Snapshots))
		}
		plugins := decode[[]Plugin](t, out, dir+"plugins.json")
		if len(plugins) < 10 {
			t.Errorf("%s: %d plugins", key, len(plugins))
		}
		if ev := decode[Events](t, out, dir+"events.json"); ev.Kept || ev.Reason == "" {
			t.Errorf("%s: events %+v", key, ev)
		}
		// The sandbox store is 1.7+: on 1.6 its absence is recorded as
		// Unimplemented and is not a failure (no partial above).
		sbs := decode[Sandboxes](t, out, dir+"k8s.io/sandboxes.json")
		wantCode := "OK"
		if ver == "1.6." {
			wantCode = "Unimplemented"
		}
		if sbs.Code != wantCode {
			t.Errorf("%s: sandboxes code %s, want %s (%s)", key, sbs.Code, wantCode, sbs.Error)
		}
		calls := decode[[]Call](t, out, dir+"calls.json")
		for _, c := range calls {
			if c.Code != "OK" && !(ver == "1.6." && c.Method == "Sandboxes.List" && c.Code == "Unimplemented") {
				t.Errorf("%s: call %+v", key, c)
			}
		}
	}
	// From 2.0 the CRI keeps its pods in the sandbox store.
	sbs := decode[Sandboxes](t, out, slug(le, "RTSNAP_LAB_CD2_SOCK")+"/k8s.io/sandboxes.json")
	pod := false
	for _, sb := range sbs.Sandboxes {
		pod = pod || strings.HasPrefix(sb.Labels["name"], "web-cd2_lab_")
	}
	if !pod {
		t.Errorf("cd2: web-cd2 not in the sandbox store: %+v", sbs)
	}
	dir := slug(le, "RTSNAP_LAB_CD2_SOCK") + "/" + le["RTSNAP_LAB_NATIVE_NS"] + "/"
	tasks := decode[Tasks](t, out, dir+"tasks.json")
	found := false
	for _, tk := range tasks.Tasks {
		found = found || tk.ID == "native-sleeper" && tk.Status == "RUNNING"
	}
	if !found {
		t.Fatalf("native-sleeper not running: %+v", tasks)
	}
}

func TestNamespaceFilterAndHang(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "hang")
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_CD2_SOCK"], le["RTSNAP_LAB_HANG_SOCK"]}
	env.Namespaces = []string{"rtsnap-native"}
	env.CallTimeout = 2 * time.Second
	start := time.Now()
	out := run(t, env)
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("took %s", el)
	}
	// A socket that accepts and never answers ends in DeadlineExceeded when
	// the call's deadline fires first, and in Unavailable when grpc gives
	// up on the server's handshake first (seen once on a loaded machine):
	// both are what a real client meets on a hung daemon, and both are
	// RT0101. What must hold is one partial, for the hung endpoint only.
	if len(out.Partials) != 1 || !strings.Contains(out.Partials[0], "DeadlineExceeded") && !strings.Contains(out.Partials[0], "Unavailable") {
		t.Fatalf("partials %v", out.Partials)
	}
	for name := range out.Files {
		if strings.Contains(name, "/k8s.io/") {
			t.Fatalf("namespace filter let %s through", name)
		}
	}
	if _, ok := out.Files[slug(le, "RTSNAP_LAB_CD2_SOCK")+"/rtsnap-native/containers.json"]; !ok {
		t.Fatal("filtered namespace missing")
	}
}

// deadFaultVictim stages the lab's dead fault (a killed shim on 1.6) and
// returns the id of the container it served.
func deadFaultVictim(t *testing.T) string {
	t.Helper()
	ids := lab.Fault(t, "dead")
	for _, f := range strings.Fields(ids) {
		if v, ok := strings.CutPrefix(f, "container="); ok {
			return v
		}
	}
	t.Fatalf("fault output without container id: %q", ids)
	return ""
}

func TestDeadShimLeavesAContainerWithoutTask(t *testing.T) {
	le := lab.Require(t)
	victim := deadFaultVictim(t)
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_CD16_SOCK"]}
	env.Namespaces = []string{"k8s.io"}
	out := run(t, env)
	tasks := decode[Tasks](t, out, slug(le, "RTSNAP_LAB_CD16_SOCK")+"/k8s.io/tasks.json")
	// What containerd 1.6.20 really does when a shim is killed: the task
	// stays in the list, with status UNKNOWN and no pid (the list does not
	// leave it out), so it is not among the containers without a task.
	for _, m := range tasks.WithoutTask {
		if m.ContainerID == victim {
			t.Fatalf("victim missing from the task list: %+v", m)
		}
	}
	for _, tk := range tasks.Tasks {
		if tk.ID == victim {
			if tk.Status != "UNKNOWN" || tk.PID != 0 {
				t.Fatalf("victim listed as %+v", tk)
			}
			return
		}
	}
	t.Fatalf("victim %s not in the task list: %+v", victim, tasks)
}

// Connecting is lazy: the hang socket (accepts, never answers) holds the
// source only as long as ctx allows, even with a long per-call timeout.
func TestHangSocketHonoursContext(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "hang")
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_HANG_SOCK"]}
	env.CallTimeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	out := collect.NewCapture()
	err := New().Collect(ctx, env, out)
	if el := time.Since(start); el > 4*time.Second {
		t.Fatalf("took %s past a 2s context", el)
	}
	if err == nil || len(out.Partials) != 1 {
		t.Fatalf("only endpoint hung: err %v, partials %v", err, out.Partials)
	}
	srv := decode[Server](t, out, endpoints.Parse(le["RTSNAP_LAB_HANG_SOCK"]).Slug()+"/server.json")
	if srv.Code != "DeadlineExceeded" || srv.Version != "" {
		t.Fatalf("server %+v", srv)
	}
}

// One daemon down (cd17 stopped) while another answers: a Partial naming the
// stopped one, the source still succeeds with the other's view.
func TestStoppedDaemonIsPartial(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "down")
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_CD16_SOCK"], le["RTSNAP_LAB_CD17_SOCK"]}
	env.Namespaces = []string{"k8s.io"}
	env.CallTimeout = 2 * time.Second
	start := time.Now()
	out := run(t, env)
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("took %s", el)
	}
	if len(out.Partials) != 1 || !strings.Contains(out.Partials[0], le["RTSNAP_LAB_CD17_SOCK"]) {
		t.Fatalf("partials %v", out.Partials)
	}
	srv := decode[Server](t, out, slug(le, "RTSNAP_LAB_CD17_SOCK")+"/server.json")
	// The stopped daemon leaves no socket: Unavailable at once, not a timeout.
	if srv.Code != "Unavailable" || srv.Version != "" {
		t.Fatalf("stopped daemon: %+v", srv)
	}
	t.Logf("stopped daemon: %s %s", srv.Code, srv.Error)
	if ctrs := decode[[]Container](t, out, slug(le, "RTSNAP_LAB_CD16_SOCK")+"/k8s.io/containers.json"); len(ctrs) == 0 {
		t.Fatal("cd16's containers missing")
	}
}

// tasksByWay collects the task files of every namespace on the lab's
// daemons twice: with containerd's task list, and the way a namespace of
// more than collect.TaskListUpTo containers takes (taskListUpTo -1 takes it
// everywhere).
func tasksByWay(t *testing.T, le lab.Env, socks ...string) (list, without map[string]Tasks) {
	t.Helper()
	var eps []string
	for _, k := range socks {
		eps = append(eps, le[k])
	}
	read := func(src Source) map[string]Tasks {
		env := collect.NewTestEnv()
		env.RuntimeEndpoints = eps
		out := collect.NewCapture()
		if err := src.Collect(context.Background(), env, out); err != nil {
			t.Fatal(err)
		}
		res := map[string]Tasks{}
		for name := range out.Files {
			if strings.HasSuffix(name, "/tasks.json") {
				res[name] = decode[Tasks](t, out, name)
			}
		}
		return res
	}
	return read(Source{}), read(Source{taskListUpTo: -1})
}

// emptyNamespace: the namespace of tasks.json path name holds no container
// (a namespace another test or make image left behind), read again here.
func emptyNamespace(t *testing.T, le lab.Env, name string) bool {
	t.Helper()
	env := collect.NewTestEnv()
	for _, k := range []string{"RTSNAP_LAB_CD16_SOCK", "RTSNAP_LAB_CD17_SOCK", "RTSNAP_LAB_CD2_SOCK"} {
		env.RuntimeEndpoints = append(env.RuntimeEndpoints, le[k])
	}
	out := collect.NewCapture()
	if err := (Source{}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	return len(decode[[]Container](t, out, strings.TrimSuffix(name, "tasks.json")+"containers.json")) == 0
}

// Without the task list, every task comes out as containerd's list says it:
// RUNNING with the same pid, from the runc state or asked; any other state
// asked of containerd; the same containers without a task.
func TestLabTasksWithoutTheListMatchTheList(t *testing.T) {
	le := lab.Require(t)
	list, without := tasksByWay(t, le, "RTSNAP_LAB_CD16_SOCK", "RTSNAP_LAB_CD17_SOCK", "RTSNAP_LAB_CD2_SOCK")
	vouched := 0
	for name, l := range list {
		w, ok := without[name]
		if ok && w.Query == nil && emptyNamespace(t, le, name) {
			continue // no container to ask about: the (empty) list is read either way
		}
		if !ok || w.Query == nil || l.Query != nil {
			t.Errorf("%s: without the list %v (query %+v), with it query %+v", name, ok, w.Query, l.Query)
			continue
		}
		got := map[string]Task{}
		for _, tk := range w.Tasks {
			got[tk.ID] = tk
		}
		for _, tk := range l.Tasks {
			g, ok := got[tk.ID]
			switch {
			case !ok:
				t.Errorf("%s: task %s (%s) missing without the list", name, tk.ID, tk.Status)
			case g.Status != tk.Status || g.PID != tk.PID:
				t.Errorf("%s: %s is %s pid %d from %q, the list says %s pid %d", name, tk.ID, g.Status, g.PID, g.From, tk.Status, tk.PID)
			case tk.Status != "RUNNING" && g.From != "":
				t.Errorf("%s: %s (%s) not asked: %+v", name, tk.ID, tk.Status, g)
			}
			if g.From == schema.TaskFromRuncState {
				vouched++
			}
		}
		if len(w.Tasks) != len(l.Tasks) || len(w.WithoutTask) != len(l.WithoutTask) {
			t.Errorf("%s: %d tasks and %d without one, the list's way %d and %d", name, len(w.Tasks), len(w.WithoutTask), len(l.Tasks), len(l.WithoutTask))
		}
	}
	// The cheap way was taken somewhere: some task came from the runc state.
	if vouched == 0 {
		t.Fatalf("no task from the runc state in %d namespaces", len(without))
	}
	t.Logf("%d namespaces, %d tasks from the runc state", len(without), vouched)
}

// A paused task's cgroup is frozen: the files cannot tell paused from
// frozen behind the runtime's back, so containerd is asked and says PAUSED.
func TestLabPausedTaskIsAskedWithoutTheList(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "paused")
	_, without := tasksByWay(t, le, "RTSNAP_LAB_CD2_SOCK")
	w := without[slug(le, "RTSNAP_LAB_CD2_SOCK")+"/"+le["RTSNAP_LAB_NATIVE_NS"]+"/tasks.json"]
	for _, tk := range w.Tasks {
		if tk.ID == "native-sleeper" {
			if tk.Status != "PAUSED" || tk.From != "" || w.Query.AskedWhy[whyFrozen] == 0 {
				t.Fatalf("paused task %+v, query %+v", tk, w.Query)
			}
			return
		}
	}
	t.Fatalf("native-sleeper not among %+v", w)
}

// A killed shim leaves its container's init alive under another parent: the
// files do not vouch for it, so containerd is asked and its answer kept.
func TestLabDeadShimIsAskedWithoutTheList(t *testing.T) {
	le := lab.Require(t)
	victim := deadFaultVictim(t)
	list, without := tasksByWay(t, le, "RTSNAP_LAB_CD16_SOCK")
	name := slug(le, "RTSNAP_LAB_CD16_SOCK") + "/k8s.io/tasks.json"
	find := func(ts Tasks) string {
		for _, tk := range ts.Tasks {
			if tk.ID == victim {
				return fmt.Sprintf("task %s pid %d from %q", tk.Status, tk.PID, tk.From)
			}
		}
		for _, m := range ts.WithoutTask {
			if m.ContainerID == victim {
				return "no task: " + m.GetCode
			}
		}
		return "absent"
	}
	l, w := find(list[name]), find(without[name])
	// 1.6.20 lists the task UNKNOWN without a pid (TestDeadShimLeavesAContainerWithoutTask);
	// a direct Get answers the same.
	if w != `task UNKNOWN pid 0 from ""` || without[name].Query.AskedWhy[whyNoShim] == 0 {
		t.Fatalf("victim %s without the list: %s (the list: %s), query %+v", victim, w, l, without[name].Query)
	}
}
