// Package containerd holds the types of the files the "containerd" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package containerd

import (
	"encoding/json"
	"time"
)

// Files of the containerd source, under containerd/<endpoint-slug>/ and
// containerd/<endpoint-slug>/<namespace>/.

// Call is one API call's outcome (calls.json).
type Call struct {
	Method     string `json:"method"`
	Namespace  string `json:"namespace,omitempty"`
	DurationMS int64  `json:"duration_ms"`
	Code       string `json:"code"`
	Error      string `json:"error,omitempty"`
}

// Server is server.json: version, introspection and deprecations.
type Server struct {
	Endpoint     string        `json:"endpoint"`
	Version      string        `json:"version,omitempty"`
	Revision     string        `json:"revision,omitempty"`
	UUID         string        `json:"uuid,omitempty"`
	PID          uint64        `json:"pid,omitempty"`
	PIDNamespace uint64        `json:"pid_namespace,omitempty"`
	Deprecations []Deprecation `json:"deprecations,omitempty"`
	Code         string        `json:"code,omitempty"`
	Error        string        `json:"error,omitempty"`
}

// Deprecation is a deprecated feature the daemon saw in use.
type Deprecation struct {
	ID       string    `json:"id"`
	Message  string    `json:"message"`
	LastOccu time.Time `json:"last_occurrence"`
}

// Plugin is one entry of plugins.json; InitError is set when it failed to load.
type Plugin struct {
	Type      string   `json:"type"`
	ID        string   `json:"id"`
	Requires  []string `json:"requires,omitempty"`
	Platforms []string `json:"platforms,omitempty"`
	InitError string   `json:"init_error,omitempty"`
}

// Namespace is one entry of namespaces.json.
type Namespace struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

// Container is one entry of <ns>/containers.json.
type Container struct {
	ID          string            `json:"id"`
	Image       string            `json:"image"`
	Runtime     string            `json:"runtime"`
	Snapshotter string            `json:"snapshotter"`
	SnapshotKey string            `json:"snapshot_key"`
	SandboxID   string            `json:"sandbox_id,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	// Spec is the OCI runtime spec as stored (env included: the redactor
	// scrubs it structurally).
	Spec json.RawMessage `json:"spec,omitempty"`
}

// Task is one entry of <ns>/tasks.json.
type Task struct {
	ID         string    `json:"id"`
	PID        uint32    `json:"pid"`
	Status     string    `json:"status"`
	ExitStatus uint32    `json:"exit_status,omitempty"`
	ExitedAt   time.Time `json:"exited_at,omitempty"`
	// From is empty when containerd answered (its task list or a direct
	// Get), else where the entry comes from without asking the shim:
	// TaskFromRuncState or TaskFromSameShim (Tasks.Query says why).
	From string `json:"from,omitempty"`
}

// Where a task entry comes from when its shim was not asked (Task.From).
const (
	// TaskFromRuncState: RUNNING with the init pid, from the runc state
	// file and /proc: the init is alive, it is the pid runc started, its
	// parent is a live shim of this containerd, its cgroup is not frozen and
	// it is not waiting to be started.
	TaskFromRuncState = "runc-state"
	// TaskFromSameShim: UNKNOWN, because the shim process serving it did not
	// answer for another of its containers (Tasks.Query.Unanswered).
	TaskFromSameShim = "same-shim"
)

// Tasks is <ns>/tasks.json: the task list, and the containers missing from
// it with what a direct Get said (the list drops tasks whose shim does not
// answer; NotFound there means simply no task).
type Tasks struct {
	Tasks       []Task        `json:"tasks"`
	WithoutTask []MissingTask `json:"containers_without_task,omitempty"`
	Error       string        `json:"error,omitempty"`
	// Query is set when containerd's task list was not asked (it asks
	// every shim in turn): which tasks were asked directly, and why.
	Query *TaskQuery `json:"query,omitempty"`
}

// TaskQuery says how tasks.json was made without containerd's task list.
type TaskQuery struct {
	Reason string `json:"reason"`
	// Containers is the namespace's containers; Shims the shim processes
	// serving those whose task was taken from the runc state, ShimsAsked
	// the sample of them asked directly (one container each).
	Containers int `json:"containers"`
	Shims      int `json:"shims"`
	ShimsAsked int `json:"shims_asked"`
	// Gets is the direct Tasks.Get calls: the sample, and every container
	// the runc state and /proc do not vouch for (AskedWhy counts the reasons).
	Gets     int            `json:"gets"`
	AskedWhy map[string]int `json:"asked_why,omitempty"`
	// FromRuncState and FromSameShim count the entries of each Task.From.
	FromRuncState int `json:"from_runc_state"`
	FromSameShim  int `json:"from_same_shim,omitempty"`
	// Unanswered names the shims (pid, and the container asked) that did
	// not answer.
	Unanswered []string `json:"unanswered,omitempty"`
}

// MissingTask is a container absent from the task list.
type MissingTask struct {
	ContainerID string `json:"container_id"`
	GetCode     string `json:"get_code"`
	GetError    string `json:"get_error,omitempty"`
	// Status is what Get returned when it did find a task.
	Status string `json:"status,omitempty"`
	PID    uint32 `json:"pid,omitempty"`
}

// Image is one entry of <ns>/images.json.
type Image struct {
	Name         string            `json:"name"`
	Digest       string            `json:"digest"`
	MediaType    string            `json:"media_type"`
	Size         int64             `json:"size"`
	Labels       map[string]string `json:"labels,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	LayerDigests []string          `json:"layer_digests,omitempty"`
	// PlatformSize is the image's size for the host platform (index,
	// manifest, config and layers, as `ctr images ls` counts it) and
	// Platforms the platforms its index lists; both read with the manifest.
	PlatformSize int64    `json:"platform_size,omitempty"`
	Platforms    []string `json:"platforms,omitempty"`
	ManifestErr  string   `json:"manifest_error,omitempty"`
}

// Content is <ns>/content.json: blob count and size, ingests in progress.
type Content struct {
	Blobs      int      `json:"blobs"`
	TotalBytes int64    `json:"total_bytes"`
	Ingests    []Ingest `json:"ingests,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// Ingest is a content write in progress (or abandoned).
type Ingest struct {
	Ref       string    `json:"ref"`
	Offset    int64     `json:"offset"`
	Total     int64     `json:"total"`
	StartedAt time.Time `json:"started_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Snapshot is one entry of <ns>/snapshots.json.
type Snapshot struct {
	Snapshotter string            `json:"snapshotter"`
	Key         string            `json:"key"`
	Parent      string            `json:"parent,omitempty"`
	Kind        string            `json:"kind"`
	Labels      map[string]string `json:"labels,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
}

// Snapshots is <ns>/snapshots.json.
type Snapshots struct {
	Snapshots []Snapshot        `json:"snapshots"`
	Truncated bool              `json:"truncated,omitempty"`
	Errors    map[string]string `json:"errors,omitempty"`
}

// Lease is one entry of <ns>/leases.json.
type Lease struct {
	ID        string            `json:"id"`
	CreatedAt time.Time         `json:"created_at"`
	Labels    map[string]string `json:"labels,omitempty"`
	Resources []string          `json:"resources,omitempty"`
}
