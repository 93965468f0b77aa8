// Package runc is the "runc" source: the state runc and crun keep for every
// container under each runtime root in use, and whether each init process is
// really alive (gone, zombie, or a reused pid while the runtime says running).
package runc

import (
	"context"
	schema "github.com/rtsnap/rtsnap/internal/schema/runc"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/internal/runcstate"
)

// Source collects runtime state.
type Source struct{}

// New returns the runc source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "runc" }
func (Source) Description() string {
	return "runc/crun state.json of every container and the liveness of its init process"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 8 << 20 }

func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	procs, err := procscan.List(env.ProcRoot)
	if err != nil {
		return err
	}
	roots := runcstate.Roots(procs)
	if len(roots) == 0 {
		out.Skip("not present: no runtime root (looked for /run/containerd/runc/*, /run/docker/runtime-runc/*, /run/runc, /run/crun)")
		return nil
	}
	states, truncated := runcstate.Scan(env.ProcRoot, roots, env.MaxContainers)
	if truncated {
		out.Partial("states cut at --max-containers")
	}
	return out.WriteJSON("states.json", States{Roots: roots, States: states, Truncated: truncated})
}

// The file types live in internal/schema/runc so the analyzer can read them
// without importing the collector.
type (
	States = schema.States
)
