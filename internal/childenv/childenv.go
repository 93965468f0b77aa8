// Package childenv is the environment of the collector's helper children:
// `--version` of each runtime binary, `containerd config dump`, journalctl.
//
// Almost every one of them is a Go program (containerd, dockerd, kubelet,
// crio, runc, the shims) run for a few milliseconds, and most of what such
// a run costs is the Go runtime's start: a P, a GC worker and an OS thread
// per CPU, and collections while the packages initialise. On the lab's
// node (8 config dumps, 13 binaries) that start-up was a third of a
// collection's CPU, taken from the node the collection must not disturb.
// One P and no collection below a memory limit cut kubelet's --version
// from 30 to 18 ms of CPU and a config dump from 18 to 14 (docs/benchmarks.md);
// what the children print does not depend on either. Programs that are not
// Go ignore the variables.
package childenv

import "strings"

const (
	// maxProcs: a child that prints a version or a config needs no parallelism.
	maxProcs = "1"
	// memLimit is where a child's garbage collector starts after all (GOGC
	// is off below it): far above what printing a version takes, and a
	// bound on what a misbehaving child holds before it is collected, not
	// only killed at its deadline.
	memLimit = "256MiB"
)

// tuned are the variables Short sets; any value the collector itself was
// started with is replaced, not added to.
var tuned = [...]string{"GOMAXPROCS", "GOGC", "GOMEMLIMIT"}

// Short returns base (an os.Environ()-style list) for a short-lived child:
// base without its own Go runtime settings, then one P and GOGC=off under
// memLimit. base is not modified.
func Short(base []string) []string {
	out := make([]string, 0, len(base)+len(tuned))
	for _, kv := range base {
		if !isTuned(kv) {
			out = append(out, kv)
		}
	}
	return append(out, "GOMAXPROCS="+maxProcs, "GOGC=off", "GOMEMLIMIT="+memLimit)
}

func isTuned(kv string) bool {
	k, _, _ := strings.Cut(kv, "=")
	for _, t := range tuned {
		if k == t {
			return true
		}
	}
	return false
}
