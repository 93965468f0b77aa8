package diff

import "fmt"

// Budgets for one comparison, whatever the two bundles hold: the output is
// read by a person (and pasted into reports), and the work must finish in
// seconds. Past a budget the result names what it summarized
// (Result.Summarized) instead of listing everything.
const (
	// maxTextDiffBytes bounds all line diffs together.
	maxTextDiffBytes = 2 << 20
	// maxTotalCells bounds the LCS work over all files (each file's own
	// bound is maxDiffCells): a few hundred milliseconds.
	maxTotalCells = 40_000_000
	// maxListed bounds each list of changes, files and findings.
	maxListed = 1_000
)

// summarize records, once per section, that the result was cut there.
func (r *Result) summarize(section, format string, args ...any) {
	if r.summarized[section] {
		return
	}
	if r.summarized == nil {
		r.summarized = map[string]bool{}
	}
	r.summarized[section] = true
	r.Summarized = append(r.Summarized, section+": "+fmt.Sprintf(format, args...))
}

// capLists cuts every list of the result at maxListed, saying so.
func (r *Result) capLists() {
	capList(r, "changes", &r.Changes)
	capList(r, "files.added", &r.Files.Added)
	capList(r, "files.removed", &r.Files.Removed)
	capList(r, "files.changed", &r.Files.Changed)
	capList(r, "findings.appeared", &r.Findings.Appeared)
	capList(r, "findings.cleared", &r.Findings.Cleared)
	capList(r, "text_diffs", &r.TextDiffs)
}

func capList[T any](r *Result, section string, list *[]T) {
	if n := len(*list); n > maxListed {
		*list = (*list)[:maxListed]
		r.summarize(section, "%d more not listed (%d in all)", n-maxListed, n)
	}
}
