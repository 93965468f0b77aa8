// Package proc holds the types of the files the "proc" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package proc

import (
	"time"
)

// Process is one entry of proc/processes.json.
type Process struct {
	PID         int               `json:"pid"`
	PPID        int               `json:"ppid"`
	Role        string            `json:"role"`
	ContainerID string            `json:"container_id,omitempty"`
	Namespace   string            `json:"namespace,omitempty"`
	Comm        string            `json:"comm"`
	CommandLine []string          `json:"command_line"`
	State       string            `json:"state"`
	StartTicks  uint64            `json:"start_ticks"`
	StartedAt   time.Time         `json:"started_at"`
	Status      map[string]string `json:"status"`
	Cgroup      []string          `json:"cgroup"`
	Namespaces  map[string]string `json:"namespaces"`
	OOMScoreAdj string            `json:"oom_score_adj"`
	Limits      map[string]string `json:"limits,omitempty"`
	Stdout      string            `json:"stdout,omitempty"`
	Stderr      string            `json:"stderr,omitempty"`
	ProxyEnv    map[string]string `json:"proxy_env,omitempty"`
	Error       string            `json:"error,omitempty"`
}
