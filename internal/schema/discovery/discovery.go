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
	// CollectorStalledMS is how much of the wait the collector itself was
	// kept from running (a saturated node): a deadline reached while it
	// was starved does not show the daemon hung.
	CollectorStalledMS int64  `json:"collector_stalled_ms,omitempty"`
	Code               string `json:"code,omitempty"`
	Error              string `json:"error,omitempty"`
}

// Kubelet is discovery/kubelet.json: the runtime endpoint kubelet uses (the
// first kubelet process when several run; discovery/kubelets.json has all).
type Kubelet struct {
	Running         bool   `json:"running"`
	PID             int    `json:"pid,omitempty"`
	ConfigPath      string `json:"config_path,omitempty"`
	RuntimeEndpoint string `json:"runtime_endpoint,omitempty"`
	EndpointFrom    string `json:"endpoint_from,omitempty"`
	CgroupDriver    string `json:"cgroup_driver,omitempty"`
	PodInfraImage   string `json:"pod_infra_container_image,omitempty"`
	// NodeName is --hostname-override, when given: which node of several
	// kubelets on one host this is.
	NodeName string `json:"node_name,omitempty"`
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

// KubeletRuntime is one entry of discovery/kubelets.json: a running kubelet
// and the socket its runtime endpoint leads to.
type KubeletRuntime struct {
	Kubelet
	// Endpoint is what the probe of the kubelet's runtime endpoint found;
	// nil when it has none or it is not a unix socket.
	Endpoint *KubeletEndpoint `json:"endpoint,omitempty"`
}

// KubeletEndpoint is a kubelet's runtime endpoint as probed, and the daemons
// whose command lines name the same socket (cri-dockerd's
// --container-runtime-endpoint, crio's --listen). The runtime's own cgroup
// driver is the cri source's (cri/<slug>/runtime_config.json): one RuntimeConfig
// call per runtime, not two.
type KubeletEndpoint struct {
	Path    string `json:"path"`
	Kind    string `json:"kind"`
	Exists  bool   `json:"exists"`
	Answers bool   `json:"answers"`
	Runtime string `json:"runtime,omitempty"`
	Code    string `json:"code,omitempty"`
	Error   string `json:"error,omitempty"`
	// ServedBy are the origins "<role> pid <pid>" of the daemons serving it.
	ServedBy []string `json:"served_by,omitempty"`
}
