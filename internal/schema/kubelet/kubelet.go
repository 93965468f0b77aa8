// Package kubelet holds the types of the files the "kubelet" source writes,
// shared by the collector and the analyzer (stdlib types only).
package kubelet

import "time"

// Instances is kubelet/kubelet.json: every kubelet found, running or not.
type Instances struct {
	Instances []Instance `json:"instances"`
	// Files are the kubelet files found in the default places and stored
	// (host paths), whether or not a kubelet runs.
	Files []File `json:"files,omitempty"`
}

// Instance is one kubelet: its effective settings and where each came from.
type Instance struct {
	// Running: a kubelet process was found; PID and Args are then its own.
	// Otherwise the settings come from the files kubelet would be started
	// with (systemd unit and drop-ins, kubeadm-flags.env, /etc/default, k3s/rke2).
	Running bool     `json:"running"`
	PID     int      `json:"pid,omitempty"`
	Args    []string `json:"args,omitempty"` // redacted
	// ArgsFrom says where Args came from: "process", "systemd unit", "k3s config", "none".
	ArgsFrom string `json:"args_from"`
	// ConfigFile is the bundle file holding its --config, when stored.
	ConfigFile string    `json:"config_file,omitempty"`
	Effective  Effective `json:"effective"`
	Healthz    *Healthz  `json:"healthz,omitempty"`
	// PodsFile is the bundle file listing the pod directories under RootDir.
	PodsFile       string   `json:"pods_file,omitempty"`
	StaticPodFiles []string `json:"static_pod_files,omitempty"`
	Errors         []string `json:"errors,omitempty"`
}

// File is one kubelet file: where it is on the host and in the bundle.
type File struct {
	Path   string `json:"path"`
	Role   string `json:"role"`
	Stored string `json:"stored,omitempty"`
	Size   int64  `json:"size"`
	Error  string `json:"error,omitempty"`
}

// Effective is kubelet's effective configuration for the settings rtsnap
// reads: command-line flag, else the config file, else kubelet's default.
type Effective struct {
	ConfigPath         string `json:"config_path,omitempty"`
	Kubeconfig         string `json:"kubeconfig,omitempty"`
	RootDir            string `json:"root_dir"`
	PodLogsDir         string `json:"pod_logs_dir"`
	RuntimeEndpoint    string `json:"runtime_endpoint"`
	CgroupDriver       string `json:"cgroup_driver"`
	CgroupRoot         string `json:"cgroup_root,omitempty"`
	StaticPodPath      string `json:"static_pod_path,omitempty"`
	HealthzBindAddress string `json:"healthz_bind_address"`
	HealthzPort        int    `json:"healthz_port"`
	NodeName           string `json:"node_name,omitempty"`
	// From names the origin of each setting: "flag", "config", "default", "--kubelet-root".
	From map[string]string `json:"from"`
}

// Healthz is the answer of kubelet's healthz endpoint.
type Healthz struct {
	URL        string        `json:"url"`
	StatusCode int           `json:"status_code,omitempty"`
	Body       string        `json:"body,omitempty"`
	Error      string        `json:"error,omitempty"`
	Duration   time.Duration `json:"duration_ns"`
}

// Pods is kubelet/<n>/pods.json: the pod directories under <root>/pods.
type Pods struct {
	RootDir   string `json:"root_dir"`
	Pods      []Pod  `json:"pods"`
	Truncated bool   `json:"truncated,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Pod is one <root>/pods/<uid> directory: names only, never volume contents
// (secrets and service-account tokens live there).
type Pod struct {
	UID        string              `json:"uid"`
	ModTime    time.Time           `json:"mod_time"`
	Volumes    []string            `json:"volumes,omitempty"`    // <plugin>/<name>
	Containers map[string][]string `json:"containers,omitempty"` // container -> restart-count entries
	Truncated  bool                `json:"truncated,omitempty"`
}
