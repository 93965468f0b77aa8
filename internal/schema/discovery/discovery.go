// Package discovery holds the types of the files the "discovery" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package discovery

import (
	"github.com/rtsnap/rtsnap/internal/endpoints"
)

// Socket is one entry of discovery/endpoints.json.
type Socket struct {
	endpoints.Endpoint
	Exists    bool   `json:"exists"`
	IsSocket  bool   `json:"is_socket"`
	Mode      string `json:"mode,omitempty"`
	UID       int    `json:"uid"`
	GID       int    `json:"gid"`
	Owner     string `json:"owner,omitempty"`
	Group     string `json:"group,omitempty"`
	Answers   bool   `json:"answers"`
	Runtime   string `json:"runtime,omitempty"`
	LatencyMS int64  `json:"latency_ms,omitempty"`
	Code      string `json:"code,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Kubelet is discovery/kubelet.json: the runtime endpoint kubelet uses.
type Kubelet struct {
	Running         bool   `json:"running"`
	PID             int    `json:"pid,omitempty"`
	ConfigPath      string `json:"config_path,omitempty"`
	RuntimeEndpoint string `json:"runtime_endpoint,omitempty"`
	EndpointFrom    string `json:"endpoint_from,omitempty"`
	CgroupDriver    string `json:"cgroup_driver,omitempty"`
	PodInfraImage   string `json:"pod_infra_container_image,omitempty"`
}

// Crictl is discovery/crictl.json: /etc/crictl.yaml parsed.
type Crictl struct {
	Present         bool   `json:"present"`
	RuntimeEndpoint string `json:"runtime_endpoint,omitempty"`
	ImageEndpoint   string `json:"image_endpoint,omitempty"`
	Timeout         int    `json:"timeout,omitempty"`
}

// Daemon is one entry of discovery/daemons.json.
type Daemon struct {
	PID         int      `json:"pid"`
	Role        string   `json:"role"`
	CommandLine []string `json:"command_line"`
}
