// Package cgroup is the "cgroup" source: the cgroup mode, mounts and
// controllers, and per container its freeze state, memory use, limit and
// OOM events, pids, CPU throttling, and the cgroup driver its path shows.
package cgroup

import (
	"bufio"
	"context"
	schema "github.com/rtsnap/rtsnap/internal/schema/cgroup"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/collect/host"
	"github.com/rtsnap/rtsnap/internal/procscan"
	"github.com/rtsnap/rtsnap/internal/runcstate"
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
	mode := Mode{Mode: host.CgroupMode(env.SysRoot), Mounts: mounts(env.ProcRoot)}
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
	procs, err := procscan.List(env.ProcRoot)
	if err != nil {
		return err
	}
	states, truncated := runcstate.Scan(env.ProcRoot, runcstate.Roots(procs), env.MaxContainers)
	if truncated {
		out.Partial("containers cut at --max-containers")
	}
	var res []Container
	for _, st := range states {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res = append(res, Read(env.SysRoot, mode.Mode, st))
	}
	return out.WriteJSON("containers.json", res)
}

// Read gathers one container's cgroup state from the paths runc recorded.
func Read(sysRoot, mode string, st runcstate.State) Container {
	c := Container{ID: st.ID, Namespace: st.Namespace, Owner: st.Owner, Memory: Memory{Limit: "unknown"}}
	paths := map[string]string{}
	for k, v := range st.CgroupPaths {
		// Paths are absolute on the host; re-root them for tests.
		paths[k] = filepath.Join(sysRoot, strings.TrimPrefix(v, "/sys"))
	}
	if mode == "v2" {
		if p, ok := paths[""]; ok {
			c.Path = strings.TrimPrefix(p, filepath.Join(sysRoot, "fs/cgroup"))
			readV2(p, &c)
		}
	} else {
		if p, ok := paths["freezer"]; ok {
			c.Path = strings.TrimPrefix(p, filepath.Join(sysRoot, "fs/cgroup/freezer"))
		}
		readV1(paths, &c)
	}
	c.Driver = Driver(c.Path)
	return c
}

// Driver tells the cgroup driver from a path: systemd uses .slice/.scope units.
func Driver(path string) string {
	switch {
	case path == "":
		return "unknown"
	case strings.Contains(path, ".slice") || strings.HasSuffix(path, ".scope"):
		return "systemd"
	}
	return "cgroupfs"
}

func readV1(p map[string]string, c *Container) {
	if d, ok := p["freezer"]; ok {
		c.Freeze.State = readTrim(filepath.Join(d, "freezer.state"))
		c.Freeze.SelfFreezing = readTrim(filepath.Join(d, "freezer.self_freezing"))
		c.Freeze.ParentFreezing = readTrim(filepath.Join(d, "freezer.parent_freezing"))
	}
	if d, ok := p["memory"]; ok {
		c.Memory.UsageBytes = readInt(filepath.Join(d, "memory.usage_in_bytes"))
		c.Memory.MaxUsage = readInt(filepath.Join(d, "memory.max_usage_in_bytes"))
		c.Memory.Limit = v1Limit(readTrim(filepath.Join(d, "memory.limit_in_bytes")))
		c.Memory.Failcnt = readInt(filepath.Join(d, "memory.failcnt"))
		kv := keyValues(filepath.Join(d, "memory.oom_control"))
		c.Memory.UnderOOM = kv["under_oom"] == 1
		if v, ok := kv["oom_kill"]; ok {
			c.Memory.OOMKills, c.Memory.OOMKillsKnow = v, true
		}
		c.Memory.OOMEvents = c.Memory.Failcnt
	}
	if d, ok := p["pids"]; ok {
		c.Pids.Current = readInt(filepath.Join(d, "pids.current"))
		c.Pids.Max = readTrim(filepath.Join(d, "pids.max"))
	}
	if d, ok := p["cpu"]; ok {
		kv := keyValues(filepath.Join(d, "cpu.stat"))
		c.CPU = CPU{Periods: kv["nr_periods"], Throttled: kv["nr_throttled"], ThrottledTimeUS: kv["throttled_time"] / 1000}
	}
}

// v1Limit turns the "no limit" sentinel (a page-rounded int64 max) into "max".
func v1Limit(s string) string {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return s
	}
	if n >= 1<<62 {
		return "max"
	}
	return s
}

// readV2 reads a unified-hierarchy cgroup directory.
func readV2(d string, c *Container) {
	c.Freeze.V2Freeze = readTrim(filepath.Join(d, "cgroup.freeze"))
	ev := keyValues(filepath.Join(d, "cgroup.events"))
	c.Freeze.V2Frozen, c.Freeze.V2Populated = strconv.FormatInt(ev["frozen"], 10), strconv.FormatInt(ev["populated"], 10)
	switch {
	case c.Freeze.V2Freeze == "1" && ev["frozen"] == 1:
		c.Freeze.State = "FROZEN"
	case c.Freeze.V2Freeze == "1":
		c.Freeze.State = "FREEZING"
	case c.Freeze.V2Freeze == "0":
		c.Freeze.State = "THAWED"
	}
	c.Memory.UsageBytes = readInt(filepath.Join(d, "memory.current"))
	c.Memory.MaxUsage = readInt(filepath.Join(d, "memory.peak"))
	c.Memory.Limit = readTrim(filepath.Join(d, "memory.max"))
	me := keyValues(filepath.Join(d, "memory.events"))
	c.Memory.OOMEvents, c.Memory.OOMKills, c.Memory.OOMKillsKnow = me["oom"], me["oom_kill"], true
	c.Pids.Current = readInt(filepath.Join(d, "pids.current"))
	c.Pids.Max = readTrim(filepath.Join(d, "pids.max"))
	cs := keyValues(filepath.Join(d, "cpu.stat"))
	c.CPU = CPU{Periods: cs["nr_periods"], Throttled: cs["nr_throttled"], ThrottledTimeUS: cs["throttled_usec"]}
}

// mounts lists cgroup mounts from mountinfo.
func mounts(procRoot string) []Mount {
	f, err := os.Open(filepath.Join(procRoot, "self/mountinfo"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []Mount
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		pf, qf := strings.Fields(pre), strings.Fields(post)
		if len(pf) < 5 || len(qf) < 3 || !strings.HasPrefix(qf[0], "cgroup") {
			continue
		}
		out = append(out, Mount{Path: pf[4], FSType: qf[0], Options: qf[2]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func keyValues(path string) map[string]int64 {
	out := map[string]int64{}
	for _, l := range strings.Split(readTrim(path), "\n") {
		f := strings.Fields(l)
		if len(f) == 2 {
			n, err := strconv.ParseInt(f[1], 10, 64)
			if err == nil {
				out[f[0]] = n
			}
		}
	}
	return out
}

func readInt(path string) int64 {
	n, _ := strconv.ParseInt(readTrim(path), 10, 64)
	return n
}

func readTrim(p string) string {
	raw, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(raw))
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
