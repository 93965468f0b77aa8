package cgroup

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
	"github.com/rtsnap/rtsnap/internal/runcstate"
)

// The v2 fixture (see testdata/README.md): a frozen container with OOM kills
// under the systemd driver.
func TestV2Fixture(t *testing.T) {
	st := runcstate.State{ID: "abc", CgroupPaths: map[string]string{"": "/sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-abc.scope"}}
	c := Read("testdata/v2", "v2", st)
	if c.Freeze.State != "FROZEN" || c.Freeze.V2Frozen != "1" {
		t.Errorf("freeze %+v", c.Freeze)
	}
	if c.Memory.OOMKills != 2 || c.Memory.OOMEvents != 3 || c.Memory.Limit != "104857600" || c.Memory.UsageBytes != 52428800 {
		t.Errorf("memory %+v", c.Memory)
	}
	if c.Pids.Current != 12 || c.CPU.Throttled != 120 || c.CPU.ThrottledTimeUS != 3400000 {
		t.Errorf("pids %+v cpu %+v", c.Pids, c.CPU)
	}
	if c.Driver != "systemd" {
		t.Errorf("driver %s", c.Driver)
	}
	if Driver("/kubepods/besteffort/pod1/abc") != "cgroupfs" || Driver("") != "unknown" {
		t.Error("driver detection")
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
		if mode.Mode == "" || len(mode.Mounts) == 0 {
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
