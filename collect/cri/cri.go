// Package cri is the "cri" source: what crictl shows, for every CRI
// endpoint: version, status with its verbose info, runtime config, pods and
// containers with verbose status, images, image filesystems and (with
// env.CRIStats) stats.
package cri

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/endpoints"
)

// Source collects CRI state.
type Source struct{}

// New returns the cri source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "cri" }
func (Source) Description() string {
	return "CRI state of every CRI endpoint (what crictl shows): pods, containers, images, status, stats"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 32 << 20 }

// Collect reads every CRI endpoint concurrently: one hung runtime costs its
// own calls' deadlines and never delays the others.
func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	var eps []endpoints.Endpoint
	for _, e := range env.Endpoints() {
		if e.CRI() {
			eps = append(eps, e)
		}
	}
	if len(eps) == 0 {
		out.Skip("not present: no CRI socket (looked for " + wellKnownCRI() + ")")
		return nil
	}
	w := &writer{out: out}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []string
	)
	for _, ep := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := collectEndpoint(ctx, env, w, ep); err != nil {
				mu.Lock()
				failed = append(failed, ep.Path)
				mu.Unlock()
				out.Partial(fmt.Sprintf("%s: %v", ep.Path, err))
			}
		}()
	}
	wg.Wait()
	if len(failed) == len(eps) {
		// The reason of each endpoint is in the partials the engine adds.
		return fmt.Errorf("no CRI endpoint answered (%d tried: %s)", len(eps), strings.Join(failed, ", "))
	}
	return nil
}

func wellKnownCRI() string {
	var paths []string
	for _, e := range endpoints.WellKnown() {
		if e.CRI() {
			paths = append(paths, e.Path)
		}
	}
	return strings.Join(paths, ", ")
}
