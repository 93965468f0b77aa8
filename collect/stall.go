package collect

import (
	"sync"
	"sync/atomic"
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
	start   time.Time
	lostNS  atomic.Int64
	worstNS atomic.Int64
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

func startStallClock() *stallClock {
	c := &stallClock{start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

func (c *stallClock) run() {
	defer close(c.done)
	t := time.NewTimer(stallTick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			// Not the time the timer fired: the lateness that counts is when
			// this goroutine got to run.
			woke := time.Now()
			if late := woke.Sub(last) - stallTick; late > 0 {
				c.lostNS.Add(int64(late))
				if int64(late) > c.worstNS.Load() {
					c.worstNS.Store(int64(late))
				}
			}
			last = woke
			t.Reset(stallTick)
		}
	}
}

// lost is how long the process was kept from running since the clock started.
func (c *stallClock) lost() time.Duration {
	if c == nil {
		return 0
	}
	return time.Duration(c.lostNS.Load())
}

// close stops the clock; it may be called more than once.
func (c *stallClock) close() {
	c.once.Do(func() { close(c.stop); <-c.done })
}

// report is the clock so far, for the manifest.
func (c *stallClock) report() *bundle.StallInfo {
	return &bundle.StallInfo{TickMS: stallTick.Milliseconds(), RunMS: time.Since(c.start).Milliseconds(),
		StalledMS: c.lost().Milliseconds(), LongestMS: time.Duration(c.worstNS.Load()).Milliseconds()}
}
