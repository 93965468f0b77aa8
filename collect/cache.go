package collect

import (
	"sync"

	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/internal/runcstate"
)

// runCache holds what several sources read, read once per run: the process
// table and the runtimes' state.json files. Besides the cost (on a node with
// 500 containers each re-read costs a few hundred ms of CPU), every source
// then describes the same snapshot of the node.
type runCache struct {
	procsOnce sync.Once
	procs     []procscan.Process
	procsErr  error

	statesOnce sync.Once
	roots      []runcstate.Root
	states     []runcstate.State
	truncated  bool
}

// Processes is the node's process table, read once per run.
func (e *Env) Processes() ([]procscan.Process, error) {
	c := e.cacheOrNew()
	c.procsOnce.Do(func() { c.procs, c.procsErr = procscan.List(e.ProcRoot) })
	return c.procs, c.procsErr
}

// RuncStates is every container's runtime state with its liveness, read once
// per run and bounded by MaxContainers.
func (e *Env) RuncStates() (roots []runcstate.Root, states []runcstate.State, truncated bool) {
	c := e.cacheOrNew()
	c.statesOnce.Do(func() {
		procs, _ := e.Processes()
		c.roots = runcstate.RootsUnder(e.hostBase(), procs)
		c.states, c.truncated = runcstate.ScanUnder(e.hostBase(), e.ProcRoot, c.roots, e.MaxContainers, procs)
	})
	return c.roots, c.states, c.truncated
}

// ScanRuncRoots reads the states under some roots only, with the same
// liveness check as RuncStates: for a source that must see all of one
// runtime's containers when the node-wide scan was cut at MaxContainers.
func (e *Env) ScanRuncRoots(roots []runcstate.Root) ([]runcstate.State, bool) {
	procs, _ := e.Processes()
	return runcstate.ScanUnder(e.hostBase(), e.ProcRoot, roots, e.MaxContainers, procs)
}

// hostBase is the prefix of host paths under --host-root ("" on the host).
func (e *Env) hostBase() string {
	if e.Host.IsHost() {
		return ""
	}
	return e.Host.Dir()
}

func (e *Env) cacheOrNew() *runCache {
	if e.cache == nil {
		// An Env built by hand (tests) gets its cache on first use; the
		// engine sets one before sources start, so there is no race there.
		e.cache = &runCache{}
	}
	return e.cache
}
