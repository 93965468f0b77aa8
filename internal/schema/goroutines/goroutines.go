// Package goroutines holds the types of the files the "goroutines" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package goroutines

import (
	"time"
)

// Dump is one entry of goroutines/dumps.json.
type Dump struct {
	PID         int       `json:"pid"`
	Role        string    `json:"role"`
	SignalledAt time.Time `json:"signalled_at"`
	File        string    `json:"file,omitempty"`
	Stored      string    `json:"stored,omitempty"`
	Bytes       int       `json:"bytes"`
	Error       string    `json:"error,omitempty"`
}
