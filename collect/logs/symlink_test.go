package logs

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/hostroot"
)

// cri-dockerd makes a pod's log file a symlink with an absolute target, the
// Docker container's json log (/var/lib/docker/containers/<id>/<id>-json.log).
// Under --host-root that link is followed inside the root: the live file sorts
// newest, as on the host, and is not the first cut by --max-containers.
func TestCRILogsAbsoluteSymlinkUnderHostRoot(t *testing.T) {
	root := t.TempDir()
	mk := func(p string) string {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte(`{"log":"x\n","stream":"stdout","time":"2026-12-01T10:00:00Z"}`+"\n"), 0o644)
		return full
	}
	target := "/var/lib/docker/containers/abc/abc-json.log"
	mk(target)
	old := mk("/var/log/pods/lab_old_u0/app/0.log")
	os.Chtimes(old, time.Now().Add(-time.Hour), time.Now().Add(-time.Hour))
	link := filepath.Join(root, "var/log/pods/lab_web_u1/app/0.log")
	os.MkdirAll(filepath.Dir(link), 0o755)
	if err := os.Symlink(target, link); err != nil { // absolute: the host's path
		t.Fatal(err)
	}
	hr, err := hostroot.New(root)
	if err != nil {
		t.Fatal(err)
	}
	env := collect.NewTestEnv()
	env.Host = hr
	fs := criLogs(env.HostPath("/var/log/pods"), env)
	if len(fs) != 2 || fs[0].Pod != "web" || fs[1].Pod != "old" {
		t.Fatalf("order %+v", fs)
	}
}
