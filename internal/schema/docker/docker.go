// Package docker holds the types of the files the "docker" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
//
// version.json, info.json, containers.json, inspect.json (a list), images.json
// and df.json are the Engine API's own JSON; events.json is the list of event
// objects the /events stream returned for the window. calls.json is []Call.
// They are under docker/ for the first daemon read and docker/<slug>/ for
// each further one; endpoints.json ([]Endpoint) says which socket is where.
package docker

// Endpoint is one Docker daemon read (endpoints.json).
type Endpoint struct {
	// Path is the socket's path.
	Path string `json:"path"`
	// Dir is the bundle directory holding its files: "docker" or "docker/<slug>".
	Dir string `json:"dir"`
	// Error says why the daemon could not be read (its calls.json has each call).
	Error string `json:"error,omitempty"`
}

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
