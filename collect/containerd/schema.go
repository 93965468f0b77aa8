package containerd

import schema "github.com/rtsnap/rtsnap/internal/schema/containerd"

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
