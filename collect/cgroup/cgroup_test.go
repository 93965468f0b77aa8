package cgroup

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
	"github.com/rtsnap/rtsnap/internal/runcstate"
)

// The v2 fixture (see testdata/v2/README.md): a frozen container with OOM
// kills under the systemd driver.
func TestV2Fixture(t *testing.T) {
	st := runcstate.State{ID: "abc", CgroupPaths: map[string]string{"": "/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-abc.scope"}}
	c := Read("testdata/v2", "testdata/proc", "v2", st)
	if c.Freeze.State != "FROZEN" || c.Freeze.V2Frozen != "1" || c.Freeze.V2Populated != "1" {
		t.Errorf("freeze %+v", c.Freeze)
	}
	if c.Memory.OOMKills != 2 || c.Memory.OOMEvents != 3 || c.Memory.Limit != "104857600" || c.Memory.UsageBytes != 52428800 {
		t.Errorf("memory %+v", c.Memory)
	}
	if c.Pids.Current != 12 || c.Pids.MaxEvents != 17 || !c.Pids.EventsKnown || c.CPU.Throttled != 120 || c.CPU.ThrottledTimeUS != 3400000 {
		t.Errorf("pids %+v cpu %+v", c.Pids, c.CPU)
	}
	if c.Driver != "systemd" || c.PathFrom != "runc-state" || len(c.Errors) != 0 {
		t.Errorf("driver %s from %s errors %v", c.Driver, c.PathFrom, c.Errors)
	}
}

func TestV2FreezeStates(t *testing.T) {
	for _, c := range []struct {
		freeze string
		frozen int64
		want   string
	}{{"1", 1, "FROZEN"}, {"1", 0, "FREEZING"}, {"0", 0, "THAWED"}, {"", 0, ""}} {
		if got := v2FreezeState(c.freeze, c.frozen); got != c.want {
			t.Errorf("freeze %q frozen %d: %q, want %q", c.freeze, c.frozen, got, c.want)
		}
	}
}

const v1Path = "/sys/fs/cgroup/%s/kubepods/besteffort/podaaaa/def"

func TestV1Fixture(t *testing.T) {
	paths := map[string]string{}
	for _, k := range []string{"freezer", "memory", "pids", "cpu,cpuacct"} {
		paths[k] = strings.Replace(v1Path, "%s", k, 1)
	}
	c := Read("testdata/v1", "testdata/proc", "hybrid", runcstate.State{ID: "def", CgroupPaths: paths})
	if c.Freeze != (Freeze{State: "FROZEN", SelfFreezing: "1", ParentFreezing: "0"}) {
		t.Errorf("freeze %+v", c.Freeze)
	}
	want := Memory{UsageBytes: 8388608, MaxUsage: 9437184, Limit: "max", Failcnt: 7, OOMKills: 1, OOMKillsKnow: true}
	if c.Memory != want {
		t.Errorf("memory %+v, want %+v", c.Memory, want)
	}
	if c.Pids != (Pids{Current: 3, Max: "max", MaxEvents: 5, EventsKnown: true}) || c.CPU != (CPU{Periods: 50, Throttled: 5, ThrottledTimeUS: 2500000}) {
		t.Errorf("pids %+v cpu %+v", c.Pids, c.CPU)
	}
	if c.Path != "/kubepods/besteffort/podaaaa/def" || c.Driver != "cgroupfs" || len(c.Errors) != 0 {
		t.Errorf("path %q driver %s errors %v", c.Path, c.Driver, c.Errors)
	}
}

// A crun state has no cgroup_paths: the init's /proc/<pid>/cgroup gives them,
// but only while the pid is still the container's.
func TestProcFallback(t *testing.T) {
	st := runcstate.State{ID: "def", InitPID: 4242, Liveness: runcstate.Liveness{PIDExists: true, StartMatches: true}}
	c := Read("testdata/v1", "testdata/proc", "hybrid", st)
	if c.PathFrom != "proc" || c.Freeze.State != "FROZEN" || c.CPU.Throttled != 5 || c.Memory.OOMKills != 1 {
		t.Errorf("fallback %+v", c)
	}
	st.Liveness.StartMatches = false
	c = Read("testdata/v1", "testdata/proc", "hybrid", st)
	if c.PathFrom != "" || c.Freeze.State != "" || len(c.Errors) != 1 {
		t.Errorf("reused pid was followed: %+v", c)
	}
}

func TestGoneCgroupIsAnError(t *testing.T) {
	st := runcstate.State{ID: "x", CgroupPaths: map[string]string{"freezer": "/sys/fs/cgroup/freezer/kubepods/gone"}}
	c := Read("testdata/v1", "testdata/proc", "v1", st)
	if len(c.Errors) != 1 || !strings.Contains(c.Errors[0], "no such file") {
		t.Errorf("errors %v", c.Errors)
	}
	st.CgroupPaths = map[string]string{"": "/sys/fs/cgroup/kubepods.slice/gone.scope"}
	if c := Read("testdata/v2", "testdata/proc", "v2", st); len(c.Errors) != 1 || !strings.Contains(c.Errors[0], "no such file") {
		t.Errorf("v2 errors %v", c.Errors)
	}
}

func TestDriver(t *testing.T) {
	for path, want := range map[string]string{
		"/kubepods/besteffort/pod1/abc": "cgroupfs",
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-abc.scope": "systemd",
		"/system.slice/docker-abc.scope": "systemd",
		"/docker/abc":                    "cgroupfs",
		"":                               "unknown",
	} {
		if got := Driver(path); got != want {
			t.Errorf("Driver(%q) = %s, want %s", path, got, want)
		}
	}
}

func TestModeFromMounts(t *testing.T) {
	for file, want := range map[string]string{"testdata/mountinfo-hybrid": "hybrid", "testdata/mountinfo-v2": "v2"} {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		ms := parseMountinfo(bufio.NewScanner(f))
		f.Close()
		if got := ModeFromMounts(ms); got != want {
			t.Errorf("%s: %s, want %s (%+v)", file, got, want, ms)
		}
	}
	if ModeFromMounts([]Mount{{Path: "/sys/fs/cgroup/memory", FSType: "cgroup"}}) != "v1" || ModeFromMounts(nil) != "unknown" {
		t.Error("v1 or empty mount table")
	}
}

func TestLabPausedTaskIsFrozen(t *testing.T) {
	lab.Require(t)
	env := collect.NewTestEnv()
	run := func() map[string]Container {
		out := collect.NewCapture()
		if err := New().Collect(context.Background(), env, out); err != nil {
			t.Fatal(err)
		}
		var cs []Container
		json.Unmarshal(out.Files["containers.json"], &cs)
		m := map[string]Container{}
		for _, c := range cs {
			m[c.ID] = c
		}
		var mode Mode
		json.Unmarshal(out.Files["mode.json"], &mode)
		if mode.Mode != "hybrid" || len(mode.Mounts) == 0 {
			t.Fatalf("mode %+v", mode)
		}
		return m
	}
	before := run()
	if c, ok := before["native-sleeper"]; !ok || c.Freeze.State != "THAWED" {
		t.Fatalf("native-sleeper before the fault: %+v", c)
	}
	lab.Fault(t, "paused")
	after := run()
	if c := after["native-sleeper"]; c.Freeze.State != "FROZEN" {
		t.Fatalf("paused native-sleeper: %+v", c.Freeze)
	}
	thawed := 0
	for id, c := range after {
		if id != "native-sleeper" && c.Freeze.State == "THAWED" {
			thawed++
		}
		if !strings.HasPrefix(c.Driver, "cgroupfs") && c.Driver != "unknown" {
			t.Errorf("%s: driver %s on the cgroupfs lab", id, c.Driver)
		}
	}
	if thawed < 3 {
		t.Fatalf("other containers not THAWED: %d", thawed)
	}
}

// A pids controller without pids.events (an old kernel, or a file that
// could not be read):
// the count stays unknown rather than read as "no fork refused".
func TestPidsEventsAbsent(t *testing.T) {
	d := t.TempDir()
	for f, v := range map[string]string{"pids.current": "4\n", "pids.max": "8\n"} {
		if err := os.WriteFile(d+"/"+f, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var c Container
	readPids(openDir(d), &c)
	if c.Pids != (Pids{Current: 4, Max: "8"}) {
		t.Errorf("pids %+v, want current 4, max 8, events unknown", c.Pids)
	}
	if err := os.WriteFile(d+"/pids.events", []byte("max 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	readPids(openDir(d), &c)
	if !c.Pids.EventsKnown || c.Pids.MaxEvents != 0 {
		t.Errorf("pids %+v, want events known, max 0", c.Pids)
	}
}

// The v1 freezer's self_freezing and parent_freezing are not read when the
// state is THAWED (the kernel says THAWED only when neither is set): on the
// real kernel, every container's two files agree with what Read writes,
// frozen or not (the paused fault freezes one).
func TestLabThawedFreezerFilesAreZero(t *testing.T) {
	lab.Require(t)
	lab.Fault(t, "paused")
	env := collect.NewTestEnv()
	_, states, _ := env.RuncStates()
	read := func(dir, name string) string {
		b, err := os.ReadFile(dir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	seen := map[string]int{}
	for _, st := range states {
		p, ok := st.CgroupPaths["freezer"]
		if !ok || st.Error != "" {
			continue
		}
		c := Read(env.SysRoot, env.ProcRoot, "hybrid", st)
		if len(c.Errors) > 0 {
			continue // gone since the scan
		}
		dir := env.SysRoot + strings.TrimPrefix(p, "/sys")
		want := Freeze{State: read(dir, "freezer.state"), SelfFreezing: read(dir, "freezer.self_freezing"), ParentFreezing: read(dir, "freezer.parent_freezing")}
		if c.Freeze.State != want.State || c.Freeze.SelfFreezing != want.SelfFreezing || c.Freeze.ParentFreezing != want.ParentFreezing {
			t.Errorf("%s: Read says %+v, the files %+v", st.ID, c.Freeze, want)
		}
		seen[c.Freeze.State]++
	}
	if seen["THAWED"] < 3 || seen["FROZEN"] < 1 {
		t.Fatalf("freezer states on the lab: %v", seen)
	}
}
