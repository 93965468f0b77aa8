// Package cri holds the types of the files the "cri" source writes,
// shared by the collector and the analyzer (stdlib and protocol types only).
package cri

import (
	"encoding/json"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// The files of the cri source, under cri/<endpoint-slug>/. CRI messages are
// stored with encoding/json on the k8s.io/cri-api Go types (enums as numbers,
// timestamps as Unix nanoseconds), so the analyzer decodes them with the same
// types. Verbose info values, JSON inside strings on the wire, are stored as
// JSON so the redactor sees their structure.

// Call is one RPC's outcome (calls.json): method, duration and gRPC code.
type Call struct {
	Method     string `json:"method"`
	DurationMS int64  `json:"duration_ms"`
	Code       string `json:"code"`
	Error      string `json:"error,omitempty"`
}

// VersionRecord is version.json; Error is set when the endpoint did not answer.
type VersionRecord struct {
	Endpoint string                  `json:"endpoint"`
	Version  *criapi.VersionResponse `json:"version,omitempty"`
	Code     string                  `json:"code,omitempty"`
	Error    string                  `json:"error,omitempty"`
}

// StatusRecord is status.json.
type StatusRecord struct {
	Status *criapi.RuntimeStatus      `json:"status"`
	Info   map[string]json.RawMessage `json:"info,omitempty"`
	// RuntimeHandlers and Features are what `crictl info` prints beside
	// the status (containerd 2.x sends them; 1.6.20 and 1.7.35 do not).
	RuntimeHandlers []*criapi.RuntimeHandler `json:"runtime_handlers,omitempty"`
	Features        *criapi.RuntimeFeatures  `json:"features,omitempty"`
}

// RuntimeConfigRecord is runtime_config.json; Code is Unimplemented on daemons without the call.
type RuntimeConfigRecord struct {
	Config *criapi.RuntimeConfigResponse `json:"config,omitempty"`
	Code   string                        `json:"code"`
}

// PodList is pods.json.
type PodList struct {
	Pods      []*PodRecord `json:"pods"`
	Filtered  int          `json:"filtered_out,omitempty"`
	Truncated bool         `json:"truncated,omitempty"`
	Error     string       `json:"error,omitempty"`
	// InfoOmitted says which sandboxes' status was asked without verbose
	// info, and why (their records have a status and no info).
	InfoOmitted string `json:"info_omitted,omitempty"`
}

// PodRecord is one pod sandbox with its status, verbose unless the list's
// InfoOmitted says otherwise.
type PodRecord struct {
	Pod    *criapi.PodSandbox         `json:"pod"`
	Status *criapi.PodSandboxStatus   `json:"status,omitempty"`
	Info   map[string]json.RawMessage `json:"info,omitempty"`
	Error  string                     `json:"error,omitempty"`
}

// ContainerList is containers.json.
type ContainerList struct {
	Containers []*ContainerRecord `json:"containers"`
	Filtered   int                `json:"filtered_out,omitempty"`
	Truncated  bool               `json:"truncated,omitempty"`
	Error      string             `json:"error,omitempty"`
	// InfoOmitted says which containers' status was asked without verbose
	// info, and why (their records have a status and no info).
	InfoOmitted string `json:"info_omitted,omitempty"`
	// StatusOmitted says which containers' status was not asked, and why
	// (their records have StatusOmitted set, and no status).
	StatusOmitted string `json:"status_omitted,omitempty"`
}

// ContainerRecord is one container with its status, verbose unless the
// list's InfoOmitted says otherwise.
type ContainerRecord struct {
	Container *criapi.Container          `json:"container"`
	Status    *criapi.ContainerStatus    `json:"status,omitempty"`
	Info      map[string]json.RawMessage `json:"info,omitempty"`
	Error     string                     `json:"error,omitempty"`
	// StatusOmitted: the status was not asked (a running container on a
	// node of more containers than the collector asks about; the list's
	// StatusOmitted says why). Its list entry is all the record holds.
	StatusOmitted bool `json:"status_omitted,omitempty"`
}

// ImageList is images.json.
type ImageList struct {
	Images        []*ImageRecord `json:"images"`
	StatusSkipped int            `json:"status_skipped,omitempty"`
	Error         string         `json:"error,omitempty"`
}

// ImageRecord is one image with its verbose info.
type ImageRecord struct {
	Image *criapi.Image              `json:"image"`
	Info  map[string]json.RawMessage `json:"info,omitempty"`
	Error string                     `json:"error,omitempty"`
}
