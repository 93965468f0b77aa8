package host

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
)

// A binary on the node that answers --version with far more than a version
// (a wrapper script gone wrong, a hostile binary) is cut as it writes: the
// collector keeps maxVersionOutput bytes and does not buffer the rest.
func TestVersionOutputIsBoundedAsItIsWritten(t *testing.T) {
	const flood = 64 << 20
	bin := filepath.Join(t.TempDir(), "dockerd")
	script := "#!/bin/sh\necho 'Docker version 0.0.0-test'\nhead -c " + strconv.Itoa(flood) + " /dev/zero | tr '\\0' x\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	v := version(context.Background(), collect.NewTestEnv(), bin, "dockerd")
	runtime.ReadMemStats(&after)
	if v.Error != "" {
		t.Fatalf("version: %s", v.Error)
	}
	if len(v.Output) > maxVersionOutput || !strings.HasPrefix(v.Output, "Docker version 0.0.0-test") {
		t.Fatalf("kept %d bytes starting %.40q: want at most %d, the version line first", len(v.Output), v.Output, maxVersionOutput)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > flood/4 {
		t.Fatalf("reading a %d MiB --version allocated %d MiB: the output was buffered, not cut", flood>>20, grew>>20)
	}
}

// A --version child starts with one P and no collection below a memory
// limit (internal/childenv): most of what such a run costs is the Go
// runtime's start, on the node being collected. The script prints what a
// Go binary's runtime would read.
func TestVersionChildStartsSmall(t *testing.T) {
	t.Setenv("GOMAXPROCS", "64")
	bin := filepath.Join(t.TempDir(), "kubelet")
	script := "#!/bin/sh\necho \"Kubernetes v0.0.0 $GOMAXPROCS $GOGC\"\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	v := version(context.Background(), collect.NewTestEnv(), bin, "kubelet")
	if v.Error != "" || v.Output != "Kubernetes v0.0.0 1 off" {
		t.Fatalf("version printed %q (error %q), want the child to see GOMAXPROCS=1 GOGC=off", v.Output, v.Error)
	}
}
