// Package docker holds the types of the files the "docker" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
//
// version.json, info.json, containers.json, inspect.json (a list), images.json
// and df.json are the Engine API's own JSON; events.json is the list of event
// objects the /events stream returned for the window. calls.json is []Call.
package docker

// Call is one API request's outcome (calls.json).
type Call struct {
	// Path is the request path, with the negotiated /v<api> prefix.
	Path       string `json:"path"`
	DurationMS int64  `json:"duration_ms"`
	Status     int    `json:"status,omitempty"`
	// Code classifies the outcome: OK, DeadlineExceeded, Canceled,
	// Unavailable (no connection), NotFound, HTTPError, TooLarge, Unknown.
	Code  string `json:"code,omitempty"`
	Error string `json:"error,omitempty"`
}

// Call codes.
const (
	CodeOK               = "OK"
	CodeDeadlineExceeded = "DeadlineExceeded"
	CodeCanceled         = "Canceled"
	CodeUnavailable      = "Unavailable"
	CodeNotFound         = "NotFound"
	CodeHTTPError        = "HTTPError"
	CodeTooLarge         = "TooLarge"
	CodeUnknown          = "Unknown"
)
