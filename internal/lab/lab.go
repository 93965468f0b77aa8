// Package lab is the Go test helper around lab/lab.sh, the real runtime lab
// (containerd 1.6, 1.7, 2.x, dockerd, a journal directory) integration tests use.
package lab

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Env is the lab's coordinates, as `lab.sh env` prints them.
type Env map[string]string

// script is lab/lab.sh, found relative to this file so tests in any package work.
func script() string {
	_, file, _, _ := callerFile()
	return filepath.Join(filepath.Dir(file), "..", "..", "lab", "lab.sh")
}

// callerFile is this package's source location.
func callerFile() (uintptr, string, int, bool) { return runtime.Caller(0) }

// statusTimeout bounds `lab.sh status` and `lab.sh env`: a probe per daemon
// and one kubectl call, and a few hundred forks of the shell. 30 s was cut in
// CI while the hostile suites' gigabyte bundles loaded the disk and the API
// server answered slowly, and env (0.2 s on a quiet machine) was cut at 10 s
// at a load of 80: a cut status reads as "the lab is not up".
const statusTimeout = 2 * time.Minute

// Require returns the lab's coordinates or stops the test. Under -short it skips;
// with the lab down it fails under CI=true (CI must never skip silently) and
// skips elsewhere, saying how to start it.
func Require(t testing.TB) Env {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs the runtime lab (run without -short, as root, after `make lab-up`)")
	}
	// The shared lock first: a test in another package may have a fault
	// staged (cd17 stopped), and status would then report the lab down.
	// Without root there is no lab to share (and the lock is root's).
	if os.Geteuid() == 0 {
		lockShared(t)
	}
	if out, err := run(statusTimeout, "status"); err != nil {
		msg := "runtime lab is not up (`make lab-up` as root starts it): " + strings.TrimSpace(out)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	out, err := run(statusTimeout, "env")
	if err != nil {
		t.Fatalf("lab.sh env: %v: %s", err, out)
	}
	env := Env{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			env[k] = v
		}
	}
	return env
}

// Fault stages a fault scenario and restores the lab when the test ends.
// It returns what the staging printed (e.g. the victim's ids).
func Fault(t testing.TB, name string) string {
	t.Helper()
	lockExclusive(t)
	out, err := run(2*time.Minute, "fault", name, "on")
	t.Cleanup(func() {
		if out, err := run(2*time.Minute, "fault", name, "off"); err != nil {
			t.Errorf("restoring fault %s: %v: %s", name, err, out)
		}
	})
	if err != nil {
		t.Fatalf("staging fault %s: %v: %s", name, err, out)
	}
	return out
}

func run(timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", append([]string{script()}, args...)...)
	cmd.Stdout, cmd.Stderr = &buf, &buf
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return buf.String(), err
}
