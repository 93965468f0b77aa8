package collect

import "testing"

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
