// Package docker holds the types of the files the "docker" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package docker

// Call is one API request's outcome (calls.json).
type Call struct {
	Path       string `json:"path"`
	DurationMS int64  `json:"duration_ms"`
	Status     int    `json:"status,omitempty"`
	Error      string `json:"error,omitempty"`
}
