// Package shapetest checks that a function's cost grows linearly with its
// input: tests of the shapes that were super-linear (internal/hostile,
// analyze/clitools, redact) compare the CPU time of the same work at two
// sizes.
package shapetest

import (
	"runtime"
	"syscall"
	"testing"
	"time"
)

// MaxRatio is what twice the input may cost: linear work is about 2x, the
// quadratic code these tests catch was 4x and more.
const MaxRatio = 3.0

// runs is how many times Best runs each size.
const runs = 3

// CPU is the process's user+system time.
func CPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Best runs small and large three times each, interleaved, and returns the
// CPU time of the cheapest run of each. CPU time, not wall: the machine is
// shared. Interleaved, so that a busy spell stretches both sizes alike (run
// one size three times and then the other, and a spell of load on one of
// them read as a super-linear shape in CI). Each run starts after a
// collection, so that marking the garbage of what ran before is not
// charged to it.
func Best(small, large func()) (bs, bl time.Duration) {
	best := func(f func(), b *time.Duration) {
		runtime.GC()
		start := CPU()
		f()
		*b = min(*b, CPU()-start)
	}
	bs, bl = time.Duration(1<<62), time.Duration(1<<62)
	for range runs {
		best(small, &bs)
		best(large, &bl)
	}
	return bs, bl
}

// Linear fails t when the best run of large (the same work as small at
// twice its size) cost more than MaxRatio times the best of small.
func Linear(t testing.TB, what string, small, large func()) {
	t.Helper()
	bs, bl := Best(small, large)
	ratio := float64(bl) / float64(max(bs, time.Microsecond))
	t.Logf("%s: n %v, 2n %v of CPU: %.2fx", what, bs, bl, ratio)
	if ratio > MaxRatio {
		t.Errorf("%s: twice the input cost %.2fx the CPU (%v -> %v): super-linear", what, ratio, bs, bl)
	}
}
