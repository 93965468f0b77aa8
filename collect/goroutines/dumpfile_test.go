package goroutines

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

func none() string { return "" }

func TestWaitFileFindsAFreshCompleteDump(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "goroutine-stacks-2020-01-01T000000Z.log")
	os.WriteFile(old, []byte("goroutine 1 [old]"), 0o600)
	past := time.Now().Add(-time.Hour)
	os.Chtimes(old, past, past)
	since := time.Now().Add(-time.Second)

	// Nothing newer than since: an error after the wait, not a stale file.
	if f, err := waitFile(context.Background(), []string{filepath.Join(dir, "goroutine-stacks-*.log")}, none, since, nil, 300*time.Millisecond); err == nil {
		t.Fatalf("stale dump accepted: %s", f)
	}
	fresh := filepath.Join(dir, "goroutine-stacks-2030-01-01T000000Z.log")
	go func() {
		time.Sleep(150 * time.Millisecond)
		os.WriteFile(fresh, []byte("goroutine 1 [running]:\n"), 0o600)
	}()
	f, err := waitFile(context.Background(), []string{filepath.Join(dir, "goroutine-stacks-*.log")}, none, since, nil, 2*time.Second)
	if err != nil || f != fresh {
		t.Fatalf("got %q, %v", f, err)
	}
	// A file another daemon's dump already took is not taken twice.
	if f, err := waitFile(context.Background(), []string{filepath.Join(dir, "goroutine-stacks-*.log")}, none, since, map[string]bool{fresh: true}, 300*time.Millisecond); err == nil {
		t.Fatalf("taken file returned again: %s", f)
	}
}

func TestWaitFileUsesThePathTheLogNames(t *testing.T) {
	dir := t.TempDir()
	elsewhere := filepath.Join(dir, "custom", "containerd.7.stacks.log")
	os.MkdirAll(filepath.Dir(elsewhere), 0o755)
	os.WriteFile(elsewhere, []byte("goroutine 1 [running]:\n"), 0o600)
	f, err := waitFile(context.Background(), []string{filepath.Join(dir, "nothing-*.log")}, func() string { return elsewhere }, time.Now().Add(-time.Second), nil, time.Second)
	if err != nil || f != elsewhere {
		t.Fatalf("got %q, %v", f, err)
	}
}

func TestWaitFileHonoursContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := waitFile(ctx, []string{"/nonexistent/*.log"}, none, time.Now(), nil, time.Minute); err == nil || time.Since(start) > time.Second {
		t.Fatalf("err=%v after %s", err, time.Since(start))
	}
}

func TestWrittenToReadsOnlyNewLogLines(t *testing.T) {
	log := filepath.Join(t.TempDir(), "cd.log")
	before := `time="2026-11-24T22:11:28Z" level=info msg="goroutine stack dump written to /tmp/containerd.1.stacks.log"` + "\n"
	os.WriteFile(log, []byte(before), 0o600)
	offset := fileSize(log)
	if got := writtenTo(log, offset); got != "" {
		t.Fatalf("old line matched: %q", got)
	}
	f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`time="2026-11-24T23:06:53Z" level=info msg="=== BEGIN goroutine stack dump ===\ngoroutine 16 [running]:\n=== END goroutine stack dump ==="` + "\n")
	f.WriteString(`time="2026-11-24T23:06:53Z" level=info msg="goroutine stack dump written to /tmp/containerd.1351.stacks.log"` + "\n")
	f.WriteString(`time="2026-11-24T23:06:54Z" level=info msg="goroutine stacks written to /var/run/docker/goroutine-stacks-2026-11-24T230654Z.log"` + "\n")
	f.Close()
	if got := writtenTo(log, offset); got != "/var/run/docker/goroutine-stacks-2026-11-24T230654Z.log" {
		t.Fatalf("got %q", got)
	}
	if writtenTo("", 0) != "" || writtenTo(log+".missing", 0) != "" {
		t.Fatal("no log should name nothing")
	}
}

func TestDumpCandidates(t *testing.T) {
	proc := t.TempDir()
	os.MkdirAll(filepath.Join(proc, "10"), 0o755)
	os.WriteFile(filepath.Join(proc, "10", "environ"), []byte("PATH=/bin\x00TMPDIR=/var/tmp/cd\x00"), 0o600)
	got := dumpCandidates(proc, procscan.Process{PID: 10, Role: procscan.RoleContainerd})
	if strings.Join(got, " ") != "/var/tmp/cd/containerd.10.stacks.log" {
		t.Errorf("containerd with TMPDIR: %v", got)
	}
	got = dumpCandidates(proc, procscan.Process{PID: 11, Role: procscan.RoleContainerd})
	if strings.Join(got, " ") != "/tmp/containerd.11.stacks.log" {
		t.Errorf("containerd: %v", got)
	}
	got = dumpCandidates(proc, procscan.Process{PID: 12, Role: procscan.RoleDockerd, Args: []string{"dockerd", "--exec-root=/run/d", "--data-root", "/data/d"}})
	if strings.Join(got, " ") != "/run/d/goroutine-stacks-*.log /data/d/goroutine-stacks-*.log" {
		t.Errorf("dockerd: %v", got)
	}
}

func TestStderrFileOnlyRegularFiles(t *testing.T) {
	proc := t.TempDir()
	log := filepath.Join(t.TempDir(), "d.log")
	os.WriteFile(log, nil, 0o600)
	os.MkdirAll(filepath.Join(proc, "5", "fd"), 0o755)
	os.Symlink(log, filepath.Join(proc, "5", "fd", "2"))
	os.MkdirAll(filepath.Join(proc, "6", "fd"), 0o755)
	os.Symlink("socket:[1234]", filepath.Join(proc, "6", "fd", "2"))
	if got := stderrFile(proc, 5); got != log {
		t.Errorf("regular file: %q", got)
	}
	if got := stderrFile(proc, 6); got != "" {
		t.Errorf("journald socket taken for a file: %q", got)
	}
}
