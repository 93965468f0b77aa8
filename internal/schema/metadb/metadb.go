// Package metadb holds the types of the files the "metadb" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package metadb

import (
	"time"
)

// Check is metadb/<pid>.json.
type Check struct {
	DaemonPID  int                  `json:"daemon_pid,omitempty"`
	Path       string               `json:"path"`
	SizeBytes  int64                `json:"size_bytes"`
	ModTime    time.Time            `json:"mod_time"`
	Copies     int                  `json:"copies"`
	OK         bool                 `json:"ok"`
	TxID       int                  `json:"tx_id,omitempty"`
	PageSize   int                  `json:"page_size,omitempty"`
	FreePages  int                  `json:"free_pages"`
	Pending    int                  `json:"pending_pages"`
	Namespaces map[string]*NSCounts `json:"namespaces,omitempty"`
	Buckets    map[string]BucketUse `json:"buckets,omitempty"`
	Errors     []string             `json:"errors,omitempty"`
}

// NSCounts are the objects one namespace holds in the DB.
type NSCounts struct {
	Containers int            `json:"containers"`
	Images     int            `json:"images"`
	Leases     int            `json:"leases"`
	Content    int            `json:"content_blobs"`
	Ingests    int            `json:"ingests"`
	Snapshots  map[string]int `json:"snapshots,omitempty"`
	Sandboxes  int            `json:"sandboxes,omitempty"`
}

// BucketUse is bbolt's page use of a top-level bucket.
type BucketUse struct {
	Keys       int `json:"keys"`
	Depth      int `json:"depth"`
	LeafPages  int `json:"leaf_pages"`
	BranchPage int `json:"branch_pages"`
	InUseBytes int `json:"leaf_in_use_bytes"`
}
