package collect

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
)

// Adaptive pressure: the collector watches its own call latency against each
// runtime and keeps fewer calls in flight when the runtime slows down (it is
// busy serving kubelet, or the collector is what slows it), more when it is
// fast again, never above --per-runtime-calls. The rule is additive increase,
// multiplicative decrease on a latency gradient: the median of the last
// window calls against a baseline that follows the fastest the runtime has
// been. A median, not a mean: on a shared node single calls stall for a
// scheduling tick, and one stall must not halve the limit.
const (
	// window is how many recent calls the median is taken over.
	window = 16
	// baseAlpha weights the newest median in the baseline's upward drift.
	baseAlpha = 0.02
	// slowFactor: the limit halves when the median exceeds the baseline by
	// this factor; fastFactor: it grows by one while the median stays
	// within this factor of it.
	slowFactor = 2.0
	fastFactor = 1.3
	// slowFloor: and the median must exceed the baseline by this much to
	// count as slow, and is fast again within a quarter of it. The scale
	// lab (docs/benchmarks.md) answered ContainerStatus in 0.5 to 1.2 ms on
	// a loaded machine: against a 0.5 ms baseline scheduling noise alone
	// is 2x, and the limit changed 50 times in 11 s, falling to 1 at
	// medians as low as 1.1 and 2.0 ms, latencies kubelet cannot notice
	// (its relist takes 3 ms at the median).
	slowFloor = 2 * time.Millisecond
	// maxChanges bounds the changes a manifest records per runtime.
	maxChanges = 50
)

// runtimeLimits hands out per-runtime slots: one gate per socket path.
type runtimeLimits struct {
	perRuntime int
	start      time.Time
	mu         sync.Mutex
	gates      map[string]*gate
}

func newRuntimeLimits(perRuntime int) *runtimeLimits {
	if perRuntime <= 0 {
		perRuntime = DefaultPerRuntimeCalls
	}
	return &runtimeLimits{perRuntime: perRuntime, start: time.Now(), gates: map[string]*gate{}}
}

// acquire waits for a slot against runtime key; the returned func releases it
// and records how long the call took.
func (l *runtimeLimits) acquire(ctx context.Context, key string) (func(time.Duration), error) {
	if l == nil {
		return func(time.Duration) {}, nil
	}
	l.mu.Lock()
	g, ok := l.gates[key]
	if !ok {
		g = &gate{limit: l.perRuntime, max: l.perRuntime, minLimit: l.perRuntime, start: l.start}
		l.gates[key] = g
	}
	l.mu.Unlock()
	if err := g.acquire(ctx); err != nil {
		return nil, err
	}
	return g.release, nil
}

// report is what the gates did, per runtime, sorted by runtime.
func (l *runtimeLimits) report() []bundle.RuntimePressure {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	keys := make([]string, 0, len(l.gates))
	for k := range l.gates {
		keys = append(keys, k)
	}
	l.mu.Unlock()
	sort.Strings(keys)
	out := make([]bundle.RuntimePressure, 0, len(keys))
	for _, k := range keys {
		l.mu.Lock()
		g := l.gates[k]
		l.mu.Unlock()
		out = append(out, g.report(k))
	}
	return out
}

// gate is one runtime's slots with a limit that moves between 1 and max.
type gate struct {
	start time.Time

	mu       sync.Mutex
	limit    int
	max      int
	minLimit int
	inflight int
	waiters  []chan struct{} // FIFO; a closed channel owns a slot

	calls         int
	recent        [window]float64 // seconds, a ring
	short, base   float64         // the median of recent, the baseline
	maxLatency    time.Duration
	sinceChange   int
	changes       []bundle.LimitChange
	changesMissed int
}

func (g *gate) acquire(ctx context.Context) error {
	g.mu.Lock()
	if g.inflight < g.limit && len(g.waiters) == 0 {
		g.inflight++
		g.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	g.waiters = append(g.waiters, ch)
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		for i, w := range g.waiters {
			if w == ch {
				g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
				return ctx.Err()
			}
		}
		// The slot was handed over as ctx ended: pass it on.
		g.inflight--
		g.wakeLocked()
		return ctx.Err()
	}
}

// release frees a slot and feeds the call's latency to the limit.
func (g *gate) release(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inflight--
	g.observeLocked(d)
	g.wakeLocked()
}

func (g *gate) wakeLocked() {
	for g.inflight < g.limit && len(g.waiters) > 0 {
		ch := g.waiters[0]
		g.waiters = g.waiters[1:]
		g.inflight++
		close(ch)
	}
}

func (g *gate) observeLocked(d time.Duration) {
	g.recent[g.calls%window] = d.Seconds()
	g.calls++
	g.maxLatency = max(g.maxLatency, d)
	if g.calls < window {
		return
	}
	sorted := g.recent
	sort.Float64s(sorted[:])
	g.short = sorted[window/2]
	if g.calls == window {
		g.base = g.short
	}
	// The baseline follows the fastest the runtime has been, and drifts up
	// slowly, so a runtime that stays slower for good is the new normal.
	if g.short < g.base {
		g.base = g.short
	} else {
		g.base += baseAlpha * (g.short - g.base)
	}
	g.sinceChange++
	// One move per window: the effect of the last move must show in the
	// median before the next.
	if g.sinceChange < window {
		return
	}
	floor := slowFloor.Seconds()
	switch {
	case g.short > slowFactor*g.base && g.short > g.base+floor && g.limit > 1:
		g.setLocked(max(1, g.limit/2))
	case (g.short <= fastFactor*g.base || g.short <= g.base+floor/4) && g.limit < g.max:
		g.setLocked(g.limit + 1)
	}
}

func (g *gate) setLocked(n int) {
	c := bundle.LimitChange{AtMS: time.Since(g.start).Milliseconds(), From: g.limit, To: n,
		LatencyMS: g.short * 1000, BaselineMS: g.base * 1000}
	g.limit, g.sinceChange = n, 0
	g.minLimit = min(g.minLimit, n)
	if len(g.changes) < maxChanges {
		g.changes = append(g.changes, c)
	} else {
		g.changesMissed++
	}
}

func (g *gate) report(key string) bundle.RuntimePressure {
	g.mu.Lock()
	defer g.mu.Unlock()
	return bundle.RuntimePressure{Runtime: key, MaxCalls: g.max, FinalCalls: g.limit, MinCalls: g.minLimit,
		Calls: g.calls, LatencyMS: g.short * 1000, BaselineMS: g.base * 1000,
		MaxLatencyMS: float64(g.maxLatency.Microseconds()) / 1000,
		Changes:      append([]bundle.LimitChange(nil), g.changes...), ChangesLeftOut: g.changesMissed}
}
