// Package cgroup is the "cgroup" source: the cgroup mode, mounts and
// controllers, and per container its freeze state, memory use, limit and
// OOM events, pids, CPU throttling, and the cgroup driver its path shows.
package cgroup

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/collect/host"
	schema "github.com/rtsnap/rtsnap/internal/schema/cgroup"
)

// Source collects cgroup state.
type Source struct{}

// New returns the cgroup source.
func New() collect.Source { return Source{} }

func (Source) Name() string { return "cgroup" }
func (Source) Description() string {
	return "cgroup mode and mounts; per container freeze state, memory and OOM events, pids, CPU throttling, driver"
}
func (Source) DefaultEnabled() bool { return true }
func (Source) Budget() int64        { return 8 << 20 }

func (Source) Collect(ctx context.Context, env *collect.Env, out collect.Output) error {
	mode := Mode{Mounts: mounts(env.ProcRoot)}
	if mode.Mode = host.CgroupMode(env.SysRoot); mode.Mode == "unknown" {
		mode.Mode = ModeFromMounts(mode.Mounts)
	}
	root := filepath.Join(env.SysRoot, "fs/cgroup")
	if mode.Mode == "hybrid" {
		root = filepath.Join(root, "unified")
	}
	if mode.Mode != "v1" {
		mode.Controllers = strings.Fields(readTrim(filepath.Join(root, "cgroup.controllers")))
	}
	if err := out.WriteJSON("mode.json", mode); err != nil {
		return err
	}
	_, states, truncated := env.RuncStates()
	if truncated {
		out.Partial("containers cut at --max-containers")
	}
	res := []Container{}
	for _, st := range states {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !env.NamespaceAllowed(st.Namespace) {
			continue
		}
		res = append(res, Read(env.SysRoot, env.ProcRoot, mode.Mode, st))
	}
	return out.WriteJSON("containers.json", res)
}

// The file types live in internal/schema/cgroup so the analyzer can read them
// without importing the collector.
type (
	Mode      = schema.Mode
	Mount     = schema.Mount
	Container = schema.Container
	Freeze    = schema.Freeze
	Memory    = schema.Memory
	Pids      = schema.Pids
	CPU       = schema.CPU
)
