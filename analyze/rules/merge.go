package rules

import (
	"slices"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/finding"
)

// pullFailedID is the rule that groups failed pulls per image; the failure
// catalog classifies the same log records by cause.
const pullFailedID = "RT0402-image-pull-failed"

// mergeSamePull folds an RT0402 finding into the catalog finding that rests
// on the same log records: both would report one failed pull twice. The
// catalog's finding names the cause, so it stays; it gains RT0402's
// evidence it lacks and its "try the pull" command. An RT0402 finding the
// catalog has no class for (no shared record) stays as it is. Cost: one
// map of evidence locations, linear in the findings' evidence.
func mergeSamePull(fs []finding.Finding) []finding.Finding {
	owners := map[string][]int{} // evidence location -> catalog findings citing it
	for i, f := range fs {
		if !catalogFinding(f) {
			continue
		}
		for _, e := range f.Evidence {
			owners[e.Location()] = append(owners[e.Location()], i)
		}
	}
	if len(owners) == 0 {
		return fs
	}
	drop := map[int]bool{}
	for i, f := range fs {
		if f.ID != pullFailedID {
			continue
		}
		if into := mergeTarget(fs, f, owners); into >= 0 {
			fs[into] = absorb(fs[into], f)
			drop[i] = true
		}
	}
	out := fs[:0]
	for i, f := range fs {
		if !drop[i] {
			out = append(out, f)
		}
	}
	return out
}

// mergeTarget is the catalog finding sharing a log record with the pull
// finding, preferring one that names the same image (a class can have an
// image-less group of the same records' neighbours); -1 when none shares one.
func mergeTarget(fs []finding.Finding, pull finding.Finding, owners map[string][]int) int {
	first := -1
	for _, e := range pull.Evidence {
		for _, j := range owners[e.Location()] {
			if first < 0 {
				first = j
			}
			if img := pull.Subject.File; img != "" && strings.Contains(fs[j].Title, img) {
				return j
			}
		}
	}
	return first
}

// catalogFinding says a finding is a failure-catalog class's (RT13nn, not
// the catalog rule's own id).
func catalogFinding(f finding.Finding) bool {
	return strings.HasPrefix(f.ID, "RT13") && f.ID != LogCatalogID
}

// absorb adds what the pull finding knows that the catalog finding lacks:
// evidence (up to maxEvidence more) and remediation lines.
func absorb(into, from finding.Finding) finding.Finding {
	have := map[string]bool{}
	for _, e := range into.Evidence {
		have[e.Location()] = true
	}
	into.Evidence = slices.Clone(into.Evidence)
	added := 0
	for _, e := range from.Evidence {
		if !have[e.Location()] && added < maxEvidence {
			into.Evidence = append(into.Evidence, e)
			added++
		}
	}
	into.Remediation = slices.Clone(into.Remediation)
	for _, r := range from.Remediation {
		if strings.Contains(r, "crictl") && !slices.Contains(into.Remediation, r) {
			into.Remediation = append(into.Remediation, r)
		}
	}
	if into.Subject.File == "" && from.Subject.File != "" && from.Subject.File != "(unknown image)" {
		into.Subject.File = from.Subject.File
	}
	return into
}
