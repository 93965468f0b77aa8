// Package proc holds the types of the files the "proc" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package proc

import (
	"time"
)

// Process is one entry of proc/processes.json: a container init, a shim or
// a runtime daemon.
type Process struct {
	PID  int `json:"pid"`
	PPID int `json:"ppid"`
	// Role is init (a container's init process), shim, or the procscan role
	// of a runtime daemon (containerd, dockerd, kubelet, crio, ...).
	Role        string `json:"role"`
	ContainerID string `json:"container_id,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	Comm        string `json:"comm"`
	// CommandLine is argv, redacted.
	CommandLine []string  `json:"command_line"`
	State       string    `json:"state"`
	StartTicks  uint64    `json:"start_ticks"`
	StartedAt   time.Time `json:"started_at"`
	// AgeSeconds is the run's reference time minus StartedAt.
	AgeSeconds int64 `json:"age_seconds"`
	// Status holds the /proc/<pid>/status lines kept (State, NSpid, CapEff,
	// NoNewPrivs, Seccomp, Cpus_allowed_list, VmRSS, VmHWM, Threads, ...),
	// whitespace collapsed.
	Status map[string]string `json:"status"`
	// Cgroup is /proc/<pid>/cgroup, one line per hierarchy.
	Cgroup []string `json:"cgroup"`
	// Namespaces maps a namespace (cgroup, ipc, mnt, net, pid, user, uts) to
	// its readlink ("net:[4026532200]").
	Namespaces  map[string]string `json:"namespaces"`
	OOMScoreAdj string            `json:"oom_score_adj"`
	// Limits holds the rlimits kept, keyed open_files, processes,
	// locked_memory, core_file_size.
	Limits map[string]Limit `json:"limits,omitempty"`
	// Stdout and Stderr are where a daemon's fd 1 and 2 point (a log file,
	// a pipe, /dev/null): its log when it is not under journald.
	Stdout string `json:"stdout,omitempty"`
	Stderr string `json:"stderr,omitempty"`
	// ProxyEnv is a daemon's proxy variables only, values redacted.
	ProxyEnv map[string]string `json:"proxy_env,omitempty"`
	Errors   []string          `json:"errors,omitempty"`
}

// Limit is one line of /proc/<pid>/limits; "unlimited" is kept as text.
type Limit struct {
	Soft  string `json:"soft"`
	Hard  string `json:"hard"`
	Units string `json:"units,omitempty"`
}
