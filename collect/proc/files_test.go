package proc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

// fakePID writes a /proc/<pid> directory with the files the source reads.
func fakePID(t *testing.T, root string) string {
	t.Helper()
	dir := filepath.Join(root, "321")
	for _, d := range []string{"ns", "fd"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"status": "Name:\tcontainerd\nUmask:\t0022\nState:\tS (sleeping)\nNSpid:\t321\t1\nThreads:\t14\n" +
			"VmRSS:\t   51200 kB\nVmHWM:\t   61440 kB\nCapEff:\t000001ffffffffff\nNoNewPrivs:\t0\nSeccomp:\t2\n" +
			"Cpus_allowed_list:\t0-1\nSigQ:\t0/7823\n",
		"cgroup":        "12:freezer:/kubepods/pod1/abc\n0::/\n",
		"oom_score_adj": "-999\n",
		"limits": "Limit                     Soft Limit           Hard Limit           Units     \n" +
			"Max cpu time              unlimited            unlimited            seconds   \n" +
			"Max processes             unlimited            unlimited            processes \n" +
			"Max open files            1048576              1048576              files     \n" +
			"Max locked memory         8388608              8388608              bytes     \n",
		"environ": "PATH=/usr/bin\x00AWS_SECRET_ACCESS_KEY=topsecret\x00https_proxy=http://user:pw@proxy:3128\x00NO_PROXY=10.0.0.0/8\x00",
		"stat":    "321 (containerd) S 1 321 321 0 -1 0 0 0 0 0 0 0 0 0 20 0 14 0 5000 100 200\n",
		"cmdline": "containerd\x00--config\x00/etc/c.toml\x00",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink("net:[4026531840]", filepath.Join(dir, "ns", "net"))
	os.Symlink("pid:[4026531836]", filepath.Join(dir, "ns", "pid"))
	os.Symlink("/var/log/rtsnap-lab/cd16.log", filepath.Join(dir, "fd", "1"))
	os.Symlink("pipe:[77]", filepath.Join(dir, "fd", "2"))
	return dir
}

func TestReadDaemon(t *testing.T) {
	root := t.TempDir()
	fakePID(t, root)
	boot := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	r := reader{procRoot: root, redact: func(s string) string { return strings.ReplaceAll(s, "user:pw", "REDACTED") },
		now: boot.Add(time.Hour), boot: boot}
	p := procscan.Process{PID: 321, PPID: 1, Comm: "containerd", State: "S", StartTicks: 5000, Args: []string{"containerd", "--config", "/etc/c.toml"}, Role: procscan.RoleContainerd}
	got := r.read(p, "containerd", "", "")
	if got.Status["NSpid"] != "321 1" || got.Status["VmRSS"] != "51200 kB" || got.Status["Seccomp"] != "2" || got.Status["SigQ"] != "" {
		t.Errorf("status %v", got.Status)
	}
	if got.StartedAt != boot.Add(50*time.Second) || got.AgeSeconds != 3550 {
		t.Errorf("start %s age %d", got.StartedAt, got.AgeSeconds)
	}
	if got.Limits["open_files"] != (Limit{Soft: "1048576", Hard: "1048576", Units: "files"}) || got.Limits["processes"].Soft != "unlimited" ||
		got.Limits["locked_memory"].Units != "bytes" || len(got.Limits) != 3 {
		t.Errorf("limits %+v", got.Limits)
	}
	if got.Namespaces["net"] != "net:[4026531840]" || got.OOMScoreAdj != "-999" || len(got.Cgroup) != 2 {
		t.Errorf("ns %v oom %q cgroup %v", got.Namespaces, got.OOMScoreAdj, got.Cgroup)
	}
	if got.Stdout != "/var/log/rtsnap-lab/cd16.log" || got.Stderr != "pipe:[77]" {
		t.Errorf("fds %q %q", got.Stdout, got.Stderr)
	}
	if len(got.ProxyEnv) != 2 || got.ProxyEnv["https_proxy"] != "http://REDACTED@proxy:3128" || got.ProxyEnv["NO_PROXY"] != "10.0.0.0/8" {
		t.Errorf("proxy env %v", got.ProxyEnv)
	}
	if len(got.Errors) != 0 {
		t.Errorf("errors %v", got.Errors)
	}
}

func TestInitHasNoDaemonFields(t *testing.T) {
	root := t.TempDir()
	fakePID(t, root)
	r := reader{procRoot: root, redact: func(s string) string { return s }}
	got := r.read(procscan.Process{PID: 321}, RoleInit, "abc", "k8s.io")
	if got.Stdout != "" || got.ProxyEnv != nil || got.ContainerID != "abc" {
		t.Errorf("init %+v", got)
	}
	if !got.StartedAt.IsZero() {
		t.Error("start time without a boot time")
	}
}
