package collect

import (
	"context"
	"sync"
)

// runtimeLimits hands out per-runtime slots: one semaphore per socket path.
type runtimeLimits struct {
	perRuntime int
	mu         sync.Mutex
	sems       map[string]chan struct{}
}

func newRuntimeLimits(perRuntime int) *runtimeLimits {
	if perRuntime <= 0 {
		perRuntime = 4
	}
	return &runtimeLimits{perRuntime: perRuntime, sems: map[string]chan struct{}{}}
}

func (l *runtimeLimits) acquire(ctx context.Context, key string) (func(), error) {
	if l == nil {
		return func() {}, nil
	}
	l.mu.Lock()
	sem, ok := l.sems[key]
	if !ok {
		sem = make(chan struct{}, l.perRuntime)
		l.sems[key] = sem
	}
	l.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
