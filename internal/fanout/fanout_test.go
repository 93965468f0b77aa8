package fanout

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestEachCallsEveryIndexOnce: every index once, none after Each returns,
// at most MaxWorkers (and GOMAXPROCS) at once, per called once a goroutine.
func TestEachCallsEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 3, 1000} {
		seen := make([]int32, n)
		var running, most, pers atomic.Int32
		var mu sync.Mutex
		Each(n, func() func(int) {
			pers.Add(1)
			return func(i int) {
				r := running.Add(1)
				mu.Lock()
				most.Store(max(most.Load(), r))
				mu.Unlock()
				atomic.AddInt32(&seen[i], 1)
				time.Sleep(10 * time.Microsecond)
				running.Add(-1)
			}
		})
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: index %d called %d times", n, i, c)
			}
		}
		limit := int32(min(runtime.GOMAXPROCS(0), MaxWorkers, n))
		if most.Load() > limit || pers.Load() != limit {
			t.Errorf("n=%d: %d at once, %d goroutines, want at most %d", n, most.Load(), pers.Load(), limit)
		}
	}
}
