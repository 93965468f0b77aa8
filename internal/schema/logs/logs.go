// Package logs holds the types of the files the "logs" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package logs

import (
	"time"
)

// File is one entry of logs/index.json.
type File struct {
	Kind      string    `json:"kind"` // cri, docker, shim
	Path      string    `json:"path"`
	Stored    string    `json:"stored,omitempty"`
	Namespace string    `json:"namespace,omitempty"`
	Pod       string    `json:"pod,omitempty"`
	PodUID    string    `json:"pod_uid,omitempty"`
	Container string    `json:"container,omitempty"`
	SizeBytes int64     `json:"size_bytes"`
	KeptBytes int       `json:"kept_bytes"`
	Lines     int       `json:"lines"`
	Truncated bool      `json:"truncated"`
	ModTime   time.Time `json:"mod_time"`
	// First and Last are the timestamps of the first and last kept lines
	// (absent when nothing was kept or the lines carry none).
	First *time.Time `json:"first,omitempty"`
	Last  *time.Time `json:"last,omitempty"`
	Error string     `json:"error,omitempty"`
}

// Index is logs/index.json.
type Index struct {
	Files []File `json:"files"`
	// Skipped counts log files of containers left out by --max-containers.
	Skipped int `json:"skipped_by_max_containers,omitempty"`
}
