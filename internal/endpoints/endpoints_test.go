package endpoints

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A network endpoint is kept as given (the issue: tcp://1.2.3.4:1 printed
// as tcp:/1.2.3.4:1); unix ones are cleaned as paths.
func TestParseKeepsNetworkEndpointsAsGiven(t *testing.T) {
	for _, c := range []struct {
		in, path, target string
		unix             bool
	}{
		{"tcp://1.2.3.4:1", "tcp://1.2.3.4:1", "passthrough:///1.2.3.4:1", false},
		{"tcp://[::1]:10010", "tcp://[::1]:10010", "passthrough:///[::1]:10010", false},
		{"unix:///run/containerd//containerd.sock", "/run/containerd/containerd.sock", "unix:///run/containerd/containerd.sock", true},
		{"/run/crio/crio.sock", "/run/crio/crio.sock", "unix:///run/crio/crio.sock", true},
	} {
		e := Parse(c.in)
		if e.Path != c.path || e.Target() != c.target || e.Unix() != c.unix {
			t.Errorf("Parse(%q) = path %q target %q unix %v; want %q %q %v", c.in, e.Path, e.Target(), e.Unix(), c.path, c.target, c.unix)
		}
	}
}

// Without a check before the dial, a missing socket reads as a timeout:
// containerd's dialer retries until its deadline ("ctr: failed to dial
// \"/run/containerd/containerd.sock\": context deadline exceeded",
// https://github.com/containerd/containerd/issues/7975), and a regular file
// reads as "connection refused".
func TestCheckSaysWhyAnEndpointCannotAnswer(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "containerd.sock")
	os.WriteFile(file, []byte("not a socket"), 0o600)
	sock := filepath.Join(dir, "real.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, c := range []struct {
		path, want string
		is         error
	}{
		{filepath.Join(dir, "missing.sock"), "does not exist", fs.ErrNotExist},
		{file, "is a regular file, not a socket", ErrNotSocket},
		{dir, "is a directory, not a socket", ErrNotSocket},
	} {
		err := Check(Parse(c.path))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) || !errors.Is(err, c.is) {
			t.Errorf("Check(%s) = %v; want %q", c.path, err, c.want)
		}
	}
	// The quiet side: a listening socket and a network endpoint pass.
	if err := Check(Parse(sock)); err != nil {
		t.Errorf("listening socket: %v", err)
	}
	if err := Check(Parse("tcp://127.0.0.1:1")); err != nil {
		t.Errorf("tcp endpoint: %v", err)
	}
}
