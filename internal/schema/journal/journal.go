// Package journal holds the types of the files the "journal" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package journal

import (
	"time"
)

// Entry is one line of journal/<unit>.jsonl.
type Entry struct {
	Time          time.Time `json:"time"`
	RealtimeUsec  uint64    `json:"realtime_usec"`
	MonotonicUsec uint64    `json:"monotonic_usec,omitempty"`
	BootID        string    `json:"boot_id,omitempty"`
	Unit          string    `json:"unit,omitempty"`
	Identifier    string    `json:"identifier,omitempty"`
	PID           string    `json:"pid,omitempty"`
	Priority      string    `json:"priority,omitempty"`
	Message       string    `json:"message"`
	Cursor        string    `json:"cursor,omitempty"`
	Journal       string    `json:"journal"`
}

// Meta is journal/meta.json: how the journal was read and what came of it.
type Meta struct {
	// Method is how the journals were read: sdjournal, journalctl, both
	// ("sdjournal+journalctl", one per journal) or none.
	Method   string             `json:"method"`
	Journals []string           `json:"journals"`
	Readers  []Reader           `json:"readers,omitempty"`
	Since    time.Time          `json:"since"`
	Streams  map[string]*Stream `json:"streams"`
	Errors   []string           `json:"errors,omitempty"`
	Files    []DaemonLog        `json:"daemon_log_files,omitempty"`
}

// Reader says how one journal was read, and why not when it could not be.
type Reader struct {
	Journal string `json:"journal"` // "system" or the directory
	Method  string `json:"method"`  // sdjournal, journalctl or none
	Error   string `json:"error,omitempty"`
}

// Stream summarises one unit's entries.
type Stream struct {
	Entries    int       `json:"entries"`
	First      time.Time `json:"first,omitempty"`
	Last       time.Time `json:"last,omitempty"`
	LastCursor string    `json:"last_cursor,omitempty"`
	Truncated  bool      `json:"truncated,omitempty"`
}

// DaemonLog is one daemon log file tailed into journal/files/.
type DaemonLog struct {
	Path      string `json:"path"`
	PIDs      []int  `json:"pids,omitempty"`
	Role      string `json:"role,omitempty"`
	SizeBytes int64  `json:"size_bytes"`
	KeptBytes int    `json:"kept_bytes"`
	Truncated bool   `json:"truncated"`
	File      string `json:"file"`
	Error     string `json:"error,omitempty"`
}
