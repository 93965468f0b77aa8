// Package fanout runs the items of a list side by side on the cores there
// are: each call writes its own index's result, so the caller's order is
// kept whatever order the items finish in.
package fanout

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// MaxWorkers bounds the goroutines of one Each: the collector's first reads
// and the analyzer's rules gain nothing past the cores of the machines they
// run on, and a node's runtime is not asked by these.
const MaxWorkers = 4

// Each calls f(i) for every i in [0, n), by up to min(GOMAXPROCS,
// MaxWorkers, n) goroutines, each taking the next index; it returns when
// every call has. per is called once in each goroutine, before its first
// call, and returns that goroutine's f (so each can keep a buffer of its
// own).
func Each(n int, per func() func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), MaxWorkers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := per()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}
