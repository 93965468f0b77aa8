package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/bundle"
)

// Size renders a byte count for people.
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func dur(ms int64) string {
	return (time.Duration(ms) * time.Millisecond).Round(time.Millisecond).String()
}

func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// stamp is an event's or a log line's time: UTC with milliseconds, the
// one format the timeline and evidence share so they can be matched by eye.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// VerifyText prints every problem.
func VerifyText(w io.Writer, d VerifyDoc) {
	if d.OK {
		fmt.Fprintf(w, "%s: OK (%d files, %s, every hash matches the manifest)\n", line(d.Bundle), d.Files, Size(d.Bytes))
		return
	}
	fmt.Fprintf(w, "%s: FAILED: %d problem(s)\n", line(d.Bundle), len(d.Problems))
	for _, p := range d.Problems {
		fmt.Fprintf(w, "  %-18s %s  %s\n", line(p.Kind), line(orDash(p.Path)), line(p.Detail))
	}
}

// InspectText is the one-screen summary.
func InspectText(w io.Writer, d InspectDoc) {
	fmt.Fprintf(w, "bundle     %s (verified: %d files, %s, format v%d)\n", line(d.Bundle), d.Files, Size(d.Bytes), d.FormatVersion)
	n := d.Node
	fmt.Fprintf(w, "node       %s  boot %s\n", line(orDash(n.Hostname)), line(orDash(short(n.BootID, 8))))
	fmt.Fprintf(w, "kernel     %s  cgroup %s\n", line(orDash(n.Kernel)), line(orDash(n.CgroupMode)))
	c := d.Collector
	fmt.Fprintf(w, "collector  %s %s (commit %s, %s)\n", line(orDash(c.Name)), line(orDash(c.Version)), line(orDash(short(c.Commit, 12))), line(orDash(c.GoVersion)))
	fmt.Fprintf(w, "collected  %s for %s", ts(d.StartedAt), dur(d.DurationMS))
	if d.CaseID != "" {
		fmt.Fprintf(w, "  case %s", line(d.CaseID))
	}
	if d.Operator != "" {
		fmt.Fprintf(w, "  by %s", line(d.Operator))
	}
	fmt.Fprintln(w)
	if d.Note != "" {
		fmt.Fprintf(w, "note       %s\n", line(finding.Cut(d.Note, 200)))
	}
	r := d.Redaction
	if d.Unredacted {
		fmt.Fprintf(w, "redaction  OFF: this bundle may hold secrets verbatim\n")
	} else {
		fmt.Fprintf(w, "redaction  %d value(s) by %d rule(s), rule set %s, pseudonymized %s\n", r.Total, len(r.ByRule), line(orDash(r.RuleSetVersion)), yesNo(r.Pseudonymized))
	}
	if d.Truncated {
		fmt.Fprintf(w, "TRUNCATED  %s\n", line(d.TruncatedReason))
	}
	if s := d.CollectorStalls; s.Starved() {
		fmt.Fprintf(w, "STARVED    the collector was kept from running for %s of its %s (longest %s): a saturated node or a CPU limit: timeouts in this bundle may be that, not a runtime\n",
			dur(s.StalledMS), dur(s.RunMS), dur(s.LongestMS))
	}
	if n := len(d.OverLimits) + d.OverLimitsMore; n > 0 {
		c := d.OverLimits[0]
		fmt.Fprintf(w, "OVER LIMITS %d part(s) left out by the memory limit (--memory-limit), first %s: %s (RT1511)\n", n, line(finding.Cut(c.Path, 80)), line(c.What))
	}
	fmt.Fprintln(w, "\nsources")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  NAME\tSTATUS\tTIME\tFILES\tBYTES\tREASON")
	for _, s := range d.Sources {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%s\n", line(s.Name), statusMark(s.Status), dur(s.DurationMS), s.Files, Size(s.Bytes), line(finding.Cut(s.Reason, 80)))
	}
	tw.Flush()
	runtimesText(w, d.Runtimes)
	dockerPodsText(w, d.DockerPodContainers, d.DockerPodContainersMore)
	fmt.Fprintf(w, "\nfindings   %s", countsLine(d.FindingCounts))
	if d.ParseErrors > 0 {
		fmt.Fprintf(w, "  (%d unreadable file(s))", d.ParseErrors)
	}
	fmt.Fprintln(w)
	for _, f := range d.TopFindings {
		fmt.Fprintf(w, "  %-8s %s  %s\n", strings.ToUpper(f.Severity.String()), f.ID, line(f.Title))
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "           %s\n", line(ShowCommand(d.Bundle, e)))
		}
	}
	total := 0
	for _, v := range d.FindingCounts {
		total += v
	}
	if total > len(d.TopFindings) {
		fmt.Fprintf(w, "  ... %d more: rtsnap-analyze findings %s\n", total-len(d.TopFindings), line(d.Bundle))
	}
}

func statusMark(s string) string {
	if s == bundle.StatusOK {
		return "ok"
	}
	return strings.ToUpper(line(s))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func short(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func countsLine(c map[string]int) string {
	var parts []string
	for _, s := range []finding.Severity{finding.Critical, finding.Error, finding.Warning, finding.Info} {
		if n := c[s.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// FindingsText prints one bundle's findings in full.
func FindingsText(w io.Writer, bf BundleFindings) {
	if bf.Error != "" {
		fmt.Fprintf(w, "%s: %s\n", line(bf.Bundle), line(bf.Error))
		return
	}
	fmt.Fprintf(w, "%s (node %s): %s\n", line(bf.Bundle), line(orDash(bf.Node)), countsLine(bf.Counts))
	for _, f := range bf.Findings {
		fmt.Fprintf(w, "\n%s  %s\n  %s\n", strings.ToUpper(f.Severity.String()), f.ID, line(f.Title))
		if s := f.Subject.String(); s != "" {
			fmt.Fprintf(w, "  subject: %s\n", line(s))
		}
		fmt.Fprintf(w, "  %s\n", line(f.Explanation))
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "  evidence: %s", line(e.Location()))
			if !e.Time.IsZero() {
				fmt.Fprintf(w, "  %s", stamp(e.Time))
			}
			if e.Excerpt != "" {
				fmt.Fprintf(w, "  %s", line(finding.Cut(e.Excerpt, 200)))
			}
			fmt.Fprintf(w, "\n    %s\n", line(ShowCommand(bf.Bundle, e)))
		}
		for _, r := range f.Remediation {
			fmt.Fprintf(w, "  fix: %s\n", line(r))
		}
		for _, r := range f.References {
			fmt.Fprintf(w, "  see: %s\n", line(r))
		}
	}
}

// DefaultMessageWidth is where timeline messages are cut on a terminal
// (timeline --width; 0 keeps them whole).
const DefaultMessageWidth = 160

// TimelineText prints one event per line, messages cut at width bytes
// (0: whole), then a legend of the sources shown and what was left out.
func TimelineText(w io.Writer, d TimelineDoc, width int) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tCLOCK\tSOURCE\tKIND\tSUBJECT\tMESSAGE")
	for _, e := range d.Events {
		msg := e.Message
		if width > 0 {
			msg = finding.Cut(msg, width)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", stamp(e.Time), e.Clock, line(e.Source), line(e.Kind),
			line(finding.Cut(e.Subject.String(), 60)), line(msg))
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d event(s)", len(d.Events))
	if len(d.Events) > 0 {
		fmt.Fprintf(w, " from %s to %s", stamp(d.Events[0].Time), stamp(d.Events[len(d.Events)-1].Time))
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, l := range d.Legend {
		fmt.Fprintf(tw, "  %s\t%d\t%s clock\t%s\n", line(l.Source), l.Events, l.Clock, l.Meaning)
	}
	tw.Flush()
	if n := d.Omitted.Collector; n > 0 {
		fmt.Fprintf(w, "(%d of the collector's own event(s) hidden: --collector shows them)\n", n)
	}
	if n := d.Omitted.Other; n > 0 {
		fmt.Fprintf(w, "(%d event(s) outside --since/--until, --source or --grep)\n", n)
	}
	if d.Truncated {
		fmt.Fprintf(w, "(timeline cut at its event limit: %d later event(s) left out)\n", d.Dropped)
	}
	if d.OverLimits > 0 {
		fmt.Fprintf(w, "(%d part(s) of the bundle left out by the memory limit: see inspect, RT1511)\n", d.OverLimits)
	}
	if d.Untimed > 0 {
		fmt.Fprintf(w, "(%d record(s) without a usable time left out)\n", d.Untimed)
	}
}

// DiffText prints a diff.
func DiffText(w io.Writer, d DiffDoc) {
	fmt.Fprintf(w, "a: %s (node %s)\nb: %s (node %s)\n", line(d.A.Bundle), line(d.A.Node), line(d.B.Bundle), line(d.B.Node))
	if d.Result.Empty() {
		fmt.Fprintln(w, "no differences")
		return
	}
	if len(d.Changes) > 0 {
		fmt.Fprintln(w, "\nchanges")
		for _, c := range d.Changes {
			fmt.Fprintf(w, "  %s: %s -> %s\n", line(c.Field), line(finding.Cut(c.Before, 200)), line(finding.Cut(c.After, 200)))
		}
	}
	printFindingList(w, "findings appeared", d.Findings.Appeared)
	printFindingList(w, "findings cleared", d.Findings.Cleared)
	printRecurred(w, d.Findings.Recurred)
	printPaths(w, "files added", d.Files.Added)
	printPaths(w, "files removed", d.Files.Removed)
	printPaths(w, "files changed", d.Files.Changed)
	for _, td := range d.TextDiffs {
		writeTextDiff(w, td)
	}
	for _, s := range d.Summarized {
		fmt.Fprintf(w, "\nsummarized (over the diff's limits) %s\n", line(s))
	}
}

func writeTextDiff(w io.Writer, td diff.TextDiff) {
	fmt.Fprintf(w, "\n%s", clean(td.Unified, true))
	if td.Note != "" {
		fmt.Fprintf(w, "(%s: %s)\n", line(td.Path), line(td.Note))
	}
}

func printFindingList(w io.Writer, title string, fs []finding.Finding) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", title)
	for _, f := range fs {
		fmt.Fprintf(w, "  %-8s %s  %s\n", strings.ToUpper(f.Severity.String()), f.ID, line(f.Title))
	}
}

// printRecurred lists findings on both sides that happened again, with
// their count and last time before and after.
func printRecurred(w io.Writer, rs []diff.Recurrence) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(w, "\nfindings that happened again (count or last time changed)\n")
	for _, r := range rs {
		fmt.Fprintf(w, "  %-8s %s  %s\n", strings.ToUpper(r.Severity.String()), r.ID, line(r.Title))
		before, after := seenParts(r.SeenBefore), seenParts(r.Seen)
		fmt.Fprintf(w, "           count %s -> %s, last %s -> %s\n", before[0], after[0], before[1], after[1])
	}
}

// seenParts is a Seen's count and last time as text, "-" where unknown.
func seenParts(s *finding.Seen) [2]string {
	if s == nil {
		return [2]string{"-", "-"}
	}
	last := "-"
	if !s.Last.IsZero() {
		last = ts(s.Last)
	}
	return [2]string{fmt.Sprint(s.Count), last}
}

func printPaths(w io.Writer, title string, ps []string) {
	if len(ps) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", title)
	for _, p := range ps {
		fmt.Fprintf(w, "  %s\n", line(p))
	}
}
