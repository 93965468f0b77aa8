package crio

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/collect/containerd"
	"github.com/rtsnap/rtsnap/collect/journal"
	"github.com/rtsnap/rtsnap/internal/crioconf"
	"github.com/rtsnap/rtsnap/internal/lab"
	"github.com/rtsnap/rtsnap/internal/runcstate"
	schema "github.com/rtsnap/rtsnap/internal/schema/crio"
)

func run(t *testing.T, env *collect.Env) *collect.Capture {
	t.Helper()
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func decodeFile[T any](t *testing.T, out *collect.Capture, name string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(out.Files[name], &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// The lab's CRI-O, as the crio source sees it: its config values from its
// own files, its socket's answers, the pods labctl made, conmon, pinns
// namespaces, storage state, and runc liveness of its containers.
func TestLabCRIO(t *testing.T) {
	le := lab.Require(t)
	out := run(t, collect.NewTestEnv())
	if out.Skipped != "" {
		t.Fatalf("skipped on a CRI-O node: %s", out.Skipped)
	}
	ds := decodeFile[schema.Daemons](t, out, schema.DaemonsFile)
	var d *schema.Daemon
	for i := range ds.Daemons {
		if ds.Daemons[i].Config.Listen == le["RTSNAP_LAB_CRIO_SOCK"] {
			d = &ds.Daemons[i]
		}
	}
	if d == nil {
		t.Fatalf("the lab's CRI-O (%s) not found: %+v", le["RTSNAP_LAB_CRIO_SOCK"], ds)
	}
	c := d.Config
	rt, _ := c.Runtime("runc")
	if d.PID == 0 || d.Version != "1.34.0" || c.CgroupManager != "cgroupfs" || c.DefaultRuntime != "runc" || c.EnableNRI == nil || *c.EnableNRI ||
		c.Root != le["RTSNAP_LAB_CRIO_ROOT"] || c.RunRoot != le["RTSNAP_LAB_CRIO_RUNROOT"] || rt.Root != le["RTSNAP_LAB_CRIO_RUNTIME_ROOT"] ||
		c.LogFile != le["RTSNAP_LAB_CRIO_LOG"] || len(c.Files) != 2 || len(d.ConfigFiles) != 2 {
		t.Fatalf("config %+v (daemon %+v)", c, d)
	}
	if cf := string(out.Files[d.ConfigFiles[1]]); !strings.Contains(cf, `cgroup_manager = "cgroupfs"`) {
		t.Fatalf("drop-in copy %s: %q", d.ConfigFiles[1], cf)
	}
	s := d.Socket
	if !s.Answers || s.Info == nil || s.Info.CgroupDriver != "cgroupfs" || s.Info.StorageRoot != le["RTSNAP_LAB_CRIO_ROOT"] || s.ConfigFile == "" {
		t.Fatalf("socket %+v", s)
	}
	// `crio status config` is the daemon's merged config: the drop-in's values are in it.
	if sc := string(out.Files[s.ConfigFile]); !strings.Contains(sc, `cgroup_manager = "cgroupfs"`) || !strings.Contains(sc, le["RTSNAP_LAB_CRIO_RUNTIME_ROOT"]) {
		t.Fatalf("status config lacks the drop-in's values")
	}
	// Differential: our merge of the files against CRI-O's own merge (GET
	// /config prints the config the daemon runs with, every key set).
	theirs := crioconf.Merge([]crioconf.Content{{Path: "status-config.toml", Data: out.Files[s.ConfigFile]}})
	theirs.LogFile = c.LogFile // a flag, not in the config
	theirRunc, _ := theirs.Runtime("runc")
	for _, kv := range [][3]string{
		{"root", c.Root, theirs.Root}, {"runroot", c.RunRoot, theirs.RunRoot}, {"listen", c.Listen, theirs.Listen},
		{"storage_driver", c.StorageDriver, theirs.StorageDriver}, {"log_dir", c.LogDir, theirs.LogDir},
		{"namespaces_dir", c.NamespacesDir, theirs.NamespacesDir}, {"pinns_path", c.PinnsPath, theirs.PinnsPath},
		{"default_runtime", c.DefaultRuntime, theirs.DefaultRuntime}, {"cgroup_manager", c.CgroupManager, theirs.CgroupManager},
		{"pause_image", c.PauseImage, theirs.PauseImage}, {"runc runtime_root", rt.Root, theirRunc.Root},
		{"runc runtime_path", rt.Path, theirRunc.Path}, {"runc monitor_path", rt.MonitorPath, theirRunc.MonitorPath},
	} {
		if kv[1] != kv[2] {
			t.Errorf("%s: crioconf merged %q, CRI-O runs with %q", kv[0], kv[1], kv[2])
		}
	}
	if theirs.EnableNRI == nil || *theirs.EnableNRI != *c.EnableNRI {
		t.Errorf("enable_nri: crioconf %v, CRI-O %v", *c.EnableNRI, theirs.EnableNRI)
	}
	for _, call := range s.Calls {
		if strings.HasPrefix(call.Path, "/pause") || strings.HasPrefix(call.Path, "/unpause") {
			t.Fatalf("the collector called %s: it changes a container", call.Path)
		}
	}
	// Pod names are on the sandbox's labels; a container names its sandbox.
	pods := map[string]string{}
	for _, ci := range s.Containers {
		if ci.Labels["io.kubernetes.container.name"] == "POD" {
			pods[ci.ID] = ci.Labels["io.kubernetes.pod.name"]
		}
	}
	names := map[string]schema.ContainerInfo{}
	for _, ci := range s.Containers {
		names[pods[ci.Sandbox]+"/"+ci.Labels["io.kubernetes.container.name"]] = ci
	}
	web := ""
	for _, want := range []string{"web-crio/app", "web-crio/sidecar", "vault-crio/app"} {
		ci, ok := names[want]
		if !ok || ci.Pid <= 0 || ci.Sandbox == "" {
			t.Fatalf("container %s not inspected (have %v)", want, names)
		}
		if want == "web-crio/app" {
			web = ci.ID
		}
	}
	// runc state of a CRI-O container under its runtime root, with the
	// runc source's liveness check: alive, the start time matching.
	rs := decodeFile[schema.Runc](t, out, schema.RuncFile)
	var st *runcstate.State
	for i := range rs.States {
		if rs.States[i].ID == web {
			st = &rs.States[i]
		}
	}
	if st == nil || st.Root != le["RTSNAP_LAB_CRIO_RUNTIME_ROOT"] || st.Owner != runcstate.OwnerCRIO || st.Liveness.Verdict != runcstate.VerdictAlive ||
		!st.Liveness.StartMatches || st.InitPID != names["web-crio/app"].Pid {
		t.Fatalf("web-crio/app (%s) runc state %+v", web, st)
	}
	cm := decodeFile[schema.Conmons](t, out, schema.ConmonFile)
	found := false
	for _, m := range cm.Conmons {
		if m.ContainerID == web && m.State != "" && len(m.Cgroups) > 0 && strings.Contains(strings.Join(m.Cgroups, "\n"), "crio-conmon-"+web) {
			found = true
		}
	}
	if !found {
		t.Fatalf("no conmon with its cgroup for %s: %+v", web, cm)
	}
	ns := decodeFile[schema.Namespaces](t, out, schema.NamespacesFile)
	live := map[string]int{}
	for _, n := range ns.Namespaces {
		if n.Mounted && n.Inode != 0 && strings.HasPrefix(n.Path, "/run/rtsnap-lab/crio/ns/") {
			live[n.Type]++
		}
	}
	if live["net"] < 2 || live["ipc"] < 2 || live["uts"] < 2 {
		t.Fatalf("pinned namespaces %v", live)
	}
	// The pod's network namespace is the one pinns pinned: same inode.
	nsIno := procNetNS(t, names["web-crio/app"].Pid)
	pinned := false
	for _, n := range ns.Namespaces {
		if n.Type == "net" && n.Inode == nsIno {
			pinned = true
		}
	}
	if !pinned {
		t.Fatalf("web-crio/app's net namespace (inode %d) is not among the pinned ones", nsIno)
	}
	sto := decodeFile[schema.Storage](t, out, schema.StorageJSON)
	kinds := map[string]int{}
	for _, f := range sto.Files {
		if f.File != "" && f.Entries > 0 {
			kinds[f.Path[strings.LastIndex(f.Path, "/")+1:]] = f.Entries
		}
	}
	if kinds["images.json"] < 1 || kinds["layers.json"] < 1 || kinds["volatile-containers.json"]+kinds["containers.json"] < 3 {
		t.Fatalf("storage files %+v", sto.Files)
	}
}

func procNetNS(t *testing.T, pid int) uint64 {
	t.Helper()
	fi, err := os.Stat("/proc/" + itoa(pid) + "/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	return statIno(fi)
}

// The hung socket: a CRI-O socket that accepts and never answers costs the
// call deadline, not the source's.
func TestLabCRIOHungSocket(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "crio-hang")
	env := collect.NewTestEnv()
	env.CallTimeout = time2s
	out := collect.NewCapture()
	s := inspectSocket(context.Background(), env, out, "hang", le["RTSNAP_LAB_CRIO_HANG_SOCK"], nil)
	if s.Answers || len(s.Calls) != 1 || s.Calls[0].Error == "" || s.Calls[0].DurationMS > 4000 {
		t.Fatalf("hung socket %+v", s)
	}
	if len(out.Partials) == 0 {
		t.Fatal("a hung CRI-O socket left no partial note")
	}
}

// CRI-O down: its config is still collected, the socket is recorded as not
// answering, and the source does not fail.
func TestLabCRIODown(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "crio-down")
	out := run(t, collect.NewTestEnv())
	if _, ok := out.Files[schema.DaemonsFile]; !ok {
		// The lab's config is not under /etc/crio: with no crio running
		// nothing says this is a CRI-O node, and the source says so.
		if !strings.Contains(out.Skipped, "no crio process") {
			t.Fatalf("no daemons.json and skip reason %q", out.Skipped)
		}
		return
	}
	ds := decodeFile[schema.Daemons](t, out, schema.DaemonsFile)
	for _, d := range ds.Daemons {
		if d.Config.Listen == le["RTSNAP_LAB_CRIO_SOCK"] {
			t.Fatalf("a stopped CRI-O still listed as running: %+v", d)
		}
	}
}

// On a node whose only runtime is CRI-O the containerd source says
// containerd is not used there, not that it is missing; with a containerd
// endpoint it does not say so.
func TestContainerdSkipOnCRIONode(t *testing.T) {
	le := lab.Require(t)
	env := collect.NewTestEnv()
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_CRIO_SOCK"]}
	out := collect.NewCapture()
	if err := containerd.New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.Skipped, "not used on this node: its runtime is CRI-O") {
		t.Fatalf("containerd skip on a CRI-O node: %q", out.Skipped)
	}
	env = collect.NewTestEnv()
	env.RuntimeEndpoints = []string{le["RTSNAP_LAB_CD2_SOCK"]}
	out = collect.NewCapture()
	if err := containerd.New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if out.Skipped != "" {
		t.Fatalf("containerd skipped with a containerd endpoint: %q", out.Skipped)
	}
}

// CRI-O logs to its --log file, not to stdout: the journal source tails it
// (found through the running crio's config), with CRI-O's own lines in it.
func TestLabCRIOLogTailed(t *testing.T) {
	lab.Require(t)
	out := collect.NewCapture()
	if err := journal.New().Collect(context.Background(), collect.NewTestEnv(), out); err != nil {
		t.Fatal(err)
	}
	log := string(out.Files["files/crio.log"])
	if !strings.Contains(log, `msg="`) || !strings.Contains(log, "level=") {
		t.Fatalf("files/crio.log missing or not CRI-O's log (%d bytes); files: %d", len(log), len(out.Files))
	}
}
