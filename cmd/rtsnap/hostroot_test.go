package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// hostRootNS is the containerd namespace the test container lives in: no
// CRI pod or lab workload uses it, and the test removes what it made there.
const hostRootNS = "rtsnap-hostroot-test"

// TestHostRootFromAContainer runs the static collector (CGO_ENABLED=0) in a
// privileged container on a lab containerd, with the host's / bind-mounted
// (rbind, read-only) at /host and nothing else in its root (no shell, no
// libc, no journalctl: what the image has), and compares its bundle with one
// collected on the host with the same flags.
func TestHostRootFromAContainer(t *testing.T) {
	le := lab.Require(t)
	ctr, sock := le["RTSNAP_LAB_CD2_CTR"], le["RTSNAP_LAB_CD2_SOCK"]
	rootfs := tmpfsDir(t) // the container's whole root: the binary and empty mount points
	bin := filepath.Join(rootfs, "rtsnap")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("static build: %v\n%s", err, out)
	}
	for _, d := range []string{"host", "out", "proc", "dev", "sys", "tmp"} {
		if err := os.Mkdir(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	inOut, hostOut := tmpfsDir(t), tmpfsDir(t)
	flags := []string{"collect", "--quiet", "--retain", "0", "--since", "720h",
		"--runtime-endpoint", "unix://" + le["RTSNAP_LAB_CD16_SOCK"],
		"--runtime-endpoint", "unix://" + le["RTSNAP_LAB_CD17_SOCK"],
		"--runtime-endpoint", "unix://" + le["RTSNAP_LAB_CD2_SOCK"],
		"--docker-socket", le["RTSNAP_LAB_DOCKER_SOCK"],
		"--journal-dir", le["RTSNAP_LAB_JOURNAL_DIR"],
		// Every lab namespace but the test container's own, which only the
		// run inside it would see.
		"--namespace", "k8s.io,rtsnap-native,moby,default"}

	name := fmt.Sprintf("hostroot-%d", time.Now().UnixNano())
	ctrCmd := func(ctx context.Context, args ...string) *exec.Cmd {
		return exec.CommandContext(ctx, ctr, append([]string{"-a", sock, "-n", hostRootNS}, args...)...)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ctrCmd(ctx, "tasks", "kill", "-s", "SIGKILL", name).Run()
		ctrCmd(ctx, "containers", "rm", name).Run()
		ctrCmd(ctx, "namespaces", "rm", hostRootNS).Run()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run := ctrCmd(ctx, append([]string{"run", "--rm", "--privileged", "--net-host",
		"--mount", "type=bind,src=/,dst=/host,options=rbind:ro",
		"--mount", "type=bind,src=" + inOut + ",dst=/out,options=rbind:rw",
		"--rootfs", rootfs, name, "/rtsnap"}, append(flags, "--host-root", "/host", "--output", "/out")...)...)
	var stderr bytes.Buffer
	run.Stderr = &stderr
	if err := run.Run(); err != nil {
		t.Fatalf("collector in the container: %v\n%s", err, stderr.String())
	}
	host := exec.CommandContext(ctx, bin, append(flags, "--output", hostOut)...)
	if out, err := host.CombinedOutput(); err != nil {
		t.Fatalf("collector on the host: %v\n%s", err, out)
	}
	in, on := openOnly(t, inOut), openOnly(t, hostOut)

	// The same files, the same source verdicts.
	if only := setDiff(in.Paths(), on.Paths()); only != "" {
		t.Errorf("only in the container's bundle: %s", only)
	}
	if only := setDiff(on.Paths(), in.Paths()); only != "" {
		t.Errorf("only in the host's bundle: %s", only)
	}
	if a, b := statuses(in), statuses(on); a != b {
		t.Errorf("source statuses differ:\ncontainer: %s\nhost:      %s", a, b)
	}
	// The same identity: boot id, machine id (hashed), kernel, cgroup mode.
	mi, mh := in.Manifest.Host, on.Manifest.Host
	if mi.BootID != mh.BootID || mi.MachineIDSHA256 != mh.MachineIDSHA256 || mi.Kernel != mh.Kernel || mi.CgroupMode != mh.CgroupMode || mi.MachineIDSHA256 == "" {
		t.Errorf("host identity differs: container %+v, host %+v", mi, mh)
	}
	// Contents that do not change between two runs a second apart: the
	// journal streams (the lab journal is written once, at lab start; the
	// daemon log files it tails grow), the configs and the runc states.
	for _, p := range on.Paths() {
		journal := strings.HasPrefix(p, "journal/") && strings.HasSuffix(p, ".jsonl")
		if !journal && !strings.HasPrefix(p, "configs/") {
			continue
		}
		a, _ := in.File(p)
		b, _ := on.File(p)
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs (%d bytes in the container, %d on the host)", p, len(a), len(b))
		}
	}
	var meta struct{ Method string }
	raw, _ := in.File("journal/meta.json")
	if json.Unmarshal(raw, &meta); meta.Method != "native" {
		t.Errorf("journal read by %q in the container, want the pure-Go reader", meta.Method)
	}
	if a, b := runcIDs(t, in), runcIDs(t, on); a != b || a == "" {
		t.Errorf("runc states differ:\ncontainer: %s\nhost:      %s", a, b)
	}
}

func openOnly(t *testing.T, dir string) *bundle.Bundle {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.tar.zst"))
	if len(m) != 1 {
		t.Fatalf("%s: %d archives", dir, len(m))
	}
	b, err := bundle.OpenFile(m[0], bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// setDiff lists what a has and b lacks.
func setDiff(a, b []string) string {
	have := map[string]bool{}
	for _, p := range b {
		have[p] = true
	}
	var out []string
	for _, p := range a {
		if !have[p] {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

func statuses(b *bundle.Bundle) string {
	var s []string
	for _, st := range b.Manifest.Sources {
		s = append(s, st.Name+"="+st.Status)
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

func runcIDs(t *testing.T, b *bundle.Bundle) string {
	t.Helper()
	raw, _ := b.File("runc/states.json")
	var st struct {
		States []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"states"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range st.States {
		ids = append(ids, s.ID+":"+s.Status)
	}
	sort.Strings(ids)
	return strings.Join(ids, " ")
}
