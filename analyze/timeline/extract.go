package timeline

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/bundle"
)

// Manifest gives the collection itself: start, end, and each source's run.
// These times are the collector's reading of the node's wall clock.
func Manifest(n *facts.Node) []Event {
	m := n.Manifest
	var out []Event
	if !m.StartedAt.IsZero() {
		out = append(out, Event{Time: m.StartedAt, Source: "rtsnap", Clock: ClockNode, Kind: "collection-started",
			Message: "rtsnap collection started", Evidence: finding.Evidence{Path: bundle.ManifestPath, Pointer: "/started_at"}})
	}
	if !m.FinishedAt.IsZero() {
		out = append(out, Event{Time: m.FinishedAt, Source: "rtsnap", Clock: ClockNode, Kind: "collection-finished",
			Message: fmt.Sprintf("rtsnap collection finished (%d files)", len(m.Files)), Evidence: finding.Evidence{Path: bundle.ManifestPath, Pointer: "/finished_at"}})
	}
	for i, s := range m.Sources {
		if s.StartedAt.IsZero() {
			continue
		}
		ev := finding.Evidence{Path: bundle.ManifestPath, Pointer: fmt.Sprintf("/sources/%d", i)}
		msg := fmt.Sprintf("source %s: %s after %dms", s.Name, s.Status, s.DurationMS)
		if s.Reason != "" {
			msg += " (" + finding.Cut(s.Reason, 200) + ")"
		}
		out = append(out, Event{Time: s.StartedAt, Source: "rtsnap", Clock: ClockNode, Kind: "source-started",
			Subject: finding.Subject{Source: s.Name}, Message: "source " + s.Name + " started", Evidence: ev})
		out = append(out, Event{Time: s.StartedAt.Add(time.Duration(s.DurationMS) * time.Millisecond), Source: "rtsnap", Clock: ClockNode,
			Kind: "source-" + s.Status, Subject: finding.Subject{Source: s.Name}, Message: msg, Evidence: ev})
	}
	return out
}

// Logs turns every parsed JSON-lines file into events. Files under journal/
// carry the journal's clock; others are attributed to the node's clock.
func Logs(n *facts.Node) []Event {
	paths := make([]string, 0, len(n.Logs))
	for p := range n.Logs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var out []Event
	for _, p := range paths {
		lf := n.Logs[p]
		src, clock := sourceOf(p), ClockNode
		var podSubj *finding.Subject
		switch {
		case strings.HasPrefix(p, "journal/files/"):
			clock = ClockRuntime // a daemon's own log timestamps
		case src == "journal":
			clock = ClockJournal
		case strings.HasPrefix(p, "logs/pods/"):
			// CRI log lines carry the runtime's timestamp; the path names the container.
			clock = ClockRuntime
			if parts := strings.Split(p, "/"); len(parts) == 6 {
				podSubj = &finding.Subject{Namespace: parts[2], Pod: parts[3], Container: parts[4]}
			}
		}
		for _, r := range lf.Records {
			unit := r.Unit
			if unit == "" {
				unit = strings.TrimSuffix(path.Base(p), ".jsonl")
			}
			subj := finding.Subject{Source: unit}
			if podSubj != nil {
				subj = *podSubj
			}
			t := r.Time
			if t.IsZero() && strings.HasPrefix(p, "journal/files/") {
				// kubelet's own log files are klog, whose lines the
				// facts parser leaves untimed: they carry no year.
				t, _ = klogTime(r.Message, n.Manifest.StartedAt)
			}
			out = append(out, Event{Time: t, Source: src, Clock: clock, Kind: "log",
				Subject: subj, Message: r.Message,
				Evidence: finding.Evidence{Path: p, LineStart: r.Line}})
		}
	}
	return out
}

// sourceOf is the first path element: sources write under their own name.
func sourceOf(p string) string {
	if i := strings.IndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "bundle"
}
