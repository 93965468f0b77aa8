package host

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
	"github.com/rtsnap/rtsnap/internal/procscan"
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
	for _, p := range ps {
		if p.Orphaned && strings.HasPrefix(p.ShimAddress, "/run/rtsnap-lab/") {
			if _, err := os.Stat(p.ShimAddress); err == nil {
				t.Errorf("shim %d of a running lab daemon marked orphaned (%s)", p.PID, p.ShimAddress)
			}
		}
	}
	if roles["containerd"] < 3 || roles["shim"] < 4 || roles["dockerd"] < 1 {
		t.Fatalf("runtime processes: %v", roles)
	}
}

func TestReadSysctls(t *testing.T) {
	root := t.TempDir()
	for p, v := range map[string]string{"sys/kernel/pid_max": "4194304\n", "sys/net/ipv4/ip_forward": "1\n", "sys/net/ipv4/ip_local_port_range": "32768\t60999\n"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), []byte(v), 0o644)
	}
	got := readSysctls(root, []string{"kernel.pid_max", "net.ipv4.ip_forward", "net.ipv4.ip_local_port_range", "net.bridge.bridge-nf-call-iptables"})
	want := map[string]string{"kernel.pid_max": "4194304", "net.ipv4.ip_forward": "1", "net.ipv4.ip_local_port_range": "32768 60999", "net.bridge.bridge-nf-call-iptables": "(absent)"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestOrphanedShim(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "stat"), []byte("btime 1700000000\n"), 0o644)
	os.MkdirAll(filepath.Join(root, "net"), 0o755)
	os.WriteFile(filepath.Join(root, "net/unix"), []byte("Num       RefCount Protocol Flags    Type St Inode Path\n"+
		"0000: 00000002 00000000 00010000 0001 01 1 /run/containerd/containerd.sock\n"+
		"0000: 00000003 00000000 00000000 0001 03 2 /run/gone/containerd.sock\n"), 0o644)
	shim := func(pid, ppid int, addr string) procscan.Process {
		return procscan.Process{PID: pid, PPID: ppid, Role: procscan.RoleShim, Args: []string{"containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", "x", "-address", addr}}
	}
	ps := processes([]procscan.Process{shim(10, 1, "/run/containerd/containerd.sock"), shim(11, 1, "/run/gone/containerd.sock"), shim(12, 5, "/run/gone/containerd.sock")}, root, time.Now())
	if ps[0].Orphaned || !ps[1].Orphaned || ps[2].Orphaned {
		t.Fatalf("orphaned: owned %v, no listener %v, parent alive %v", ps[0].Orphaned, ps[1].Orphaned, ps[2].Orphaned)
	}
	if ps[1].ShimAddress != "/run/gone/containerd.sock" {
		t.Fatalf("address %q", ps[1].ShimAddress)
	}
}
