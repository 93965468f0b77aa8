// Package runc is the "runc" source: the state runc and crun keep for every
// container under each runtime root in use, and whether each init process is
// really alive (gone, zombie, or a reused pid while the runtime says running).
package runc

import (
	"context"

	"github.com/rtsnap/rtsnap/collect"
	schema "github.com/rtsnap/rtsnap/internal/schema/runc"
)

// Source collects runtime state.
type Source struct{}

// New returns the runc source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "runc" }
func (Source) Description() string {
	return "runc/crun state of every container (a subset, never the config) and the liveness of its init process"
}
func (Source) DefaultEnabled() bool { return true }

// Budget covers the states of a node at collect.DefaultMaxContainers: the
// scale lab's 2,000 containers made a 9.25 MB states.json (about 4.6 KB of
// indented JSON each; docs/benchmarks.md), which the old 8 MiB cut.
func (Source) Budget() int64 { return 32 << 20 }

func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	roots, states, truncated := env.RuncStates()
	if len(roots) == 0 {
		out.Skip("not present: no runtime root (looked for /run/containerd/runc/*, /run/k3s/containerd/runc/*, /run/docker/runtime-*/*, /run/runc, /run/crun and runc/* under each containerd --state)")
		return nil
	}
	if truncated {
		out.Partial("states cut at --max-containers")
	}
	kept := make([]State, 0, len(states))
	for _, st := range states {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Docker's "moby" and plain roots have no containerd namespace to filter on.
		if st.Owner != "containerd" || env.NamespaceAllowed(st.Namespace) {
			kept = append(kept, st)
		}
	}
	// Cut on a state's boundary when the budget is short: the file stays a
	// document the analyzer reads, its truncated flag set.
	_, err := collect.WriteJSONFit(out, "states.json", len(kept), func(k int) any {
		return States{Roots: roots, States: kept[:k], Truncated: truncated || k < len(kept)}
	})
	return err
}

// The file types live in internal/schema/runc so the analyzer can read them
// without importing the collector.
type (
	States = schema.States
	State  = schema.State
)
