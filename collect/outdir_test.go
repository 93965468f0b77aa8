package collect

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The issue: --output /nonexistent/dir said "not a tmpfs". The real cause
// comes first, whatever filesystem the nearest existing parent is on.
func TestPrepareOutputDirNamesTheRealCause(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o600)
	for _, c := range []struct {
		dir, want string
	}{
		{"/nonexistent/dir", "--output /nonexistent/dir: directory /nonexistent does not exist"},
		{"/dev/shm/rtsnap-test-nonexistent/a/b", "directory /dev/shm/rtsnap-test-nonexistent/a does not exist"},
		{file, "--output " + file + " is not a directory (a regular file)"},
		{filepath.Join(file, "sub"), file + " is not a directory (a regular file)"},
	} {
		_, err := PrepareOutputDir(c.dir, false)
		if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrNotTmpfs) {
			t.Errorf("PrepareOutputDir(%s) = %v; want %q", c.dir, err, c.want)
		}
	}
	if _, err := os.Stat("/dev/shm/rtsnap-test-nonexistent"); err == nil {
		t.Error("a tree was created for a mistyped --output")
	}
}

// The quiet side: an existing tmpfs dir, or a new dir directly in one, is
// accepted (and created), leaving no probe file behind.
func TestPrepareOutputDirAcceptsATmpfsDir(t *testing.T) {
	base, err := os.MkdirTemp("/dev/shm", "rtsnap-outdir-test-")
	if err != nil {
		t.Skip("no /dev/shm here")
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	for _, dir := range []string{base, filepath.Join(base, "case42")} {
		got, err := PrepareOutputDir(dir, false)
		if err != nil || got != dir {
			t.Fatalf("PrepareOutputDir(%s) = %s, %v", dir, got, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 1 {
			t.Fatalf("left %v", entries)
		}
	}
}

// Without root, an output dir the user cannot write to is found before
// collecting, and the message says root is missing. Runs the test binary
// as nobody (a real non-root process).
func TestPrepareOutputDirAsNonRoot(t *testing.T) {
	if os.Getenv(helperEnv) == "outdir" {
		_, err := PrepareOutputDir(os.Getenv("RTSNAP_TEST_DIR"), false)
		if err != nil {
			os.Stdout.WriteString("ERR " + err.Error() + "\n")
		} else {
			os.Stdout.WriteString("OK\n")
		}
		os.Exit(0)
	}
	if os.Geteuid() != 0 || testing.Short() {
		t.Skip("needs root to start a process as nobody")
	}
	dir, err := os.MkdirTemp("/dev/shm", "rtsnap-rootonly-")
	if err != nil {
		t.Skip("no /dev/shm")
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o700) // root's, like /run/rtsnap
	// The test binary must be readable by nobody.
	bin := filepath.Join(t.TempDir(), "collect.test")
	if data, err := os.ReadFile(os.Args[0]); err != nil || os.WriteFile(bin, data, 0o755) != nil {
		t.Skip("cannot copy the test binary")
	}
	os.Chmod(filepath.Dir(bin), 0o755)
	os.Chmod(filepath.Dir(filepath.Dir(bin)), 0o755)
	cmd := exec.Command(bin, "-test.run=^TestPrepareOutputDirAsNonRoot$")
	cmd.Env = append(os.Environ(), helperEnv+"=outdir", "RTSNAP_TEST_DIR="+filepath.Join(dir, "case"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("cannot run as nobody here: %v %s", err, out)
	}
	if got := string(out); !strings.Contains(got, "ERR") || !strings.Contains(got, "permission denied") || !strings.Contains(got, "run as root") {
		t.Fatalf("as nobody: %s", got)
	}
}

func TestPrivilegeWarning(t *testing.T) {
	noop := func(context.Context, *Env, Output) error { return nil }
	srcs := []Source{fakeSource{name: "host", collect: noop}, fakeSource{name: "cri", collect: noop}, fakeSource{name: "logs", collect: noop}}
	w := PrivilegeWarning(1000, srcs)
	for _, want := range []string{"not running as root (euid 1000)", "cri ", "logs ", "/var/log/pods", "run it as root"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning lacks %q:\n%s", want, w)
		}
	}
	if strings.Contains(w, "host ") {
		t.Errorf("host reads what any user can, yet is listed:\n%s", w)
	}
	// Quiet as root, and when nothing selected needs root.
	if w := PrivilegeWarning(0, srcs); w != "" {
		t.Errorf("as root: %q", w)
	}
	if w := PrivilegeWarning(1000, srcs[:1]); w != "" {
		t.Errorf("host only: %q", w)
	}
}

// Named endpoints are checked before collecting; the quiet side: a real
// socket, a tcp endpoint and no --docker-socket give nothing.
func TestEndpointProblems(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.sock")
	os.WriteFile(file, nil, 0o600)
	sock := filepath.Join(dir, "real.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	env := &Env{RuntimeEndpoints: []string{"unix://" + sock, "tcp://127.0.0.1:1", filepath.Join(dir, "typo.sock")}, DockerHosts: []string{file}}
	got := strings.Join(EndpointProblems(env), "\n")
	want := "--runtime-endpoint " + filepath.Join(dir, "typo.sock") + ": " + filepath.Join(dir, "typo.sock") + " does not exist\n" +
		"--docker-socket " + file + ": " + file + " is a regular file, not a socket"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if p := EndpointProblems(&Env{RuntimeEndpoints: []string{sock}}); len(p) != 0 {
		t.Fatalf("quiet side: %v", p)
	}
}
