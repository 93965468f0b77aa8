package hostroot

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHostItselfIsIdentity(t *testing.T) {
	for _, d := range []string{"", "/", "//"} {
		r, err := New(d)
		if err != nil || !r.IsHost() || r.Path("/run/x.sock") != "/run/x.sock" || r.Dir() != "/" {
			t.Fatalf("New(%q) = %+v, %v", d, r, err)
		}
	}
}

func TestBadRoots(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	for _, d := range []string{"host", f, "/does/not/exist"} {
		if _, err := New(d); err == nil {
			t.Errorf("New(%q) accepted", d)
		}
	}
}

// The host's /var/run is a symlink to /run (absolute): followed inside the
// root it reaches the host's /run, never the container's.
func TestAbsoluteSymlinkStaysInsideRoot(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "run", "containerd"), 0o755)
	os.MkdirAll(filepath.Join(dir, "var"), 0o755)
	if err := os.Symlink("/run", filepath.Join(dir, "var", "run")); err != nil {
		t.Fatal(err)
	}
	// A hostile link pointing far up stays inside the root too.
	if err := os.Symlink("../../../../../../etc", filepath.Join(dir, "up")); err != nil {
		t.Fatal(err)
	}
	r, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Path("/var/run/containerd/containerd.sock"), filepath.Join(dir, "run/containerd/containerd.sock"); got != want {
		t.Fatalf("Path = %s, want %s", got, want)
	}
	if got, want := r.Path("/up/passwd"), filepath.Join(dir, "etc/passwd"); got != want {
		t.Fatalf("escaping link: Path = %s, want %s", got, want)
	}
	if got := r.Host(filepath.Join(dir, "run/containerd")); got != "/run/containerd" {
		t.Fatalf("Host = %s", got)
	}
	if got := r.Host(dir + "x/y"); got != dir+"x/y" {
		t.Fatalf("Host of a sibling = %s", got)
	}
}
