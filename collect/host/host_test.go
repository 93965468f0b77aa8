package host

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func run(t *testing.T) *collect.Capture {
	t.Helper()
	env := collect.NewTestEnv()
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHostFacts(t *testing.T) {
	out := run(t)
	var f Facts
	if err := json.Unmarshal(out.Files["host.json"], &f); err != nil {
		t.Fatal(err)
	}
	if f.Kernel == "" || f.BootID == "" || f.CgroupMode == "unknown" || f.MemInfoKiB["MemTotal"] <= 0 || f.NumCPU < 1 {
		t.Fatalf("facts incomplete: %+v", f)
	}
	if v := f.Sysctls["kernel.pid_max"]; v == "" || v == "(absent)" {
		t.Fatalf("pid_max not read: %v", f.Sysctls)
	}
	id, _ := os.ReadFile("/etc/machine-id")
	if len(id) > 0 && strings.Contains(string(out.Files["host.json"]), strings.TrimSpace(string(id))) {
		t.Fatal("raw machine id in host.json")
	}
	var u Units
	json.Unmarshal(out.Files["units.json"], &u)
	if _, err := os.Stat("/run/systemd/system"); err != nil && (u.Available || !strings.HasPrefix(u.Reason, "unavailable")) {
		t.Fatalf("units on a host without systemd: %+v", u)
	}
}

func TestParsers(t *testing.T) {
	m := parseMeminfo("MemTotal:       24000000 kB\nMemFree:  100 kB\nHugePages_Total: 0\n")
	if m["MemTotal"] != 24000000 || m["MemFree"] != 100 || len(m) != 2 {
		t.Fatalf("%v", m)
	}
	o := parseOSRelease("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n")
	if o["ID"] != "debian" || o["PRETTY_NAME"] != "Debian GNU/Linux 12 (bookworm)" {
		t.Fatalf("%v", o)
	}
}

func TestLabRuntimeVersions(t *testing.T) {
	lab.Require(t)
	out := run(t)
	var vs []Version
	json.Unmarshal(out.Files["versions.json"], &vs)
	all := ""
	for _, v := range vs {
		all += v.Path + " " + v.Output + "\n"
	}
	for _, want := range []string{"1.6.20", "1.7.35", "2.2.1", "runc version"} {
		if !strings.Contains(all, want) {
			t.Errorf("version %s not found in:\n%s", want, all)
		}
	}
	var ps []Process
	json.Unmarshal(out.Files["processes.json"], &ps)
	roles := map[string]int{}
	for _, p := range ps {
		roles[string(p.Role)]++
		if p.AgeSeconds <= 0 {
			t.Errorf("process %d age %v", p.PID, p.AgeSeconds)
		}
	}
	if roles["containerd"] < 3 || roles["shim"] < 4 || roles["dockerd"] < 1 {
		t.Fatalf("runtime processes: %v", roles)
	}
}
