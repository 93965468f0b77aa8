package collect

import (
	"sync"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
)

// stallTick is how often the stall clock asks to wake. Each wake-up costs a
// microsecond or two; at 50 a second that is nothing beside a collection.
const stallTick = 20 * time.Millisecond

// stallClock measures how long this process was kept from running: a
// goroutine asks to wake every stallTick and adds up how late it woke. On a
// node whose CPUs are saturated the collector waits in the run queue like
// everyone else, and a call that timed out meanwhile says nothing about the
// daemon it called: discovery records the stall beside each probe (RT0101
// reads it) and the manifest the run's total.
type stallClock struct {
	start time.Time
	// mu guards lost, worst and last: a reader adds the stall in progress
	// (since last) to lost, and the two must be of the same wake.
	mu sync.Mutex
	// lost is the lateness of every wake so far; worst the largest one.
	lost, worst time.Duration
	// last is when the clock's goroutine last woke; stopped, that it no
	// longer wakes (after close nothing is in progress).
	last    time.Time
	stopped bool
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

func startStallClock() *stallClock {
	now := time.Now()
	c := &stallClock{start: now, last: now, stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *stallClock) run() {
	defer close(c.done)
	t := time.NewTimer(stallTick)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			c.mu.Lock()
			c.stopped = true
			c.mu.Unlock()
			return
		case <-t.C:
			// Not the time the timer fired: the lateness that counts is when
			// this goroutine got to run.
			woke := time.Now()
			c.mu.Lock()
			if late := woke.Sub(c.last) - stallTick; late > 0 {
				c.lost += late
				c.worst = max(c.worst, late)
			}
			c.last = woke
			c.mu.Unlock()
			t.Reset(stallTick)
		}
	}
}

// stalled is how long the process was kept from running since the clock
// started, the stall in progress included: when a starved process runs
// again, whichever goroutine runs first must see the stall it was in. A
// probe whose call timed out inside a 2 s throttle read no stall when it
// ran before the clock's goroutine did (CI of 2026-12-04,
// TestStarvedCollectorStillWritesItsBundle).
func (c *stallClock) stalled() time.Duration {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stalledLocked()
}

func (c *stallClock) stalledLocked() time.Duration {
	if pending := time.Since(c.last) - stallTick; pending > 0 && !c.stopped {
		return c.lost + pending
	}
	return c.lost
}

// close stops the clock; it may be called more than once.
func (c *stallClock) close() {
	c.once.Do(func() { close(c.stop); <-c.done })
}

// report is the clock so far, for the manifest.
func (c *stallClock) report() *bundle.StallInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return &bundle.StallInfo{TickMS: stallTick.Milliseconds(), RunMS: time.Since(c.start).Milliseconds(),
		StalledMS: c.stalledLocked().Milliseconds(), LongestMS: c.worst.Milliseconds()}
}
