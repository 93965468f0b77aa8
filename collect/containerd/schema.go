package containerd

import (
	"time"

	schema "github.com/rtsnap/rtsnap/internal/schema/containerd"
)

// The file types live in internal/schema/containerd so the analyzer can read them
// without importing the collector.
type (
	Call        = schema.Call
	Server      = schema.Server
	Deprecation = schema.Deprecation
	Plugin      = schema.Plugin
	Namespace   = schema.Namespace
	Container   = schema.Container
	Task        = schema.Task
	Tasks       = schema.Tasks
	MissingTask = schema.MissingTask
	Image       = schema.Image
	Content     = schema.Content
	Ingest      = schema.Ingest
	Snapshot    = schema.Snapshot
	Snapshots   = schema.Snapshots
	Lease       = schema.Lease
)

// The types below are newer than the move to internal/schema/containerd and
// belong there too (stdlib only, so the move is a cut and paste).

// Sandboxes is <ns>/sandboxes.json: containerd's sandbox store (1.7 and
// later; CRI pods live there from 2.0). On 1.6 the service does not exist:
// Code is "Unimplemented" and the list is empty, which is not a failure.
type Sandboxes struct {
	Sandboxes []Sandbox `json:"sandboxes"`
	Truncated bool      `json:"truncated,omitempty"`
	Code      string    `json:"code"`
	Error     string    `json:"error,omitempty"`
}

// Sandbox is one entry of <ns>/sandboxes.json (the spec is left out: for CRI
// sandboxes it repeats the pause container's spec in containers.json).
type Sandbox struct {
	ID        string            `json:"id"`
	Sandboxer string            `json:"sandboxer,omitempty"`
	Runtime   string            `json:"runtime"`
	Labels    map[string]string `json:"labels,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Events is events.json. containerd keeps no event history: the only way to
// see events is a live subscription, which a snapshot does not open.
type Events struct {
	Kept   bool   `json:"kept"`
	Reason string `json:"reason"`
}
