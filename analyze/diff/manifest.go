package diff

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/bundle"
)

// manifestView is what of a manifest is compared. Volatile fields live in
// pointers that stay nil unless Options.All, so go-cmp never sees them.
type manifestView struct {
	Host          bundle.HostInfo
	Collector     bundle.CollectorInfo
	FormatVersion int
	Unredacted    bool
	Redaction     redactionView
	Truncated     bool
	Options       map[string]string
	ActiveActions []string
	Sources       map[string]sourceView
	Volatile      *manifestVolatile
}

type redactionView struct {
	RuleSetVersion          string
	Pseudonymized           bool
	PseudonymKeyFingerprint string
	Volatile                *redactionVolatile
}

type redactionVolatile struct {
	Total  int
	ByRule map[string]int
}

type sourceView struct {
	Status   string
	Reason   string
	Volatile *sourceVolatile
}

// String shows a whole source when it exists on one side only.
func (s sourceView) String() string {
	if s.Reason != "" {
		return s.Status + " (" + s.Reason + ")"
	}
	return s.Status
}

type sourceVolatile struct {
	StartedAt  time.Time
	DurationMS int64
	Bytes      int64
	Files      int
}

type manifestVolatile struct {
	StartedAt    time.Time
	FinishedAt   time.Time
	CaseID       string
	Note         string
	Operator     string
	CommandLine  []string
	PeakRSSBytes int64
	FileCount    int
}

func viewOf(m *bundle.Manifest, all bool) manifestView {
	v := manifestView{Host: m.Host, Collector: m.Collector, FormatVersion: m.FormatVersion, Unredacted: m.Unredacted,
		Redaction: redactionView{RuleSetVersion: m.Redaction.RuleSetVersion, Pseudonymized: m.Redaction.Pseudonymized,
			PseudonymKeyFingerprint: m.Redaction.PseudonymKeyFingerprint},
		Truncated: m.Truncated, Options: m.Options, ActiveActions: m.ActiveActions, Sources: map[string]sourceView{}}
	if !all {
		// The collector build and Go version differ between any two builds;
		// what matters across nodes is the version, which stays.
		v.Collector.Commit, v.Collector.GoVersion = "", ""
	}
	for _, s := range m.Sources {
		sv := sourceView{Status: s.Status, Reason: s.Reason}
		if all {
			sv.Volatile = &sourceVolatile{StartedAt: s.StartedAt, DurationMS: s.DurationMS, Bytes: s.Bytes, Files: s.Files}
		} else if s.Status == bundle.StatusOK {
			sv.Reason = ""
		}
		v.Sources[s.Name] = sv
	}
	if all {
		v.Redaction.Volatile = &redactionVolatile{Total: m.Redaction.Total, ByRule: m.Redaction.ByRule}
		v.Volatile = &manifestVolatile{StartedAt: m.StartedAt, FinishedAt: m.FinishedAt, CaseID: m.CaseID, Note: m.Note,
			Operator: m.Operator, CommandLine: m.CommandLine, PeakRSSBytes: m.PeakRSSBytes, FileCount: len(m.Files)}
	}
	return v
}

// Manifest compares host, kernel, collector, options and source statuses.
func Manifest(a, b *facts.Node, opts Options, r *Result) {
	va, vb := viewOf(a.Manifest, opts.All), viewOf(b.Manifest, opts.All)
	var rep reporter
	cmp.Equal(va, vb, cmp.Reporter(&rep), cmp.AllowUnexported())
	r.Changes = append(r.Changes, rep.changes...)
}

// reporter collects every differing leaf of a go-cmp comparison as a Change.
type reporter struct {
	path    cmp.Path
	changes []Change
}

func (r *reporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }
func (r *reporter) PopStep()                 { r.path = r.path[:len(r.path)-1] }

func (r *reporter) Report(rs cmp.Result) {
	if rs.Equal() {
		return
	}
	vx, vy := r.path.Last().Values()
	section, field := r.names()
	r.changes = append(r.changes, Change{Section: section, Field: field, Before: show(vx), After: show(vy)})
}

// names turns the go-cmp path into a section (the top field, lower-cased) and
// a field path such as sources[cri].status; the Volatile wrapper is elided.
func (r *reporter) names() (string, string) {
	var parts []string
	for i, st := range r.path {
		switch s := st.(type) {
		case cmp.StructField:
			if s.Name() != "Volatile" {
				parts = append(parts, "."+fieldName(r.path[i-1].Type(), s.Name()))
			}
		case cmp.MapIndex:
			parts = append(parts, fmt.Sprintf("[%v]", s.Key()))
		case cmp.SliceIndex:
			ix, iy := s.SplitKeys()
			parts = append(parts, fmt.Sprintf("[%d]", max(ix, iy)))
		}
	}
	if len(parts) == 0 {
		return "manifest", "."
	}
	field := strings.TrimPrefix(strings.Join(parts, ""), ".")
	section := field
	if i := strings.IndexAny(section, ".["); i > 0 {
		section = section[:i]
	}
	return section, field
}

func show(v reflect.Value) string {
	if !v.IsValid() {
		return Absent
	}
	if v.Kind() == reflect.Pointer && v.IsNil() {
		return Absent
	}
	if v.Kind() == reflect.String && v.Len() == 0 {
		return `""`
	}
	if t, ok := v.Interface().(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v.Interface())
}

// snake turns a Go field name into a JSON-style name: CgroupMode → cgroup_mode.
func snake(s string) string {
	var b strings.Builder
	up := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	for i := 0; i < len(s); i++ {
		c := s[i]
		if up(c) {
			if i > 0 && (!up(s[i-1]) || (i+1 < len(s) && !up(s[i+1]) && s[i+1] >= 'a')) {
				b.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// fieldName prefers the field's JSON tag (bundle types carry them).
func fieldName(parent reflect.Type, name string) string {
	if parent != nil && parent.Kind() == reflect.Struct {
		if f, ok := parent.FieldByName(name); ok {
			if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag != "" && tag != "-" {
				return tag
			}
		}
	}
	return snake(name)
}
