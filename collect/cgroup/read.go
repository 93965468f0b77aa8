package cgroup

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/rtsnap/rtsnap/internal/runcstate"
	"github.com/rtsnap/rtsnap/internal/smallfile"
)

// maxCgroupFile bounds one cgroup file read (cgroup.procs of a busy cgroup
// is the largest: about 8 bytes per pid).
const maxCgroupFile = 1 << 20

// Read gathers one container's cgroup state: from the paths runc recorded,
// else (crun, or a state without paths) from /proc/<init pid>/cgroup when
// the init is still the container's.
func Read(sysRoot, procRoot, mode string, st runcstate.State) Container {
	c := Container{ID: st.ID, Namespace: st.Namespace, Owner: st.Owner, Memory: Memory{Limit: "unknown"}}
	hier := filepath.Join(sysRoot, "fs/cgroup")
	// paths maps a controller ("" for the unified hierarchy) to its directory
	// under sysRoot.
	paths := map[string]string{}
	for k, v := range st.CgroupPaths {
		// Paths are absolute on the host; re-root them for tests.
		paths[k] = filepath.Join(sysRoot, strings.TrimPrefix(v, "/sys"))
		c.PathFrom = "runc-state"
	}
	if len(paths) == 0 && st.Liveness.PIDExists && st.Liveness.StartMatches {
		for k, rel := range procCgroups(filepath.Join(procRoot, strconv.Itoa(st.InitPID), "cgroup")) {
			if k == "" && mode == "hybrid" {
				paths[k] = filepath.Join(hier, "unified", rel)
			} else if k == "" {
				paths[k] = filepath.Join(hier, rel)
			} else {
				paths[k] = filepath.Join(hier, k, rel)
			}
			c.PathFrom = "proc"
		}
	}
	if len(paths) == 0 {
		c.Errors = append(c.Errors, "no cgroup path: none in the runtime state and no live init process")
	}
	// A directory is checked for being gone only when a file every such
	// directory holds could not be read: at 2,000 containers the stat of
	// every directory was a few percent of the collector's CPU.
	if mode == "v2" {
		if p, ok := paths[""]; ok {
			c.Path = strings.TrimPrefix(p, hier)
			if !readV2(p, &c) {
				c.Errors = append(c.Errors, missing(p)...)
			}
		}
	} else {
		for _, k := range []string{"freezer", "memory", "pids", "cpu,cpuacct", "cpu"} {
			if p, ok := paths[k]; ok {
				c.Path = strings.TrimPrefix(p, filepath.Join(hier, k))
				break
			}
		}
		ReadV1(paths, &c)
		if p, ok := paths["freezer"]; ok && c.Freeze.State == "" {
			c.Errors = append(c.Errors, missing(p)...)
		}
		if p, ok := paths["memory"]; ok && c.Memory.Limit == "unknown" {
			c.Errors = append(c.Errors, missing(p)...)
		}
	}
	c.Driver = Driver(c.Path)
	return c
}

// FreezeState is a container's freezer state read from the paths its runc
// state records, in the v1 names (THAWED, FREEZING, FROZEN): v1's
// freezer.state, else v2's cgroup.freeze (0 is THAWED; 1 is FROZEN or on
// its way, cgroup.events says which). "" when neither can be read. For a
// source that needs only this of the cgroup (the containerd source, to
// know a task is not paused without asking its shim).
func FreezeState(sysRoot string, st runcstate.State) string {
	if p, ok := st.CgroupPaths["freezer"]; ok {
		return readTrim(filepath.Join(sysRoot, strings.TrimPrefix(p, "/sys"), "freezer.state"))
	}
	if p, ok := st.CgroupPaths[""]; ok {
		switch readTrim(filepath.Join(sysRoot, strings.TrimPrefix(p, "/sys"), "cgroup.freeze")) {
		case "0":
			return "THAWED"
		case "1":
			return "FROZEN"
		}
	}
	return ""
}

// missing reports a cgroup directory that is gone: the runtime kept a state
// whose cgroup was removed (or never made).
func missing(dir string) []string {
	if _, err := os.Stat(dir); err != nil {
		return []string{fmt.Sprintf("cgroup directory: %v", err)}
	}
	return nil
}

// procCgroups parses /proc/<pid>/cgroup ("4:memory:/kubepods/x", "0::/x")
// into controller → path; "" is the unified hierarchy. A line naming several
// controllers is keyed by the combined name ("cpu,cpuacct"), which is also
// the name of its mount directory.
func procCgroups(path string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(readTrim(path), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 {
			continue
		}
		out[strings.TrimPrefix(f[1], "name=")] = f[2]
	}
	return out
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

// ReadV1 reads the v1 controllers of one container; p maps controller to directory.
func ReadV1(p map[string]string, c *Container) {
	// A directory of which one file is read (freezer.state of a thawed
	// container, cpu.stat) is not opened on its own: that would be two
	// opens for one file.
	if d, ok := p["freezer"]; ok {
		c.Freeze.State = readTrim(filepath.Join(d, "freezer.state"))
		if c.Freeze.State == "THAWED" {
			// The kernel says THAWED only when neither the cgroup nor a
			// parent is freezing (legacy_freezer.c: freezer_state_strs), so
			// both files would read 0: two opens per container saved.
			c.Freeze.SelfFreezing, c.Freeze.ParentFreezing = "0", "0"
		} else {
			c.Freeze.SelfFreezing = readTrim(filepath.Join(d, "freezer.self_freezing"))
			c.Freeze.ParentFreezing = readTrim(filepath.Join(d, "freezer.parent_freezing"))
		}
	}
	if d, ok := p["memory"]; ok {
		f := openDir(d)
		c.Memory.UsageBytes = f.int("memory.usage_in_bytes")
		c.Memory.MaxUsage = f.int("memory.max_usage_in_bytes")
		c.Memory.Limit = v1Limit(f.trim("memory.limit_in_bytes"))
		c.Memory.Failcnt = f.int("memory.failcnt")
		kv, _ := f.keyValues("memory.oom_control")
		c.Memory.UnderOOM = kv["under_oom"] == 1
		if v, ok := kv["oom_kill"]; ok {
			c.Memory.OOMKills, c.Memory.OOMKillsKnow = v, true
		}
		f.close()
	}
	if d, ok := p["pids"]; ok {
		f := openDir(d)
		readPids(f, c)
		f.close()
	}
	d, ok := p["cpu"]
	if !ok {
		d, ok = p["cpu,cpuacct"]
	}
	if ok {
		raw, _ := smallfile.ReadRecord(filepath.Join(d, "cpu.stat"), maxCgroupFile)
		kv := parseKeyValues(raw)
		c.CPU = CPU{Periods: kv["nr_periods"], Throttled: kv["nr_throttled"], ThrottledTimeUS: kv["throttled_time"] / 1000}
	}
}

// v1Limit turns the "no limit" sentinel (a page-rounded int64 max) into "max".
func v1Limit(s string) string {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if s == "" {
			return "unknown"
		}
		return s
	}
	if n >= 1<<62 {
		return "max"
	}
	return s
}

// ReadV2 reads a unified-hierarchy cgroup directory.
func ReadV2(d string, c *Container) { readV2(d, c) }

// readV2 is ReadV2, saying whether cgroup.events, which every cgroup but
// the root has, could be read.
func readV2(d string, c *Container) bool {
	f := openDir(d)
	defer f.close()
	c.Freeze.V2Freeze = f.trim("cgroup.freeze")
	ev, evOK := f.keyValues("cgroup.events")
	c.Freeze.V2Frozen, c.Freeze.V2Populated = strconv.FormatInt(ev["frozen"], 10), strconv.FormatInt(ev["populated"], 10)
	c.Freeze.State = v2FreezeState(c.Freeze.V2Freeze, ev["frozen"])
	c.Memory.UsageBytes = f.int("memory.current")
	c.Memory.MaxUsage = f.int("memory.peak")
	if l := f.trim("memory.max"); l != "" {
		c.Memory.Limit = l
	}
	me, _ := f.keyValues("memory.events")
	c.Memory.OOMEvents, c.Memory.OOMKills, c.Memory.OOMKillsKnow = me["oom"], me["oom_kill"], true
	readPids(f, c)
	cs, _ := f.keyValues("cpu.stat")
	c.CPU = CPU{Periods: cs["nr_periods"], Throttled: cs["nr_throttled"], ThrottledTimeUS: cs["throttled_usec"]}
	return evOK
}

// readPids reads the pids controller's files, which v1 and v2 name alike.
func readPids(f dir, c *Container) {
	c.Pids.Current = f.int("pids.current")
	c.Pids.Max = f.trim("pids.max")
	if ev, ok := f.keyValues("pids.events"); ok {
		c.Pids.MaxEvents, c.Pids.EventsKnown = ev["max"], true
	}
}

// dir reads the interface files of one cgroup directory, each opened
// relative to it (smallfile.Dir). A directory that cannot be opened reads
// as one whose files are all missing.
type dir struct {
	d  smallfile.Dir
	ok bool
}

func openDir(path string) dir {
	d, err := smallfile.OpenDir(path)
	return dir{d: d, ok: err == nil}
}

func (f dir) close() {
	if f.ok {
		f.d.Close()
	}
}

// read reads one interface file: each is one record (not cgroup.procs).
func (f dir) read(name string) ([]byte, bool) {
	if !f.ok {
		return nil, false
	}
	raw, err := f.d.ReadRecord(name, maxCgroupFile)
	return raw, err == nil
}

func (f dir) trim(name string) string {
	raw, _ := f.read(name)
	return strings.TrimSpace(string(raw))
}

func (f dir) int(name string) int64 {
	n, _ := strconv.ParseInt(f.trim(name), 10, 64)
	return n
}

// keyValues reads a flat-keyed file ("key value" lines) and tells whether
// it could be read.
func (f dir) keyValues(name string) (map[string]int64, bool) {
	raw, ok := f.read(name)
	return parseKeyValues(raw), ok
}

// v2FreezeState maps cgroup.freeze (asked) and cgroup.events frozen (done)
// onto the v1 names, so the analyzer has one vocabulary.
func v2FreezeState(freeze string, frozen int64) string {
	switch {
	case freeze == "1" && frozen == 1:
		return "FROZEN"
	case freeze == "1":
		return "FREEZING"
	case freeze == "0":
		return "THAWED"
	}
	return ""
}

// mounts lists cgroup mounts from mountinfo.
func mounts(procRoot string) []Mount {
	f, err := os.Open(filepath.Join(procRoot, "self/mountinfo"))
	if err != nil {
		return nil
	}
	defer f.Close()
	return parseMountinfo(bufio.NewScanner(f))
}

func parseMountinfo(sc *bufio.Scanner) []Mount {
	out := []Mount{}
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

// ModeFromMounts tells the mode from the cgroup mounts: a cgroup2 mount at
// /sys/fs/cgroup is v2; cgroup2 elsewhere beside v1 mounts is hybrid.
func ModeFromMounts(ms []Mount) string {
	v1, v2, v2root := false, false, false
	for _, m := range ms {
		switch m.FSType {
		case "cgroup":
			v1 = true
		case "cgroup2":
			v2 = true
			v2root = v2root || m.Path == "/sys/fs/cgroup"
		}
	}
	switch {
	case v2root:
		return "v2"
	case v1 && v2:
		return "hybrid"
	case v1:
		return "v1"
	case v2:
		return "v2"
	}
	return "unknown"
}

// parseKeyValues parses "key value" lines; a value that is not a number is left out.
func parseKeyValues(raw []byte) map[string]int64 {
	out := map[string]int64{}
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
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

func readTrim(p string) string {
	raw, err := smallfile.ReadRecord(p, maxCgroupFile)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(raw))
}
