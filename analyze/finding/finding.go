// Package finding is the analyzer's output model: what a rule concluded, how
// sure and how bad, and the exact bytes in the bundle that say so.
package finding

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Severity orders findings; the analyzer's exit code follows the worst one.
type Severity int

// Severities, lowest first.
const (
	Info Severity = iota
	Warning
	Error
	Critical
)

var severityNames = [...]string{"info", "warning", "error", "critical"}

func (s Severity) String() string {
	if s < Info || s > Critical {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity is the inverse of String.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), nil
		}
	}
	return Info, fmt.Errorf("unknown severity %q (want info, warning, error or critical)", s)
}

// MarshalText writes the name, so JSON carries "warning" rather than 1.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads the name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Evidence points at the bytes a finding rests on: a bundle path plus either
// a JSON pointer (RFC 6901) or a line range, and a short excerpt.
type Evidence struct {
	Path      string `json:"path"`
	Pointer   string `json:"pointer,omitempty"`
	LineStart int    `json:"line_start,omitempty"`
	LineEnd   int    `json:"line_end,omitempty"`
	Excerpt   string `json:"excerpt,omitempty"`
	// Time is when a log line was written, as its own record says, so a
	// journal excerpt keeps the moment it happened (zero for state files).
	Time time.Time `json:"time,omitzero"`
}

// Location is the path with its pointer or line range, for people.
func (e Evidence) Location() string {
	switch {
	case e.Pointer != "":
		return e.Path + "#" + e.Pointer
	case e.LineStart > 0 && e.LineEnd > e.LineStart:
		return fmt.Sprintf("%s:%d-%d", e.Path, e.LineStart, e.LineEnd)
	case e.LineStart > 0:
		return fmt.Sprintf("%s:%d", e.Path, e.LineStart)
	}
	return e.Path
}

// Subject is what a finding is about. Empty fields do not apply.
type Subject struct {
	Node      string `json:"node,omitempty"`
	Source    string `json:"source,omitempty"`
	Endpoint  string `json:"endpoint,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Pod       string `json:"pod,omitempty"`
	Container string `json:"container,omitempty"`
	File      string `json:"file,omitempty"`
}

// String names the subject compactly, most specific last.
func (s Subject) String() string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("source", s.Source)
	add("endpoint", s.Endpoint)
	add("namespace", s.Namespace)
	add("pod", s.Pod)
	add("container", s.Container)
	add("file", s.File)
	return strings.Join(parts, " ")
}

// Finding is one conclusion of one rule.
type Finding struct {
	// ID is the rule's stable id, e.g. "RT1501-source-timed-out"; it never
	// changes meaning once released, so tickets and dashboards can key on it.
	ID          string     `json:"id"`
	Severity    Severity   `json:"severity"`
	Title       string     `json:"title"`
	Subject     Subject    `json:"subject"`
	Explanation string     `json:"explanation"`
	Evidence    []Evidence `json:"evidence"`
	Remediation []string   `json:"remediation,omitempty"`
	References  []string   `json:"references,omitempty"`
	// When says whether the finding is broken now (current: backed by
	// state in the bundle), recently (recent: log records inside
	// RecentWindow before collection) or only in older logs (history).
	// Empty means current: rules over state leave it unset.
	When When `json:"when,omitempty"`
	// Seen is the first and last time and count of the log records a
	// log-based finding rests on; nil for state-based findings.
	Seen *Seen `json:"seen,omitempty"`
}

// When is a finding's place in time.
type When string

// Phases, most urgent first.
const (
	Current When = "current"
	Recent  When = "recent"
	History When = "history"
)

// RecentWindow is how far before collection a log record still counts as
// recent rather than history.
const RecentWindow = time.Hour

// rank orders phases for Sort: current (or unset) first.
func (w When) rank() int {
	switch w {
	case Recent:
		return 1
	case History:
		return 2
	}
	return 0
}

// Seen is the time span and count of the records behind a log finding.
// Times are zero when the records carry none.
type Seen struct {
	First time.Time `json:"first,omitzero"`
	Last  time.Time `json:"last,omitzero"`
	Count int       `json:"count"`
}

// PhaseOf places the last occurrence of a log-only finding: recent when it
// is inside RecentWindow before collected (or carries no time), else history.
func PhaseOf(last, collected time.Time) When {
	if last.IsZero() || collected.IsZero() || collected.Sub(last) <= RecentWindow {
		return Recent
	}
	return History
}

// Key identifies a finding across bundles (diff): the rule and its subject.
func (f Finding) Key() string { return f.ID + " " + f.Subject.String() }

// Sort orders findings by when (what is broken now first, then recent,
// then history), worst first inside each, then by id and subject, so the top
// lines show what is broken now and output is deterministic whatever order
// rules ran in.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if ra, rb := a.When.rank(), b.When.rank(); ra != rb {
			return ra < rb
		}
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Subject.String() < b.Subject.String()
	})
}

// Worst is the highest severity in fs and whether there is any finding.
func Worst(fs []Finding) (Severity, bool) {
	worst, any := Info, false
	for _, f := range fs {
		if !any || f.Severity > worst {
			worst, any = f.Severity, true
		}
	}
	return worst, any
}

// Counts is the number of findings per severity name.
func Counts(fs []Finding) map[string]int {
	c := map[string]int{}
	for _, f := range fs {
		c[f.Severity.String()]++
	}
	return c
}

// ExcerptJSON renders v as compact JSON cut to max bytes, for an evidence excerpt.
// HTML escaping is left to the renderers, so excerpts read as the bundle has them.
func ExcerptJSON(v any, max int) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return Cut(strings.TrimSuffix(b.String(), "\n"), max)
}

// Cut shortens s to at most max bytes on a rune boundary, marking the cut.
func Cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8Start(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
