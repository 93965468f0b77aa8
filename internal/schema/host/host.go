// Package host holds the types of the files the "host" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package host

import (
	"github.com/rtsnap/rtsnap/internal/procscan"
	"time"
)

// Facts is host/host.json.
type Facts struct {
	Hostname        string            `json:"hostname"`
	Kernel          string            `json:"kernel"`
	KernelVersion   string            `json:"kernel_version"`
	OSRelease       map[string]string `json:"os_release,omitempty"`
	BootID          string            `json:"boot_id"`
	MachineIDSHA256 string            `json:"machine_id_sha256,omitempty"`
	CgroupMode      string            `json:"cgroup_mode"`
	UptimeSeconds   float64           `json:"uptime_seconds"`
	BootTime        time.Time         `json:"boot_time"`
	Load            []float64         `json:"load"`
	MemInfoKiB      map[string]int64  `json:"meminfo_kib"`
	Disks           []Disk            `json:"disks"`
	Filesystems     []string          `json:"filesystems_of_interest"`
	Modules         map[string]bool   `json:"modules"`
	Sysctls         map[string]string `json:"sysctls"`
	SELinux         string            `json:"selinux"`
	AppArmor        string            `json:"apparmor"`
	NumCPU          int               `json:"num_cpu"`
}

// Disk is space and inode use of one path's filesystem.
type Disk struct {
	Path        string  `json:"path"`
	Exists      bool    `json:"exists"`
	TotalBytes  int64   `json:"total_bytes,omitempty"`
	FreeBytes   int64   `json:"free_bytes,omitempty"`
	UsedPercent float64 `json:"used_percent,omitempty"`
	Inodes      int64   `json:"inodes,omitempty"`
	InodesFree  int64   `json:"inodes_free,omitempty"`
	InodesUsedP float64 `json:"inodes_used_percent,omitempty"`
	FSType      string  `json:"fs_type,omitempty"`
}

// Version is one runtime binary's --version output.
type Version struct {
	Binary string `json:"binary"`
	Path   string `json:"path"`
	Output string `json:"output,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Process is a runtime-related process with its age and parent.
type Process struct {
	procscan.Process
	StartedAt  time.Time `json:"started_at"`
	AgeSeconds float64   `json:"age_seconds"`
	// Orphaned: a shim whose parent is init (or gone) and whose -address
	// socket no process listens on, so no containerd owns it. Shims are
	// reparented to init by design; the socket is what ties them to a daemon.
	Orphaned bool `json:"orphaned,omitempty"`
	// ShimAddress is a shim's -address: the containerd socket it reports to.
	ShimAddress string `json:"shim_address,omitempty"`
}

// Unit is one systemd unit's state as systemd reports it.
type Unit struct {
	Name           string `json:"name"`
	LoadState      string `json:"load_state"`
	ActiveState    string `json:"active_state"`
	SubState       string `json:"sub_state"`
	NRestarts      uint32 `json:"n_restarts"`
	ExecMainStatus int32  `json:"exec_main_status"`
	ExecMainPID    uint32 `json:"exec_main_pid"`
	// ActiveEnterTimestamp and ExecMainStartTimestamp are microseconds since
	// the epoch (0: never).
	ActiveEnterTimestamp   uint64 `json:"active_enter_timestamp_us"`
	ExecMainStartTimestamp uint64 `json:"exec_main_start_timestamp_us,omitempty"`
}

// Units is host/units.json.
type Units struct {
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
	Units     []Unit `json:"units,omitempty"`
}

// Packages is host/packages.json: what the package manager says is
// installed, for the runtime packages only (distribution builds carry
// fixes under old upstream versions; the revision tells).
type Packages struct {
	// Manager is "dpkg" or "rpm"; empty when neither database exists.
	Manager  string    `json:"manager,omitempty"`
	Source   string    `json:"source,omitempty"` // the file or command read
	Packages []Package `json:"packages"`
	Error    string    `json:"error,omitempty"`
}

// Package is one installed package.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"` // the manager's full version: [epoch:]upstream[-revision]
	Arch    string `json:"arch,omitempty"`
	// SourcePackage is dpkg's Source: field (docker.io's binaries come from docker.io).
	SourcePackage string `json:"source_package,omitempty"`
}
