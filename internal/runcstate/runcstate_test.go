package runcstate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

// fakeProc writes <root>/<pid>/stat with the given state and start ticks.
func fakeProc(t *testing.T, root string, pid int, state string, start string) {
	t.Helper()
	dir := filepath.Join(root, itoa(pid))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Fields after ") ": state ppid pgrp session tty tpgid flags minflt cminflt
	// majflt cmajflt utime stime cutime cstime priority nice threads itreal starttime.
	stat := itoa(pid) + " (sleep (x)) " + state + " 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 " + start + " 100 200\n"
	if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestCheckVerdicts(t *testing.T) {
	proc := t.TempDir()
	fakeProc(t, proc, 10, "S", "500")
	fakeProc(t, proc, 11, "Z", "600")
	fakeProc(t, proc, 12, "T", "700")
	for _, c := range []struct {
		name    string
		pid     int
		start   uint64
		verdict string
		alive   bool
	}{
		{"alive", 10, 500, VerdictAlive, true},
		{"reused", 10, 499, VerdictPIDReused, false},
		{"zombie", 11, 600, VerdictZombie, false},
		{"frozen", 12, 700, VerdictStopped, true},
		{"gone", 13, 800, VerdictGone, false},
		{"no pid", 0, 0, VerdictGone, false},
	} {
		l := Check(proc, c.pid, c.start)
		if l.Verdict != c.verdict || l.Alive() != c.alive {
			t.Errorf("%s: %+v, want %s", c.name, l, c.verdict)
		}
	}
}

// tree builds a fake /run with a containerd root, a docker root and a crun root.
func tree(t *testing.T) string {
	base := t.TempDir()
	put := func(dst, src string) {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(base+dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(base+dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("/run/containerd/runc/k8s.io/abc123/state.json", "testdata/state.json")
	put("/run/docker/runtime-runc/moby/abc124/state.json", "testdata/state.json")
	put("/run/crun/def456/status", "testdata/crun-status")
	put("/srv/cd/state/runc/other-ns/abc125/state.json", "testdata/state.json")
	// A directory without a state file (a container being created) is not a state.
	if err := os.MkdirAll(base+"/run/containerd/runc/k8s.io/half-made", 0o755); err != nil {
		t.Fatal(err)
	}
	return base
}

func TestRootsAndScan(t *testing.T) {
	base := tree(t)
	procs := []procscan.Process{{Role: procscan.RoleContainerd, Args: []string{"containerd", "--state", "/srv/cd/state"}}}
	roots := rootsUnder(base, procs)
	got := map[string]Root{}
	for _, r := range roots {
		got[r.Path] = r
	}
	want := map[string]Root{
		"/run/containerd/runc/k8s.io":   {"/run/containerd/runc/k8s.io", "containerd", "k8s.io"},
		"/run/docker/runtime-runc/moby": {"/run/docker/runtime-runc/moby", "docker", "moby"},
		"/run/crun":                     {"/run/crun", "plain or cri-o", ""},
		"/srv/cd/state/runc/other-ns":   {"/srv/cd/state/runc/other-ns", "containerd", "other-ns"},
	}
	if len(got) != len(want) {
		t.Fatalf("roots %+v", roots)
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("root %s: %+v, want %+v", p, got[p], w)
		}
	}

	proc := t.TempDir()
	fakeProc(t, proc, 4242, "S", "777")
	fakeProc(t, proc, 5151, "Z", "888")
	states, truncated := scanUnder(base, proc, roots, 0, nil)
	if truncated || len(states) != 4 {
		t.Fatalf("%d states, truncated %v", len(states), truncated)
	}
	byID := map[string]State{}
	for _, s := range states {
		byID[s.ID+"@"+s.Root] = s
	}
	r := byID["abc123@/run/containerd/runc/k8s.io"]
	if r.Runtime != "runc" || r.InitPID != 4242 || r.InitStart != 777 || r.Liveness.Verdict != VerdictAlive ||
		r.Bundle != "/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc123" ||
		r.Rootfs == "" || r.CgroupPaths["freezer"] == "" || r.NamespacePaths["NEWNET"] != "/proc/4242/ns/net" ||
		len(r.Namespaces) != 3 || r.Namespaces[1].Path != "/var/run/netns/cni-1234" || r.Created.Year() != 2026 ||
		r.File != "/run/containerd/runc/k8s.io/abc123/state.json" {
		t.Errorf("runc state %+v", r)
	}
	if b, _ := json.Marshal(r); strings.Contains(string(b), "hunter2") || strings.Contains(string(b), "Hooks") {
		t.Errorf("state kept config beyond the subset: %s", b)
	}
	c := byID["def456@/run/crun"]
	if c.Runtime != "crun" || c.InitPID != 5151 || c.InitStart != 888 || c.Liveness.Verdict != VerdictZombie ||
		c.CgroupPath != "/machine.slice/libpod-def456.scope" || c.Bundle == "" {
		t.Errorf("crun state %+v", c)
	}
	// A copy under a containerd --state dir: its id comes from the file.
	if s := byID["abc123@/srv/cd/state/runc/other-ns"]; s.ID == "" {
		t.Error("state under a containerd --state dir not found")
	}

	cut, truncated := scanUnder(base, proc, roots, 2, nil)
	if !truncated || len(cut) != 2 {
		t.Errorf("bound 2: %d states, truncated %v", len(cut), truncated)
	}
}

func TestUnreadableState(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x", "state.json")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte("{not json"), 0o644)
	st := Read(t.TempDir(), Root{Path: dir}, p)
	if st.Error == "" || st.ID != "x" {
		t.Errorf("broken state.json: %+v", st)
	}
}

func TestReadBoundedRefusesOversizedFiles(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := readBounded(nil, p, 100); err != nil || len(b) != 100 {
		t.Fatalf("at the bound: %d bytes, %v", len(b), err)
	}
	if _, err := readBounded(nil, p, 99); err == nil || !strings.Contains(err.Error(), "bound") {
		t.Fatalf("over the bound: %v", err)
	}
}
