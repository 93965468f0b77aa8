// Package shapetest checks that a function's cost grows linearly with its
// input: tests of the shapes that were super-linear (internal/hostile,
// analyze/clitools) compare the CPU time of size n and 2n.
package shapetest

import (
	"syscall"
	"testing"
	"time"
)

// MaxRatio is what twice the input may cost: linear work is about 2x, the
// quadratic code these tests catch was 4x and more.
const MaxRatio = 3.0

// cpu is the process's user+system time.
func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Linear runs small and large (the same work at n and 2n) three times
// each, interleaved, and fails t when the best large run cost more than
// MaxRatio times the best small one. CPU time, not wall: the machine is
// shared, and interleaving lets a busy spell stretch both sizes alike.
func Linear(t testing.TB, what string, small, large func()) {
	t.Helper()
	best := func(f func(), b *time.Duration) {
		start := cpu()
		f()
		*b = min(*b, cpu()-start)
	}
	bs, bl := time.Duration(1<<62), time.Duration(1<<62)
	for range 3 {
		best(small, &bs)
		best(large, &bl)
	}
	ratio := float64(bl) / float64(max(bs, time.Microsecond))
	t.Logf("%s: n %v, 2n %v of CPU: %.2fx", what, bs, bl, ratio)
	if ratio > MaxRatio {
		t.Errorf("%s: twice the input cost %.2fx the CPU (%v -> %v): super-linear", what, ratio, bs, bl)
	}
}
