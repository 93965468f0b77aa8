// Package configs holds the types of the files the "configs" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package configs

import (
	"time"
)

// Entry is one line of configs/index.json: what was looked for and found.
type Entry struct {
	Path   string `json:"path"`
	Role   string `json:"role"`
	Found  bool   `json:"found"`
	Size   int64  `json:"size,omitempty"`
	Stored string `json:"stored,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Cert is one entry of configs/certs.json: never the content.
type Cert struct {
	Path       string    `json:"path"`
	Size       int64     `json:"size"`
	Kind       string    `json:"kind"` // certificate, key, other
	SHA256     string    `json:"sha256_fingerprint,omitempty"`
	Subject    string    `json:"subject,omitempty"`
	Issuer     string    `json:"issuer,omitempty"`
	NotAfter   time.Time `json:"not_after,omitempty"`
	Expired    bool      `json:"expired,omitempty"`
	ParseError string    `json:"parse_error,omitempty"`
}

// Plugin is one CNI plugin binary (configs/cni-plugins.json).
type Plugin struct {
	Dir  string `json:"dir"`
	Name string `json:"name"`
	Size int64  `json:"size"`
	Mode string `json:"mode"`
}

// Daemon is a running containerd and the config it was started with
// (configs/containerd.json).
type Daemon struct {
	PID        int    `json:"pid"`
	ConfigPath string `json:"config_path"`
	// Address is the daemon's gRPC socket (--address, else the config's
	// grpc.address, else the default); Slug names its dump file.
	Address string   `json:"address,omitempty"`
	Slug    string   `json:"slug,omitempty"`
	DropIns []string `json:"drop_ins,omitempty"`
	Imports []string `json:"imports,omitempty"`
	// RegistryPath is the CRI registry config_path (may list several
	// directories separated by ':').
	RegistryPath string   `json:"registry_config_path,omitempty"`
	CNIConfDir   string   `json:"cni_conf_dir,omitempty"`
	CNIBinDirs   []string `json:"cni_bin_dirs,omitempty"`
	Dump         string   `json:"dump,omitempty"`
	DumpError    string   `json:"dump_error,omitempty"`
}
