// Package cgroup holds the types of the files the "cgroup" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package cgroup

// Mode is cgroup/mode.json.
type Mode struct {
	// Mode is v1, hybrid (v1 controllers plus a cgroup2 mount, usually at
	// /sys/fs/cgroup/unified) or v2, from statfs of /sys/fs/cgroup, else
	// from the mounts.
	Mode        string   `json:"mode"`
	Mounts      []Mount  `json:"mounts"`
	Controllers []string `json:"v2_controllers,omitempty"`
}

// Mount is one cgroup mount from /proc/self/mountinfo.
type Mount struct {
	Path    string `json:"path"`
	FSType  string `json:"fs_type"`
	Options string `json:"options"`
}

// Container is one entry of cgroup/containers.json.
type Container struct {
	ID        string `json:"id"`
	Namespace string `json:"namespace,omitempty"`
	Owner     string `json:"owner"`
	// Path is the container's cgroup path relative to the hierarchy root.
	Path string `json:"path"`
	// PathFrom says where Path came from: runc-state (cgroup_paths) or
	// proc (/proc/<init pid>/cgroup, for crun or a state without paths).
	PathFrom string `json:"path_from,omitempty"`
	// Driver is systemd (the path has .slice/.scope units), cgroupfs, or unknown.
	Driver string   `json:"driver"`
	Freeze Freeze   `json:"freeze"`
	Memory Memory   `json:"memory"`
	Pids   Pids     `json:"pids"`
	CPU    CPU      `json:"cpu"`
	Errors []string `json:"errors,omitempty"`
}

// Freeze is the freezer state: v1 freezer.state (THAWED, FREEZING, FROZEN)
// with self/parent freezing, or v2 cgroup.freeze and cgroup.events frozen.
type Freeze struct {
	State          string `json:"state,omitempty"`
	SelfFreezing   string `json:"self_freezing,omitempty"`
	ParentFreezing string `json:"parent_freezing,omitempty"`
	V2Freeze       string `json:"v2_freeze,omitempty"`
	V2Frozen       string `json:"v2_frozen,omitempty"`
	V2Populated    string `json:"v2_populated,omitempty"`
}

// Memory is usage, limit and OOM events. v1: memory.usage_in_bytes,
// max_usage_in_bytes, limit_in_bytes ("max" for the no-limit sentinel),
// failcnt (times usage hit the limit, not OOMs), oom_control under_oom and
// oom_kill (kernels >= 4.13; OOMKillsKnow says it was there). v2:
// memory.current, memory.peak, memory.max, memory.events oom and oom_kill.
// OOMEvents is v2 only (v1 has no count of OOM events).
type Memory struct {
	UsageBytes   int64  `json:"usage_bytes"`
	MaxUsage     int64  `json:"max_usage_bytes,omitempty"`
	Limit        string `json:"limit"`
	Failcnt      int64  `json:"failcnt,omitempty"`
	UnderOOM     bool   `json:"under_oom,omitempty"`
	OOMEvents    int64  `json:"oom_events"`
	OOMKills     int64  `json:"oom_kills"`
	OOMKillsKnow bool   `json:"oom_kills_known"`
}

// Pids is the pids controller: pids.current, pids.max ("max" for no
// limit) and pids.events "max", the count of forks refused at the limit
// (v1 and v2 both keep it; EventsKnown says the file was read).
type Pids struct {
	Current     int64  `json:"current"`
	Max         string `json:"max,omitempty"`
	MaxEvents   int64  `json:"max_events,omitempty"`
	EventsKnown bool   `json:"events_known,omitempty"`
}

// CPU is throttling from cpu.stat (v1 throttled_time is in ns and is
// converted to µs; v2 has throttled_usec).
type CPU struct {
	Periods         int64 `json:"nr_periods"`
	Throttled       int64 `json:"nr_throttled"`
	ThrottledTimeUS int64 `json:"throttled_usec"`
}
