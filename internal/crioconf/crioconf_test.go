package crioconf

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// CRI-O 1.34.0's own `crio config --default` (testdata/README.md): every
// value is read from the file and agrees with the package's defaults.
func TestDefaultConfigOfCRIO134(t *testing.T) {
	raw, err := os.ReadFile("testdata/crio-1.34.0-default.conf")
	if err != nil {
		t.Fatal(err)
	}
	c := Merge([]Content{{Path: "/etc/crio/crio.conf", Data: raw}})
	if len(c.Errors) != 0 || len(c.Files) != 1 {
		t.Fatalf("errors %v files %v", c.Errors, c.Files)
	}
	if c.DefaultRuntime != "crun" || c.CgroupManager != "systemd" || c.Listen != DefaultListen ||
		c.NamespacesDir != DefaultNamespacesDir || c.LogDir != DefaultLogDir || c.EnableNRI == nil || !*c.EnableNRI {
		t.Fatalf("%+v", c)
	}
	r, ok := c.Runtime("crun")
	if !ok || r.Root != "/run/crun" || len(c.Runtimes) != 1 {
		t.Fatalf("runtimes %+v", c.Runtimes)
	}
}

// A drop-in changes only the keys it names, later files win, and a runtime
// table without runtime_root gets the OCI runtime's own root. The drop-in
// values are those of a real node's crio.conf (kubespray issue 6118:
// https://github.com/kubernetes-sigs/kubespray/issues/6118):
// default_runtime = "runc", cgroup_manager = "cgroupfs", conmon = "/usr/bin/conmon".
func TestDropInsOverridePerKey(t *testing.T) {
	dir := t.TempDir()
	main := write(t, dir, "crio.conf", "[crio]\nroot = \"/data/storage\"\n[crio.runtime]\ncgroup_manager = \"systemd\"\nconmon = \"/usr/bin/conmon\"\n")
	write(t, dir, "crio.conf.d/10-runc.conf", "[crio.runtime]\ndefault_runtime = \"runc\"\ncgroup_manager = \"cgroupfs\"\n[crio.runtime.runtimes.runc]\nruntime_path = \"/usr/local/bin/runc\"\n")
	write(t, dir, "crio.conf.d/20-root.conf", "[crio.runtime.runtimes.runc]\nruntime_root = \"/run/k8s-runc\"\n")
	write(t, dir, "crio.conf.d/05-first.conf", "[crio.runtime]\ncgroup_manager = \"ignored-by-10\"\n")
	c := Load([]string{"/usr/bin/crio", "--config", main, "--config-dir", filepath.Join(dir, "crio.conf.d")}, nil)
	if len(c.Errors) != 0 {
		t.Fatal(c.Errors)
	}
	if c.Root != "/data/storage" || c.RunRoot != DefaultRunRoot || c.DefaultRuntime != "runc" || c.CgroupManager != "cgroupfs" {
		t.Fatalf("%+v", c)
	}
	if got := strings.Join(c.Files, ","); !strings.HasSuffix(got, "05-first.conf,"+filepath.Join(dir, "crio.conf.d/10-runc.conf")+","+filepath.Join(dir, "crio.conf.d/20-root.conf")) {
		t.Fatalf("order %s", got)
	}
	r, ok := c.Runtime("runc")
	if !ok || r.Path != "/usr/local/bin/runc" || r.Root != "/run/k8s-runc" {
		t.Fatalf("runc %+v", r)
	}
	// Without the 20- drop-in the root is runc's own default.
	os.Remove(filepath.Join(dir, "crio.conf.d/20-root.conf"))
	c = Load([]string{"crio", "-c", main, "-d", filepath.Join(dir, "crio.conf.d")}, nil)
	if r, _ := c.Runtime("runc"); r.Root != "/run/runc" {
		t.Fatalf("runc without runtime_root: %+v", r)
	}
	// CRI-O's built-in crun handler stays next to the configured runc.
	if r, ok := c.Runtime("crun"); !ok || r.Root != "/run/crun" || len(c.Runtimes) != 2 {
		t.Fatalf("runtimes %+v", c.Runtimes)
	}
}

// Flags win over files, as crio's CLI does; unix:// is stripped from --listen.
func TestFlagsOverrideFiles(t *testing.T) {
	dir := t.TempDir()
	main := write(t, dir, "crio.conf", "[crio.api]\nlisten = \"/run/file.sock\"\n[crio]\nroot = \"/file/root\"\n")
	c := Load([]string{"/usr/bin/crio", "--config=" + main, "--config-dir", dir + "/none", "--listen", "unix:///run/flag.sock",
		"--root", "/flag/root", "--log", "/var/log/crio.log", "--cgroup-manager=cgroupfs"}, nil)
	if c.Listen != "/run/flag.sock" || c.Root != "/flag/root" || c.LogFile != "/var/log/crio.log" || c.CgroupManager != "cgroupfs" {
		t.Fatalf("%+v", c)
	}
	// Quiet case: no file, no flag: CRI-O's defaults, and no error (crio
	// itself runs without a crio.conf).
	c = Load([]string{"crio", "--config", dir + "/absent.conf", "--config-dir", dir + "/absent.d"}, nil)
	if len(c.Errors) != 0 || c.Listen != DefaultListen || c.DefaultRuntime != DefaultRuntime || c.LogFile != "" {
		t.Fatalf("%+v", c)
	}
}

// Hostile files: over the size bound, not TOML, a FIFO in a config's place,
// thousands of drop-ins. Each is an error or a bound, never a hang.
func TestHostileConfigFiles(t *testing.T) {
	dir := t.TempDir()
	big := write(t, dir, "crio.conf", "[crio]\nroot = \""+strings.Repeat("a", MaxFile)+"\"\n")
	d := filepath.Join(dir, "d")
	write(t, dir, "d/00-bad.conf", "[crio.runtime\ndefault_runtime = ")
	write(t, dir, "d/01-deep.conf", strings.Repeat("[", 100000))
	for i := 0; i < MaxDropIns+50; i++ {
		write(t, dir, "d/9-"+strconv.Itoa(i)+".conf", "[crio.runtime]\nlog_level = \"debug\"\n")
	}
	if err := syscall.Mkfifo(filepath.Join(d, "50-fifo.conf"), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan Config, 1)
	go func() { done <- Load([]string{"crio", "--config", big, "--config-dir", d}, nil) }()
	var c Config
	select {
	case c = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Load hung")
	}
	if c.Root != DefaultRoot {
		t.Fatalf("the oversized file was applied: root %.40s", c.Root)
	}
	joined := strings.Join(c.Errors, "\n")
	for _, want := range []string{"crio.conf: over the", "00-bad.conf", "01-deep.conf"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no error for %s in %s", want, joined)
		}
	}
	if len(c.Files) > MaxDropIns || c.LogLevel != "debug" {
		t.Fatalf("%d files applied (bound %d), log level %q", len(c.Files), MaxDropIns, c.LogLevel)
	}
}
