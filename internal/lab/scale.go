package lab

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// ScaleBundleDir holds bundles of the 2,000-container node (the scale lab,
// bench/scale2.sh, on top of every lab daemon) for the analyzer's
// benchmarks and tests of a node that size: `make bench`'s scale step
// (bench/benchlab) adds its last bundle here, under its own name, never
// replacing one. It is outside the repository (a bundle is 2.6 MB) and
// outside /dev/shm (it outlives a reboot of the lab).
const ScaleBundleDir = "/var/tmp/rtsnap-2k"

// ScaleBundle returns the newest bundle in ScaleBundleDir (names carry
// the collection time, so the last in name order), or stops tb: without one
// it skips, saying how to make one, except under CI=true, where a
// benchmark that was asked for must not skip silently.
func ScaleBundle(tb testing.TB) string {
	tb.Helper()
	all := ScaleBundles()
	if len(all) == 0 {
		msg := "no 2,000-container bundle in " + ScaleBundleDir + ": `make bench` (its scale step) collects one, or `go run ./bench/benchlab --steps scale --scale-endpoint /run/rtsnap-lab/scale2/containerd.sock`"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return all[len(all)-1]
}

// ScaleBundles lists the bundles in ScaleBundleDir, oldest first: for tests
// that also check them when there are some, and run without.
func ScaleBundles() []string {
	all, _ := filepath.Glob(filepath.Join(ScaleBundleDir, "*.tar.zst"))
	sort.Strings(all)
	return all
}
