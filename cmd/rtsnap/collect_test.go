package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	tasksapi "github.com/containerd/containerd/api/services/tasks/v1"
	"github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/snapshots"
	"github.com/containerd/containerd/v2/pkg/namespaces"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// rtsnapBin is the collector built once for the end-to-end tests: signals
// and exit deadlines can only be tested on a real process.
var rtsnapBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rtsnap-bin-")
	if err != nil {
		panic(err)
	}
	rtsnapBin = filepath.Join(dir, "rtsnap")
	if out, err := exec.Command("go", "build", "-o", rtsnapBin, ".").CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// tmpfsDir is a fresh directory on /dev/shm (a tmpfs here and on most nodes).
func tmpfsDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("/dev/shm", "rtsnap-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func labArgs(le lab.Env, out string) []string {
	return []string{"collect", "--output", out, "--quiet",
		"--runtime-endpoint", "unix://" + le["RTSNAP_LAB_CD16_SOCK"],
		"--runtime-endpoint", "unix://" + le["RTSNAP_LAB_CD17_SOCK"],
		"--runtime-endpoint", "unix://" + le["RTSNAP_LAB_CD2_SOCK"],
		"--docker-socket", le["RTSNAP_LAB_DOCKER_SOCK"],
		"--journal-dir", le["RTSNAP_LAB_JOURNAL_DIR"], "--since", "720h"}
}

type summary struct {
	Path       string                `json:"path"`
	Size       int64                 `json:"size"`
	Sources    []bundle.SourceStatus `json:"sources"`
	Redactions int                   `json:"redactions"`
	Truncated  bool                  `json:"truncated"`
}

func collectJSON(t *testing.T, args ...string) (summary, *exec.Cmd, error) {
	t.Helper()
	cmd := exec.Command(rtsnapBin, append(args, "--json")...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var s summary
	if err == nil {
		if jerr := json.Unmarshal(stdout.Bytes(), &s); jerr != nil {
			t.Fatalf("summary: %v\n%s", jerr, stdout.String())
		}
	} else {
		err = errors.Join(err, errors.New(stderr.String()))
	}
	return s, cmd, err
}

func TestCollectFromLab(t *testing.T) {
	le := lab.Require(t)
	out := tmpfsDir(t)
	s, _, err := collectJSON(t, append(labArgs(le, out), "--case-id", "SR-1", "--note", "lab run")...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.OpenFile(s.Path, bundle.DefaultLimits())
	if err != nil {
		t.Fatalf("bundle does not verify: %v", err)
	}
	m := b.Manifest
	if m.CaseID != "SR-1" || m.Note != "lab run" || m.Host.Hostname == "" || m.Host.Kernel == "" || m.Host.BootID == "" ||
		m.Collector.Version == "" || m.Collector.Commit == "" || m.PeakRSSBytes == 0 || len(m.CommandLine) < 5 || m.Options["timeout"] != "1m0s" {
		t.Errorf("manifest incomplete: %+v", m)
	}
	want := []string{"discovery", "host", "cri", "containerd", "docker", "runc", "proc", "cgroup", "journal", "logs", "configs", "metadb"}
	got := map[string]bundle.SourceStatus{}
	for _, st := range m.Sources {
		got[st.Name] = st
	}
	for _, n := range want {
		st, ok := got[n]
		if !ok {
			t.Errorf("source %s missing from the manifest", n)
			continue
		}
		if st.Status != bundle.StatusOK {
			t.Errorf("source %s: %s (%s)", n, st.Status, st.Reason)
		}
		if st.Files == 0 || st.Bytes == 0 {
			t.Errorf("source %s stored nothing", n)
		}
	}
	if _, ok := b.File("redaction-report.json"); !ok {
		t.Error("no redaction report")
	}
	fi, _ := os.Stat(s.Path)
	if fi.Mode().Perm() != 0o600 || !strings.HasSuffix(s.Path, ".tar.zst") || s.Size != fi.Size() {
		t.Errorf("archive %s mode %v size %d/%d", s.Path, fi.Mode(), s.Size, fi.Size())
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 2 {
		t.Errorf("output dir holds %d entries, want the archive and its .sha256", len(entries))
	}
}

func TestHungSocketIsATimeoutWithinTheDeadline(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "hang")
	out := tmpfsDir(t)
	start := time.Now()
	s, _, err := collectJSON(t, "collect", "--output", out, "--only", "cri,containerd,discovery",
		"--runtime-endpoint", le["RTSNAP_LAB_HANG_SOCK"], "--runtime-endpoint", le["RTSNAP_LAB_CD2_SOCK"],
		"--timeout", "8s", "--source-timeout", "3s", "--call-timeout", "30s")
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("collection took %s with --timeout 8s", el)
	}
	for _, st := range s.Sources {
		if (st.Name == "cri" || st.Name == "containerd") && st.Status != bundle.StatusTimeout {
			t.Errorf("%s: %s (%s), want timeout", st.Name, st.Status, st.Reason)
		}
	}
	if _, err := bundle.OpenFile(s.Path, bundle.DefaultLimits()); err != nil {
		t.Fatal(err)
	}
}

func TestWholeRunDeadlineWithAHungSocket(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "hang")
	out := tmpfsDir(t)
	start := time.Now()
	_, _, err := collectJSON(t, "collect", "--output", out, "--only", "cri",
		"--runtime-endpoint", le["RTSNAP_LAB_HANG_SOCK"], "--timeout", "4s", "--source-timeout", "60s", "--call-timeout", "60s")
	if el := time.Since(start); el > 6*time.Second {
		t.Fatalf("exited after %s, want within --timeout 4s + 2s", el)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// The first SIGTERM (or Ctrl-C) finishes the bundle with what was collected,
// marked interrupted, and exits 130; the second aborts (collect's
// interrupt tests send both to a real process).
func TestFirstSIGTERMFinishesTheBundle(t *testing.T) {
	le := lab.Require(t)
	lab.Fault(t, "hang")
	out := tmpfsDir(t)
	cmd := exec.Command(rtsnapBin, "collect", "--output", out, "--quiet", "--runtime-endpoint", le["RTSNAP_LAB_HANG_SOCK"],
		"--runtime-endpoint", le["RTSNAP_LAB_CD2_SOCK"], "--timeout", "60s", "--source-timeout", "60s", "--call-timeout", "60s")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("SIGTERM did not stop the collector within 5s")
	}
	archives, _ := filepath.Glob(filepath.Join(out, "rtsnap-*.tar.zst"))
	if len(archives) != 1 {
		t.Fatalf("want one archive, got %v", archives)
	}
	b, err := bundle.OpenFile(archives[0], bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if !b.Manifest.Interrupted || !strings.Contains(b.Manifest.InterruptedReason, "terminated") {
		t.Fatalf("manifest interrupted=%v %q", b.Manifest.Interrupted, b.Manifest.InterruptedReason)
	}
	if _, ok := b.File("redaction-report.json"); !ok {
		t.Fatal("interrupted bundle incomplete")
	}
	// cd2 answered in the two seconds before the signal: its data is kept.
	kept := false
	for _, p := range b.Paths() {
		kept = kept || (strings.HasPrefix(p, "cri/") && strings.Contains(p, "cd2") && strings.HasSuffix(p, "/version.json"))
	}
	if !kept {
		t.Fatalf("what cd2 answered before the signal was thrown away: %v", b.Paths())
	}
}

// A tiny tmpfs: a valid bundle marked truncated, or a clean error; never a
// corrupt file.
func TestTinyTmpfs(t *testing.T) {
	le := lab.Require(t)
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1100k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	s, _, err := collectJSON(t, labArgs(le, dir)...)
	entries, _ := os.ReadDir(dir)
	if err != nil {
		if !strings.Contains(err.Error(), "free") && !strings.Contains(err.Error(), "space") {
			t.Fatalf("unclear error: %v", err)
		}
		if len(entries) != 0 {
			t.Fatalf("failed run left %v", entries)
		}
		t.Logf("clean error: %v", err)
		return
	}
	if !s.Truncated {
		t.Errorf("a full lab collection fit in ~80 KiB without truncation? size %d", s.Size)
	}
	b, err := bundle.OpenFile(s.Path, bundle.DefaultLimits())
	if err != nil {
		t.Fatalf("bundle on the tiny tmpfs does not verify: %v", err)
	}
	t.Logf("truncated bundle of %d bytes: %s", s.Size, b.Manifest.TruncatedReason)
	if !b.Manifest.Truncated || b.Manifest.TruncatedReason == "" {
		t.Fatalf("manifest not marked truncated: %+v", b.Manifest.TruncatedReason)
	}
}

func TestRefusesDiskOutput(t *testing.T) {
	dir := t.TempDir()
	if ok, _ := collect.IsTmpfs(dir); ok {
		t.Skip("temp dir is a tmpfs here")
	}
	_, _, err := collectJSON(t, "collect", "--output", dir, "--only", "host")
	if err == nil || !strings.Contains(err.Error(), "tmpfs") {
		t.Fatalf("disk output accepted: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("wrote to disk: %v", entries)
	}
}

// runtimeState is what the read-only proof compares: every daemon's
// containers, tasks, leases, snapshots and images in every namespace, and
// Docker's containers.
func runtimeState(t *testing.T, le lab.Env) string {
	t.Helper()
	var lines []string
	for _, key := range []string{"RTSNAP_LAB_CD16_SOCK", "RTSNAP_LAB_CD17_SOCK", "RTSNAP_LAB_CD2_SOCK"} {
		c, err := client.New(le[key], client.WithTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		nss, err := c.NamespaceService().List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ns := range nss {
			nctx := namespaces.WithNamespace(ctx, ns)
			p := key + " " + ns + " "
			ctrs, _ := c.ContainerService().List(nctx)
			for _, x := range ctrs {
				lines = append(lines, p+"container "+x.ID+" "+x.UpdatedAt.String())
			}
			tasks, _ := c.TaskService().List(nctx, &tasksapi.ListTasksRequest{})
			for _, x := range tasks.GetTasks() {
				lines = append(lines, p+"task "+x.ID+" "+x.Status.String()+" "+x.ExitedAt.String())
			}
			ls, _ := c.LeasesService().List(nctx)
			for _, x := range ls {
				lines = append(lines, p+"lease "+x.ID)
			}
			imgs, _ := c.ImageService().List(nctx)
			for _, x := range imgs {
				lines = append(lines, p+"image "+x.Name+" "+x.Target.Digest.String()+" "+x.UpdatedAt.String())
			}
			c.SnapshotService("overlayfs").Walk(nctx, func(_ context.Context, i snapshots.Info) error {
				lines = append(lines, p+"snapshot "+i.Name+" "+i.Kind.String()+" "+i.Updated.String())
				return nil
			})
		}
		cancel()
		c.Close()
	}
	out, err := exec.Command("docker", "ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Status}} {{.Image}}").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines = append(lines, strings.Split(strings.TrimSpace(string(out)), "\n")...)
	sort.Strings(lines)
	// Docker's status text holds the container's age ("Up 5 minutes"): keep
	// the state word only.
	for i, l := range lines {
		if f := strings.Fields(l); len(f) >= 2 && (f[1] == "Up" || f[1] == "Exited") && len(f[0]) == 64 {
			lines[i] = f[0] + " " + f[1] + " " + f[len(f)-1]
		}
	}
	return strings.Join(lines, "\n")
}

func TestCollectionIsReadOnly(t *testing.T) {
	le := lab.Require(t)
	before := runtimeState(t, le)
	if strings.Count(before, "\n") < 20 {
		t.Fatalf("too little state to compare:\n%s", before)
	}
	if _, _, err := collectJSON(t, labArgs(le, tmpfsDir(t))...); err != nil {
		t.Fatal(err)
	}
	after := runtimeState(t, le)
	if before != after {
		t.Fatalf("runtime state changed during collection:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
