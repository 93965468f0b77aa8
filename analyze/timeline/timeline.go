// Package timeline merges time-stamped events from every part of a bundle
// into one ordered stream, each event saying which clock it was read from:
// the node's wall clock, a runtime's own timestamps, or the journal's.
package timeline

import (
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// Clocks an event's time can come from. They may disagree: a runtime records
// its own timestamps, the journal its own, the collector the node's clock.
const (
	ClockNode    = "node wall clock"
	ClockRuntime = "runtime"
	ClockJournal = "journal"
)

// Event is one point on the timeline.
type Event struct {
	Time     time.Time        `json:"time"`
	Source   string           `json:"source"`
	Clock    string           `json:"clock"`
	Kind     string           `json:"kind"`
	Subject  finding.Subject  `json:"subject"`
	Message  string           `json:"message"`
	Evidence finding.Evidence `json:"evidence"`
}

// Extractor reads one kind of fact into events. Per-source extractors (CRI
// created/started/finished, containerd and runc creation times) plug in here.
type Extractor func(n *facts.Node) []Event

// DefaultExtractors are the extractors the analyzer runs.
func DefaultExtractors() []Extractor {
	return []Extractor{Manifest, Logs, Runtime}
}

// Filter keeps events about one pod and/or container. Matching is by subject
// when the event has one, else by the message mentioning the name.
type Filter struct {
	Pod       string `json:"pod,omitempty"`
	Container string `json:"container,omitempty"`
}

func (f Filter) empty() bool { return f.Pod == "" && f.Container == "" }

func (f Filter) keep(e Event) bool {
	return match(f.Pod, e.Subject.Pod, e.Message) && match(f.Container, e.Subject.Container, e.Message)
}

func match(want, got, message string) bool {
	if want == "" {
		return true
	}
	if got != "" {
		// A container is named by its name or by (a prefix of) its id, which
		// runtime events carry in their message.
		return got == want || strings.Contains(message, "["+want) || strings.Contains(message, want+"]")
	}
	return strings.Contains(message, want)
}

// MaxEvents bounds a timeline; the newest events beyond it are dropped and
// Timeline.Truncated and Dropped say so. MaxEventBytes bounds what the
// events kept take in the timeline's JSON (outputBytes, an upper bound), the
// same way: under the hostile suite's 64 MB of output and the memory limit.
// A real timeline of 100,000 events is about 50 MB.
const (
	MaxEvents     = 100_000
	MaxEventBytes = 48 << 20
)

// Timeline is the merged, ordered stream.
type Timeline struct {
	Events    []Event `json:"events"`
	Truncated bool    `json:"truncated"`
	// Dropped counts the events past MaxEvents (or MaxEventBytes) that were left out.
	Dropped int `json:"dropped,omitempty"`
	// Untimed counts records that carried no usable time and were left out.
	Untimed int `json:"untimed"`
}

// Build runs the extractors, filters, and orders events by time (ties keep a
// stable order: source, kind, message), so the output is deterministic.
func Build(n *facts.Node, extractors []Extractor, f Filter) Timeline {
	return build(n, extractors, f, MaxEvents)
}

func build(n *facts.Node, extractors []Extractor, f Filter, max int) Timeline {
	var tl Timeline
	kept := &earliest{k: max, maxBytes: MaxEventBytes}
	for _, ex := range extractors {
		for _, e := range ex(n) {
			if e.Time.IsZero() {
				tl.Untimed++
				continue
			}
			if !f.empty() && !f.keep(e) {
				continue
			}
			kept.add(e)
		}
	}
	tl.Events, tl.Dropped = kept.sorted(), kept.dropped
	tl.Truncated = tl.Dropped > 0
	return tl
}
