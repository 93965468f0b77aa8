package timeline

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// CollectorSource is the Source of the collector's own events (collection
// and per-source start/finish): about the collection, not about the node,
// so people see them only when they ask.
const CollectorSource = "rtsnap"

// Select narrows a built timeline to what a person asked for. The zero
// value keeps every event but the collector's own.
type Select struct {
	// Since and Until bound event times, inclusive; zero means open.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// Sources keeps events whose Source is one of these (journal, logs,
	// cri, containerd, runc, rtsnap, ...); empty keeps every source.
	Sources []string `json:"sources,omitempty"`
	// Grep keeps events whose kind, subject or message it matches. RE2:
	// linear in the text, whatever the pattern.
	Grep *regexp.Regexp `json:"-"`
	// Collector also keeps the collector's own events.
	Collector bool `json:"collector,omitempty"`
}

// Omitted counts what a Select left out, so a legend can say so.
type Omitted struct {
	Collector int `json:"collector"` // the collector's own events, hidden without Select.Collector
	Other     int `json:"other"`     // outside the window, another source, or not matching Grep
}

// Apply returns the events s keeps, in their order. Events are sorted by
// time (Build), so the window is found by binary search and the rest is one
// pass: O(n) after O(log n).
func (s Select) Apply(tl Timeline) (Timeline, Omitted) {
	ev := tl.Events
	lo, hi := 0, len(ev)
	if !s.Since.IsZero() {
		lo = sort.Search(len(ev), func(i int) bool { return !ev[i].Time.Before(s.Since) })
	}
	if !s.Until.IsZero() {
		hi = sort.Search(len(ev), func(i int) bool { return ev[i].Time.After(s.Until) })
	}
	hi = max(hi, lo)
	var om Omitted
	for _, e := range ev[:lo] {
		om.count(e)
	}
	for _, e := range ev[hi:] {
		om.count(e)
	}
	src := map[string]bool{}
	for _, n := range s.Sources {
		src[n] = true
	}
	out := Timeline{Truncated: tl.Truncated, Dropped: tl.Dropped, Untimed: tl.Untimed, Events: make([]Event, 0, hi-lo)}
	for _, e := range ev[lo:hi] {
		switch {
		case e.Source == CollectorSource && !s.Collector && !src[CollectorSource]:
			om.Collector++
		case len(src) > 0 && !src[e.Source]:
			om.Other++
		case s.Grep != nil && !s.Grep.MatchString(e.Kind) && !s.Grep.MatchString(e.Subject.String()) && !s.Grep.MatchString(e.Message):
			om.Other++
		default:
			out.Events = append(out.Events, e)
		}
	}
	return out, om
}

func (o *Omitted) count(e Event) {
	if e.Source == CollectorSource {
		o.Collector++
	} else {
		o.Other++
	}
}

// sourceMeaning says what each event source is, for legends. Sources not
// listed are log files the collector stored under that directory.
var sourceMeaning = map[string]string{
	CollectorSource: "the collector's own run: collection and each source's start and end",
	"journal":       "journal entries and daemons' own log files (runtimes, kubelet, kernel)",
	"logs":          "container log lines (CRI log files) with the runtime's timestamps",
	"cri":           "CRI state: sandbox and container created, started, finished",
	"containerd":    "containerd's records: container created and updated, task exited",
	"runc":          "runc state: container created",
}

// LegendEntry is one source on a timeline: what it is, its clock and how
// many events it has.
type LegendEntry struct {
	Source  string `json:"source"`
	Clock   string `json:"clock"`
	Events  int    `json:"events"`
	Meaning string `json:"meaning"`
}

// Legend lists the sources of events, most events first (then by name),
// each with the clocks its times come from, in the order first seen.
func Legend(events []Event) []LegendEntry {
	idx := map[string]int{}
	var out []LegendEntry
	for _, e := range events {
		i, ok := idx[e.Source]
		if !ok {
			i = len(out)
			idx[e.Source] = i
			m, known := sourceMeaning[e.Source]
			if !known {
				m = fmt.Sprintf("log lines the collector stored under %s/", e.Source)
			}
			out = append(out, LegendEntry{Source: e.Source, Clock: e.Clock, Meaning: m})
		}
		out[i].Events++
		if l := &out[i]; !hasClock(l.Clock, e.Clock) {
			// journal/ holds the journal's entries and daemons' own log files.
			l.Clock += ", " + e.Clock
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Events != out[j].Events {
			return out[i].Events > out[j].Events
		}
		return out[i].Source < out[j].Source
	})
	return out
}

func hasClock(list, c string) bool {
	for _, x := range strings.Split(list, ", ") {
		if x == c {
			return true
		}
	}
	return false
}
