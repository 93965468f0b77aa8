package logs

import (
	"context"
	"os/exec"
	"path"

	"strings"

	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/hostroot"
	"github.com/rtsnap/rtsnap/internal/lab"
	"github.com/rtsnap/rtsnap/internal/procscan"
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

// Two dockerds (the default one and one behind cri-dockerd with a
// --data-root of its own, as the lab runs them): the logs of both are read.
func TestDockerRootsOfEveryDockerd(t *testing.T) {
	procs := []procscan.Process{
		{Role: procscan.RoleDockerd, Args: []string{"dockerd", "--iptables=false"}},
		{Role: procscan.RoleDockerd, Args: []string{"/opt/dockerd", "--data-root", "/var/lib/rtsnap-lab/docker28/data/"}},
		{Role: procscan.RoleDockerd, Args: []string{"dockerd", "-g", "/var/lib/docker"}},
		{Role: procscan.RoleCRIDockerd, Args: []string{"cri-dockerd", "--data-root", "/nope"}},
	}
	got := strings.Join((&Source{}).dockerRoots(procs), " ")
	if want := "/var/lib/docker /var/lib/rtsnap-lab/docker28/data"; got != want {
		t.Fatalf("dockerRoots = %q, want %q", got, want)
	}
	if got := strings.Join((&Source{}).dockerRoots(nil), " "); got != "/var/lib/docker" {
		t.Fatalf("no dockerd: %q", got)
	}
}

// The lab's second dockerd (28.5.2, behind cri-dockerd): its plain
// container's json log and cri-dockerd's pod logs (symlinks into its data
// root) are collected next to dockerd 20.10's.
func TestLabDocker28Logs(t *testing.T) {
	le := lab.Require(t)
	env := collect.NewTestEnv()
	env.Since = 10 * time.Minute
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	id, err := exec.Command("docker", "-H", "unix://"+le["RTSNAP_LAB_DOCKER28_SOCK"], "inspect", "-f", "{{.Id}}", le["RTSNAP_LAB_DOCKER28_CONTAINER"]).Output()
	if err != nil {
		t.Fatalf("docker inspect: %v", err)
	}
	if data := string(out.Files["docker/"+strings.TrimSpace(string(id))+".jsonl"]); !strings.Contains(data, `docker28 tick`) {
		t.Errorf("%s json log: %.200q", le["RTSNAP_LAB_DOCKER28_CONTAINER"], data)
	}
	// pods/lab/POD/app/0.log, or pods/lab/POD_UID/app/0.log when the pod
	// has older incarnations (a fault test recreated it): the live one says
	// "app tick".
	var names []string
	live := false
	for name, data := range out.Files {
		dir, file := path.Split(name)
		if file != "0.log" || !strings.HasSuffix(dir, "/app/") {
			continue
		}
		if pod := strings.TrimSuffix(dir, "/app/"); pod == "pods/lab/"+le["RTSNAP_LAB_CRIDOCKERD_POD"] || strings.HasPrefix(pod, "pods/lab/"+le["RTSNAP_LAB_CRIDOCKERD_POD"]+"_") {
			names = append(names, name)
			live = live || strings.Contains(string(data), "app tick")
		}
	}
	if !live {
		t.Errorf("cri-dockerd pod log: none of %q says app tick", names)
	}
}
