package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Without the daemon's pid file there is no runtime to measure: an error,
// never a figure of zero.
func TestFindRuntimeWithoutItsDaemon(t *testing.T) {
	if _, err := findRuntime(filepath.Join(t.TempDir(), "containerd.sock")); err == nil {
		t.Fatal("a runtime found without a daemon")
	}
}

// On the scale lab (bench/scale2.sh up), the daemon and its shims are found
// and their CPU only grows.
func TestFindRuntimeOnTheScaleLab(t *testing.T) {
	sock := "/run/rtsnap-lab/scale2/containerd.sock"
	if _, err := os.Stat(sock); err != nil {
		t.Skip("scale lab not up")
	}
	rp, err := findRuntime(sock)
	if err != nil {
		t.Fatal(err)
	}
	a := rp.cpu()
	idle := rp.idle(200 * time.Millisecond)
	if a <= 0 || rp.cpu() < a || idle.CPU < 0 || idle.Processes != len(rp.pids) {
		t.Fatalf("cpu %s then %s, idle %+v", a, rp.cpu(), idle)
	}
	t.Logf("%d processes, %s so far", len(rp.pids), a)
}
