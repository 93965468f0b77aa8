// Package diff compares two bundles (the same node before and after, or a bad
// node against a good one) and says what changed, leaving volatile fields
// (timestamps, durations, byte counts, pids, stats) out unless asked.
package diff

import (
	"sort"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// Options tune a comparison.
type Options struct {
	// All keeps volatile fields (timestamps, durations, sizes, hashes of files
	// whose content always changes).
	All bool
}

// Change is one field that differs. Before or After is "(absent)" when the
// field exists on one side only.
type Change struct {
	Section string `json:"section"`
	Field   string `json:"field"`
	Before  string `json:"before"`
	After   string `json:"after"`
}

// Absent marks a value present on one side only.
const Absent = "(absent)"

// FileChanges is the file set difference.
type FileChanges struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	// Changed lists files whose hash differs; only with Options.All, since
	// most files change on every collection.
	Changed []string `json:"changed,omitempty"`
}

// TextDiff is a unified line diff of one text file present in both bundles.
type TextDiff struct {
	Path    string `json:"path"`
	Unified string `json:"unified,omitempty"`
	// Note says why no line diff is given (too large, binary).
	Note string `json:"note,omitempty"`
}

// FindingChanges are findings present on one side only, keyed by rule and
// subject, and findings on both sides whose count or last time changed.
type FindingChanges struct {
	Appeared []finding.Finding `json:"appeared"`
	Cleared  []finding.Finding `json:"cleared"`
	// Recurred: in A and B, but B counts more or later occurrences (or
	// fewer: a rotated log); the failure happened again since A.
	Recurred []Recurrence `json:"recurred"`
}

// Recurrence is a finding of B with what A had of it.
type Recurrence struct {
	finding.Finding
	// SeenBefore is A's count and times of the same finding.
	SeenBefore *finding.Seen `json:"seen_before,omitempty"`
}

// Result is everything that differs between A and B.
type Result struct {
	Changes   []Change       `json:"changes"`
	Findings  FindingChanges `json:"findings"`
	Files     FileChanges    `json:"files"`
	TextDiffs []TextDiff     `json:"text_diffs"`
	// Summarized says where the comparison's budgets cut the result
	// (bounds.go): "section: what was left out". Empty when complete.
	Summarized []string `json:"summarized,omitempty"`

	summarized map[string]bool
	textBytes  int64
	cells      int64
}

// Empty reports whether nothing differs.
func (r *Result) Empty() bool {
	return len(r.Changes) == 0 && len(r.Findings.Appeared) == 0 && len(r.Findings.Cleared) == 0 && len(r.Findings.Recurred) == 0 &&
		len(r.Files.Added) == 0 && len(r.Files.Removed) == 0 && len(r.Files.Changed) == 0 && len(r.TextDiffs) == 0
}

// Differ adds one kind of difference to r. Per-source differs (pods and
// containers, images, restart counts) plug in here.
type Differ func(a, b *facts.Node, opts Options, r *Result)

// DefaultDiffers are the differs the analyzer runs, in output order.
func DefaultDiffers() []Differ {
	return []Differ{Manifest, Runtime, Files, Configs}
}

// Compare runs the differs and compares the two findings lists.
func Compare(a, b *facts.Node, fa, fb []finding.Finding, differs []Differ, opts Options) *Result {
	r := &Result{Changes: []Change{}, Files: FileChanges{Added: []string{}, Removed: []string{}}, TextDiffs: []TextDiff{}}
	for _, d := range differs {
		d(a, b, opts, r)
	}
	r.Findings = compareFindings(fa, fb)
	r.capLists()
	return r
}

func compareFindings(fa, fb []finding.Finding) FindingChanges {
	inA, inB := map[string]int{}, map[string]bool{}
	for i, f := range fa {
		inA[f.Key()] = i + 1
	}
	for _, f := range fb {
		inB[f.Key()] = true
	}
	fc := FindingChanges{Appeared: []finding.Finding{}, Cleared: []finding.Finding{}, Recurred: []Recurrence{}}
	for _, f := range fb {
		i := inA[f.Key()]
		if i == 0 {
			fc.Appeared = append(fc.Appeared, f)
			continue
		}
		if before := fa[i-1]; seenChanged(before.Seen, f.Seen) {
			fc.Recurred = append(fc.Recurred, Recurrence{Finding: f, SeenBefore: before.Seen})
		}
	}
	for _, f := range fa {
		if !inB[f.Key()] {
			fc.Cleared = append(fc.Cleared, f)
		}
	}
	finding.Sort(fc.Appeared)
	finding.Sort(fc.Cleared)
	sort.SliceStable(fc.Recurred, func(i, j int) bool {
		a, b := fc.Recurred[i], fc.Recurred[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		return a.Key() < b.Key()
	})
	return fc
}

// seenChanged says whether a finding's count or last time differs between
// A and B; findings over state (no Seen) never recur, they persist.
func seenChanged(a, b *finding.Seen) bool {
	if a == nil || b == nil {
		return (a == nil) != (b == nil)
	}
	return a.Count != b.Count || !a.Last.Equal(b.Last)
}

// Worsened is what the exit code of diff follows: the findings that
// appeared and those that happened again.
func (fc FindingChanges) Worsened() []finding.Finding {
	out := append([]finding.Finding(nil), fc.Appeared...)
	for _, r := range fc.Recurred {
		out = append(out, r.Finding)
	}
	return out
}

// Files compares the file sets; Changed only with Options.All.
func Files(a, b *facts.Node, opts Options, r *Result) {
	for _, p := range a.Paths() {
		fb, ok := b.Files[p]
		switch {
		case !ok:
			r.Files.Removed = append(r.Files.Removed, p)
		case opts.All && fb.SHA256 != a.Files[p].SHA256:
			r.Files.Changed = append(r.Files.Changed, p)
		}
	}
	for _, p := range b.Paths() {
		if _, ok := a.Files[p]; !ok {
			r.Files.Added = append(r.Files.Added, p)
		}
	}
	sort.Strings(r.Files.Added)
	sort.Strings(r.Files.Removed)
	sort.Strings(r.Files.Changed)
}
