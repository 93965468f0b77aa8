// Package bundle owns the archive format both binaries share: the manifest
// schema, the writer the collector uses and the streaming reader the analyzer
// uses on untrusted input. It imports nothing else of rtsnap's.
package bundle

import "time"

// FormatVersion is the manifest schema version. Additive fields keep it;
// a change that breaks readers bumps it (docs/bundle-format.md).
const FormatVersion = 1

// ManifestPath is the archive's first entry.
const ManifestPath = "manifest.json"

// Source status values.
const (
	StatusOK      = "ok"
	StatusPartial = "partial"
	StatusTimeout = "timeout"
	StatusError   = "error"
	StatusSkipped = "skipped"
)

// Manifest says what a bundle holds, how it was made and what is missing.
type Manifest struct {
	FormatVersion   int               `json:"format_version"`
	Collector       CollectorInfo     `json:"collector"`
	Host            HostInfo          `json:"host"`
	StartedAt       time.Time         `json:"started_at"`
	FinishedAt      time.Time         `json:"finished_at"`
	CaseID          string            `json:"case_id,omitempty"`
	Note            string            `json:"note,omitempty"`
	Operator        string            `json:"operator,omitempty"`
	CommandLine     []string          `json:"command_line"`
	Options         map[string]string `json:"options"`
	ActiveActions   []string          `json:"active_actions,omitempty"`
	Unredacted      bool              `json:"unredacted"`
	Redaction       RedactionInfo     `json:"redaction"`
	Sources         []SourceStatus    `json:"sources"`
	Files           []FileEntry       `json:"files"`
	Truncated       bool              `json:"truncated"`
	TruncatedReason string            `json:"truncated_reason,omitempty"`
	// Interrupted: the operator stopped the collection (first SIGINT or
	// SIGTERM); the bundle holds what was collected until then.
	Interrupted       bool        `json:"interrupted,omitempty"`
	InterruptedReason string      `json:"interrupted_reason,omitempty"`
	PeakRSSBytes      int64       `json:"peak_rss_bytes"`
	Export            *ExportInfo `json:"export,omitempty"`
	// Pressure is what the collector's adaptive limit on calls in flight
	// did against each runtime it called.
	Pressure []RuntimePressure `json:"pressure,omitempty"`
	// CollectorStalls is how long the collector was kept from running while
	// it collected (a saturated node's run queue): timeouts in a bundle whose
	// collector was starved are the load's as much as the runtimes'.
	CollectorStalls *StallInfo `json:"collector_stalls,omitempty"`
}

// StallInfo is what the collector's stall clock measured over a run: it asks
// to wake every TickMS and adds up how late it woke.
type StallInfo struct {
	TickMS    int64 `json:"tick_ms"`
	RunMS     int64 `json:"run_ms"`
	StalledMS int64 `json:"stalled_ms"`
	LongestMS int64 `json:"longest_ms"`
}

// Starved reports whether the collector was kept from running for most of
// its run: at least half of it and two seconds in all. A collector busy on
// two cores of its own work stays under it (its goroutines wait for each
// other a few milliseconds at a time: 29 % of a run at a load of 7 here); one
// held to a sliver of a CPU by a saturated node or a CPU limit does not (77 %
// in a cgroup held to 5 % of a CPU).
func (s *StallInfo) Starved() bool {
	return s != nil && s.StalledMS >= 2000 && s.StalledMS*2 >= s.RunMS
}

// RuntimePressure is one runtime's calls-in-flight limit over a collection:
// its bounds, where it ended, the call latency it acted on (a short moving
// average against a baseline) and every change.
type RuntimePressure struct {
	Runtime        string        `json:"runtime"`
	MaxCalls       int           `json:"max_calls"`
	FinalCalls     int           `json:"final_calls"`
	MinCalls       int           `json:"min_calls"`
	Calls          int           `json:"calls"`
	LatencyMS      float64       `json:"latency_ms"`
	BaselineMS     float64       `json:"baseline_ms"`
	MaxLatencyMS   float64       `json:"max_latency_ms"`
	Changes        []LimitChange `json:"changes,omitempty"`
	ChangesLeftOut int           `json:"changes_left_out,omitempty"`
}

// LimitChange is one move of a runtime's limit, AtMS after the run started.
type LimitChange struct {
	AtMS       int64   `json:"at_ms"`
	From       int     `json:"from"`
	To         int     `json:"to"`
	LatencyMS  float64 `json:"latency_ms"`
	BaselineMS float64 `json:"baseline_ms"`
}

// CollectorInfo names the exact code that made the bundle.
type CollectorInfo struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
}

// HostInfo identifies the node. The machine id is hashed: it is a stable
// identifier some consider sensitive.
type HostInfo struct {
	Hostname        string `json:"hostname"`
	BootID          string `json:"boot_id"`
	MachineIDSHA256 string `json:"machine_id_sha256,omitempty"`
	Kernel          string `json:"kernel"`
	CgroupMode      string `json:"cgroup_mode,omitempty"`
}

// RedactionInfo summarises what the redactor did; per-file detail is in
// redaction-report.json.
type RedactionInfo struct {
	RuleSetVersion          string         `json:"rule_set_version"`
	Pseudonymized           bool           `json:"pseudonymized"`
	PseudonymKeyFingerprint string         `json:"pseudonym_key_fingerprint,omitempty"`
	Total                   int            `json:"total"`
	ByRule                  map[string]int `json:"by_rule,omitempty"`
}

// SourceStatus is one source's outcome.
type SourceStatus struct {
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	Bytes      int64     `json:"bytes"`
	Files      int       `json:"files"`
}

// FileEntry is one data file: the reader checks size and hash against it.
type FileEntry struct {
	Path       string `json:"path"`
	Source     string `json:"source"`
	Kind       string `json:"kind,omitempty"`
	Size       int64  `json:"size"`
	SHA256     string `json:"sha256"`
	Truncated  bool   `json:"truncated,omitempty"`
	Redactions int    `json:"redactions"`
}

// ExportInfo is filled when a bundle is encrypted or signed on the way out.
// The manifest is inside the (encrypted) archive; the custody record readable
// without decrypting is the signed trusted comment of the .minisig
// (docs/export.md).
type ExportInfo struct {
	// Encryption is "age" when the archive was encrypted on the way out.
	Encryption string `json:"encryption,omitempty"`
	// Recipients are the encryption recipients' fingerprints: an age X25519
	// recipient is its own public string (age1...).
	Recipients []string `json:"recipients,omitempty"`
	// Signature is "minisign" when a detached <archive>.minisig was made.
	Signature string `json:"signature,omitempty"`
	// SignatureKeyID is the minisign key id (16 upper-case hex digits).
	SignatureKeyID string `json:"signature_key_id,omitempty"`
}
