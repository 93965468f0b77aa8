// Package crio holds the types of the files the "crio" source writes, shared
// by the collector and the analyzer (stdlib types only).
package crio

import (
	cgschema "github.com/rtsnap/rtsnap/internal/schema/cgroup"

	"github.com/rtsnap/rtsnap/internal/crioconf"
	"github.com/rtsnap/rtsnap/internal/runcstate"
)

// Files of the crio source, relative to its directory.
const (
	DaemonsFile    = "daemons.json"
	ConmonFile     = "conmon.json"
	NamespacesFile = "namespaces.json"
	RuncFile       = "runc.json"
	CgroupsFile    = "cgroups.json"
	StorageJSON    = "storage.json"
)

// Daemons is crio/daemons.json: every CRI-O found (running, or only its
// config when none runs) with its effective configuration and what its
// socket answered.
type Daemons struct {
	Daemons []Daemon `json:"daemons"`
}

// Daemon is one CRI-O.
type Daemon struct {
	// PID is 0 when no crio runs and only the config was read.
	PID         int      `json:"pid,omitempty"`
	CommandLine []string `json:"command_line,omitempty"`
	// Version is the CRI-O version the daemon reports over CRI (RuntimeVersion).
	Version string          `json:"version,omitempty"`
	Config  crioconf.Config `json:"config"`
	// Dir is where this daemon's files are in the bundle (crio/<Dir>/...).
	Dir string `json:"dir"`
	// ConfigFiles are the bundle names of the copied config files (redacted).
	ConfigFiles []string `json:"config_files,omitempty"`
	// Socket: the HTTP inspect endpoints CRI-O serves next to CRI on its
	// socket (what `crio status config|info|containers` print).
	Socket Socket `json:"socket"`
}

// Socket is what CRI-O's inspect endpoints answered.
type Socket struct {
	Path    string `json:"path"`
	Answers bool   `json:"answers"`
	// Calls are the requests made, in order.
	Calls []Call `json:"calls,omitempty"`
	// Info is GET /info (`crio status info`).
	Info *Info `json:"info,omitempty"`
	// ConfigFile is the bundle name of GET /config (`crio status config`), redacted TOML.
	ConfigFile string `json:"config_file,omitempty"`
	// Containers is GET /containers/ID for each container in storage, at most a bound.
	Containers []ContainerInfo `json:"containers,omitempty"`
	// ContainersTruncated says the bound cut the list.
	ContainersTruncated bool `json:"containers_truncated,omitempty"`
}

// Call is one HTTP request to the socket.
type Call struct {
	Path       string `json:"path"`
	Status     int    `json:"status,omitempty"`
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
}

// Info is CRI-O's types.CrioInfo (cri-o v1.34.0 pkg/types).
type Info struct {
	StorageDriver string `json:"storage_driver"`
	StorageImage  string `json:"storage_image"`
	StorageRoot   string `json:"storage_root"`
	CgroupDriver  string `json:"cgroup_driver"`
}

// ContainerInfo is CRI-O's types.ContainerInfo (GET /containers/ID), less
// nothing: annotations and labels go through the JSON redactor.
type ContainerInfo struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	Pid             int               `json:"pid"`
	Image           string            `json:"image"`
	ImageRef        string            `json:"image_ref"`
	CreatedTime     int64             `json:"created_time"`
	Labels          map[string]string `json:"labels,omitempty"`
	Annotations     map[string]string `json:"annotations,omitempty"`
	CrioAnnotations map[string]string `json:"crio_annotations,omitempty"`
	LogPath         string            `json:"log_path"`
	Root            string            `json:"root"`
	Sandbox         string            `json:"sandbox"`
	IPs             []string          `json:"ip_addresses,omitempty"`
}

// Storage is crio/storage.json: the containers/storage state files of each
// CRI-O's root and runroot, copied (bounded) under crio/<dir>/storage/.
type Storage struct {
	Files []StorageFile `json:"files"`
}

// StorageFile is one containers/storage JSON file.
type StorageFile struct {
	Path      string `json:"path"`
	File      string `json:"file,omitempty"` // bundle name, when copied
	SizeBytes int64  `json:"size_bytes"`
	Entries   int    `json:"entries"`
	Truncated bool   `json:"truncated,omitempty"`
	Error     string `json:"error,omitempty"`
}

// Conmons is crio/conmon.json: the conmon processes (one per container).
type Conmons struct {
	Conmons []Conmon `json:"conmons"`
}

// Conmon is one conmon process.
type Conmon struct {
	PID         int    `json:"pid"`
	PPID        int    `json:"ppid"`
	State       string `json:"state"`
	ContainerID string `json:"container_id,omitempty"` // its -c/--cid
	// Runtime is the OCI runtime it drives (-r), RuntimeRoot its --runtime-arg --root.
	Runtime     string   `json:"runtime,omitempty"`
	ExitDir     string   `json:"exit_dir,omitempty"`
	LogPath     string   `json:"log_path,omitempty"`
	CommandLine []string `json:"command_line"`
	// Cgroups is /proc/PID/cgroup, one line each.
	Cgroups []string `json:"cgroups,omitempty"`
}

// Namespaces is crio/namespaces.json: the namespaces pinns pinned under each
// CRI-O's namespaces_dir (netns, ipcns, utsns, userns, pidns).
type Namespaces struct {
	Dirs       []string    `json:"dirs"`
	Namespaces []Namespace `json:"namespaces"`
	Truncated  bool        `json:"truncated,omitempty"`
}

// Namespace is one pinned namespace file.
type Namespace struct {
	Type string `json:"type"` // net, ipc, uts, user, pid
	Path string `json:"path"`
	// Inode is the namespace's inode when the file is a live bind mount (it
	// equals /proc/PID/ns/TYPE's of the processes inside); Mounted false
	// means a leftover file whose namespace is gone.
	Inode   uint64 `json:"inode,omitempty"`
	Mounted bool   `json:"mounted"`
}

// Runc is crio/runc.json: the runtime states under CRI-O's runtime roots, with
// the liveness of each init process (the runc source's check).
type Runc struct {
	Roots  []runcstate.Root  `json:"roots"`
	States []runcstate.State `json:"states"`
}

// Cgroups is crio/cgroups.json: the cgroup of each container under CRI-O's
// runtime roots, read by the cgroup source's reader (freeze state, memory
// and OOM events, pids, CPU): whole even when the node-wide cgroup list was
// cut at --max-containers.
type Cgroups []cgschema.Container
