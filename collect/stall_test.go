package collect

import (
	"testing"
	"time"
)

// The stall clock itself is measured with the real binary in a cgroup held
// to a sliver of a CPU (cmd/rtsnap TestStarvedCollectorStillWritesItsBundle):
// Go's own scheduler is no stand-in, since a goroutine woken by its timer
// runs next on its P (eight spinners on one P cost it 67 of 667 ms here).
func TestStallClockOutsideARun(t *testing.T) {
	var env Env
	if env.Stalled() != 0 {
		t.Error("an Env outside a run must read zero stall")
	}
	c := startStallClock()
	c.close()
	c.close() // twice is fine: Run closes it on every return path
	if r := c.report(); r.TickMS != stallTick.Milliseconds() || r.RunMS < 0 || r.StalledMS < 0 {
		t.Errorf("report %+v", r)
	}
}

// A stall still in progress counts: when a starved process runs again, the
// goroutine that runs first (a probe whose call timed out) sees the stall
// before the clock's own goroutine has woken to add it. After close nothing
// is in progress.
func TestStallInProgressCounts(t *testing.T) {
	start := time.Now().Add(-time.Second)
	c := &stallClock{start: start, last: start} // its goroutine has not woken for a second
	if got := c.stalled(); got < 900*time.Millisecond || got > 2*time.Second {
		t.Fatalf("a clock a second late reads %s stalled, want about %s", got, time.Second-stallTick)
	}
	c.lost = 50 * time.Millisecond
	c.last = time.Now()
	if got := c.stalled(); got != 50*time.Millisecond {
		t.Fatalf("a clock that just woke reads %s, want the 50ms it added", got)
	}
	c.last, c.stopped = start, true
	if got := c.stalled(); got != 50*time.Millisecond {
		t.Fatalf("a stopped clock reads %s, want the 50ms it added", got)
	}
}
