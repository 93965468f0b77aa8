// Package render turns analyses into text for terminals, JSON documents with
// versioned schemas, Markdown for tickets and one self-contained HTML report.
// Everything read from a bundle is untrusted: text output strips control
// characters, Markdown escapes markup, HTML goes through html/template.
package render

import (
	"time"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/timeline"
	"github.com/rtsnap/rtsnap/bundle"
)

// Schema ids of the JSON documents. A field is only ever added within a
// version; removing or changing one bumps it (docs/analyzer.md).
const (
	SchemaVerify   = "rtsnap-analyze/verify/v1"
	SchemaInspect  = "rtsnap-analyze/inspect/v1"
	SchemaFindings = "rtsnap-analyze/findings/v1"
	SchemaTimeline = "rtsnap-analyze/timeline/v1"
	SchemaDiff     = "rtsnap-analyze/diff/v1"
	SchemaReport   = "rtsnap-analyze/report/v1"
)

// VerifyDoc is `verify --json`.
type VerifyDoc struct {
	Schema   string           `json:"schema"`
	Bundle   string           `json:"bundle"`
	OK       bool             `json:"ok"`
	Files    int              `json:"files"`
	Bytes    int64            `json:"bytes"`
	Problems []bundle.Problem `json:"problems"`
}

// NewVerifyDoc wraps a verify report.
func NewVerifyDoc(path string, r *bundle.VerifyReport) VerifyDoc {
	d := VerifyDoc{Schema: SchemaVerify, Bundle: path, OK: r.OK(), Files: r.Files, Bytes: r.Bytes, Problems: r.Problems}
	if d.Problems == nil {
		d.Problems = []bundle.Problem{}
	}
	return d
}

// InspectDoc is `inspect --json`: the one-screen summary.
type InspectDoc struct {
	Schema          string                `json:"schema"`
	Bundle          string                `json:"bundle"`
	FormatVersion   int                   `json:"format_version"`
	Node            bundle.HostInfo       `json:"node"`
	Collector       bundle.CollectorInfo  `json:"collector"`
	StartedAt       time.Time             `json:"started_at"`
	FinishedAt      time.Time             `json:"finished_at"`
	DurationMS      int64                 `json:"duration_ms"`
	CaseID          string                `json:"case_id,omitempty"`
	Note            string                `json:"note,omitempty"`
	Operator        string                `json:"operator,omitempty"`
	Unredacted      bool                  `json:"unredacted"`
	Truncated       bool                  `json:"truncated"`
	TruncatedReason string                `json:"truncated_reason,omitempty"`
	Files           int                   `json:"files"`
	Bytes           int64                 `json:"bytes"`
	Sources         []bundle.SourceStatus `json:"sources"`
	Redaction       bundle.RedactionInfo  `json:"redaction"`
	ParseErrors     int                   `json:"parse_errors"`
	// CollectorStalls is how long the collector was kept from running
	// (the manifest's collector_stalls).
	CollectorStalls *bundle.StallInfo `json:"collector_stalls,omitempty"`
	// OverLimits is what the analyzer's memory limit left out (facts.Node.Cuts).
	OverLimits     []facts.Cut       `json:"over_limits,omitempty"`
	OverLimitsMore int               `json:"over_limits_more,omitempty"`
	FindingCounts  map[string]int    `json:"finding_counts"`
	TopFindings    []finding.Finding `json:"top_findings"`
	ExitCode       int               `json:"exit_code"`
	// Runtimes is every runtime in the bundle with its pods and containers
	// by state and namespace.
	Runtimes []facts.Runtime `json:"runtimes"`
	// DockerPodContainers are Docker containers of pods joined to their CRI
	// pods, at most MaxInspectDockerPods (DockerPodContainersMore the rest).
	DockerPodContainers     []facts.DockerPodContainer `json:"docker_pod_containers"`
	DockerPodContainersMore int                        `json:"docker_pod_containers_more,omitempty"`
}

// MaxInspectDockerPods bounds the Docker containers of pods inspect lists.
const MaxInspectDockerPods = 200

// TopFindings is how many findings inspect shows.
const TopFindings = 5

// NewInspectDoc summarises an analysis.
func NewInspectDoc(a *analyze.Analysis) InspectDoc {
	m := a.Node.Manifest
	d := InspectDoc{Schema: SchemaInspect, Bundle: a.Path, FormatVersion: m.FormatVersion, Node: m.Host, Collector: m.Collector,
		StartedAt: m.StartedAt, FinishedAt: m.FinishedAt, CaseID: m.CaseID, Note: m.Note, Operator: m.Operator,
		Unredacted: m.Unredacted, Truncated: m.Truncated, TruncatedReason: m.TruncatedReason, Files: len(m.Files),
		Sources: m.Sources, Redaction: m.Redaction, ParseErrors: len(a.Node.ParseErrors), CollectorStalls: m.CollectorStalls, OverLimits: a.Node.Cuts, OverLimitsMore: a.Node.CutsMore,
		FindingCounts: finding.Counts(a.Findings), TopFindings: a.Findings[:min(len(a.Findings), TopFindings)], ExitCode: analyze.ExitFor(a.Findings)}
	if !m.StartedAt.IsZero() && m.FinishedAt.After(m.StartedAt) {
		d.DurationMS = m.FinishedAt.Sub(m.StartedAt).Milliseconds()
	}
	for _, f := range m.Files {
		d.Bytes += f.Size
	}
	if d.Sources == nil {
		d.Sources = []bundle.SourceStatus{}
	}
	if d.TopFindings == nil {
		d.TopFindings = []finding.Finding{}
	}
	d.Runtimes = a.Node.Runtimes()
	dp := a.Node.DockerPodContainers()
	d.DockerPodContainers = dp[:min(len(dp), MaxInspectDockerPods)]
	d.DockerPodContainersMore = len(dp) - len(d.DockerPodContainers)
	if d.DockerPodContainers == nil {
		d.DockerPodContainers = []facts.DockerPodContainer{}
	}
	return d
}

// BundleFindings is one bundle's entry in `findings --json`.
type BundleFindings struct {
	Bundle   string            `json:"bundle"`
	Node     string            `json:"node,omitempty"`
	Error    string            `json:"error,omitempty"`
	ExitCode int               `json:"exit_code"`
	Counts   map[string]int    `json:"counts"`
	Findings []finding.Finding `json:"findings"`
}

// NewBundleFindings wraps one analysis (or the error that stopped it).
func NewBundleFindings(path string, a *analyze.Analysis, err error) BundleFindings {
	if err != nil {
		return BundleFindings{Bundle: path, Error: err.Error(), ExitCode: analyze.ExitUnreadable, Counts: map[string]int{}, Findings: []finding.Finding{}}
	}
	fs := a.Findings
	if fs == nil {
		fs = []finding.Finding{}
	}
	return BundleFindings{Bundle: path, Node: a.Node.Hostname(), ExitCode: analyze.ExitFor(a.Findings), Counts: finding.Counts(a.Findings), Findings: fs}
}

// TimelineDoc is `timeline --json`.
type TimelineDoc struct {
	Schema    string          `json:"schema"`
	Bundle    string          `json:"bundle"`
	Node      string          `json:"node"`
	Filter    timeline.Filter `json:"filter"`
	Truncated bool            `json:"truncated"`
	// Dropped counts events past the cap; OverLimits the parts of the bundle
	// (log ranges, files) the memory limit kept out of the timeline.
	Dropped    int `json:"dropped,omitempty"`
	OverLimits int `json:"over_limits,omitempty"`
	Untimed    int `json:"untimed"`
	// Select is the window, sources and pattern asked for; Omitted counts
	// what they (and the collector's own events, hidden by default) left out.
	Select  timeline.Select        `json:"select"`
	Omitted timeline.Omitted       `json:"omitted"`
	Legend  []timeline.LegendEntry `json:"legend"`
	Events  []timeline.Event       `json:"events"`
}

// NewTimelineDoc wraps a timeline.
func NewTimelineDoc(a *analyze.Analysis, f timeline.Filter, tl timeline.Timeline) TimelineDoc {
	ev := tl.Events
	if ev == nil {
		ev = []timeline.Event{}
	}
	return TimelineDoc{Schema: SchemaTimeline, Bundle: a.Path, Node: a.Node.Hostname(), Filter: f, Truncated: tl.Truncated, Untimed: tl.Untimed,
		Dropped: tl.Dropped, OverLimits: len(a.Node.Cuts) + a.Node.CutsMore, Legend: timeline.Legend(ev), Events: ev}
}

// NewSelectedTimelineDoc wraps the part of a timeline that s keeps.
func NewSelectedTimelineDoc(a *analyze.Analysis, f timeline.Filter, tl timeline.Timeline, s timeline.Select) TimelineDoc {
	kept, om := s.Apply(tl)
	d := NewTimelineDoc(a, f, kept)
	d.Select, d.Omitted = s, om
	return d
}

// BundleRef names one side of a diff.
type BundleRef struct {
	Bundle string `json:"bundle"`
	Node   string `json:"node"`
}

// DiffDoc is `diff --json`.
type DiffDoc struct {
	Schema string    `json:"schema"`
	A      BundleRef `json:"a"`
	B      BundleRef `json:"b"`
	All    bool      `json:"all"`
	*diff.Result
}

// NewDiffDoc wraps a diff.
func NewDiffDoc(a, b *analyze.Analysis, all bool, r *diff.Result) DiffDoc {
	return DiffDoc{Schema: SchemaDiff, A: BundleRef{a.Path, a.Node.Hostname()}, B: BundleRef{b.Path, b.Node.Hostname()}, All: all, Result: r}
}

// ReportDoc is `report --json`: everything the HTML report shows.
type ReportDoc struct {
	Schema   string            `json:"schema"`
	Inspect  InspectDoc        `json:"inspect"`
	Findings []finding.Finding `json:"findings"`
	Timeline TimelineDoc       `json:"timeline"`
	Diff     *DiffDoc          `json:"diff,omitempty"`
}

// NewReportDoc assembles a report; d may be nil.
func NewReportDoc(a *analyze.Analysis, tl timeline.Timeline, d *DiffDoc) ReportDoc {
	fs := a.Findings
	if fs == nil {
		fs = []finding.Finding{}
	}
	return ReportDoc{Schema: SchemaReport, Inspect: NewInspectDoc(a), Findings: fs, Timeline: NewTimelineDoc(a, timeline.Filter{}, tl), Diff: d}
}
