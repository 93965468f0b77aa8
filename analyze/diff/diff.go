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

// FindingChanges are findings present on one side only, keyed by rule and subject.
type FindingChanges struct {
	Appeared []finding.Finding `json:"appeared"`
	Cleared  []finding.Finding `json:"cleared"`
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
	return len(r.Changes) == 0 && len(r.Findings.Appeared) == 0 && len(r.Findings.Cleared) == 0 &&
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
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, f := range fa {
		inA[f.Key()] = true
	}
	for _, f := range fb {
		inB[f.Key()] = true
	}
	fc := FindingChanges{Appeared: []finding.Finding{}, Cleared: []finding.Finding{}}
	for _, f := range fb {
		if !inA[f.Key()] {
			fc.Appeared = append(fc.Appeared, f)
		}
	}
	for _, f := range fa {
		if !inB[f.Key()] {
			fc.Cleared = append(fc.Cleared, f)
		}
	}
	finding.Sort(fc.Appeared)
	finding.Sort(fc.Cleared)
	return fc
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
