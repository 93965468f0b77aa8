package journal

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/hostroot"
)

// Under --host-root the system journal is the host's: its files are found
// under DIR/var/log/journal/<machine-id>/ and read by the pure-Go reader.
func TestSystemJournalUnderHostRoot(t *testing.T) {
	bin, err := exec.LookPath("/lib/systemd/systemd-journal-remote")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	root := t.TempDir()
	dir := filepath.Join(root, "var/log/journal/0123456789abcdef0123456789abcdef")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	// A real kubelet line: https://github.com/kubernetes/kubernetes/issues/106957
	export := "__REALTIME_TIMESTAMP=" + itoa(uint64(now.Add(-time.Minute).UnixMicro())) + "\n__MONOTONIC_TIMESTAMP=1\n_BOOT_ID=0123456789abcdef0123456789abcdef\n" +
		"_SYSTEMD_UNIT=kubelet.service\nMESSAGE=\"Failed to run kubelet\" err=\"failed to run Kubelet: misconfiguration: kubelet cgroup driver: \\\"systemd\\\" is different from docker cgroup driver: \\\"cgroupfs\\\"\"\n\n"
	cmd := exec.Command(bin, "--output="+filepath.Join(dir, "system.journal"), "-")
	cmd.Stdin = strings.NewReader(export)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, msg)
	}
	env := collect.NewTestEnv()
	env.Now, env.Since = now, time.Hour
	env.ProcRoot = t.TempDir()
	if env.Host, err = hostroot.New(root); err != nil {
		t.Fatal(err)
	}
	out := collect.NewCapture()
	if err := (&Source{}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var m Meta
	json.Unmarshal(out.Files["meta.json"], &m)
	if m.Method != "native" || !strings.Contains(string(out.Files["kubelet.jsonl"]), "cgroup driver") {
		t.Fatalf("method %s, kubelet.jsonl %q, errors %v", m.Method, out.Files["kubelet.jsonl"], m.Errors)
	}
	// The host itself has no such entry: the root is what was read.
	env.Host = hostroot.Root{}
	out = collect.NewCapture()
	(&Source{}).Collect(context.Background(), env, out)
	if strings.Contains(string(out.Files["kubelet.jsonl"]), "is different from docker cgroup driver") {
		t.Fatal("host journal has the host-root entry")
	}
}
