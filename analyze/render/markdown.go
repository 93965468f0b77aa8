package render

import (
	"github.com/rtsnap/rtsnap/internal/safetext"

	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/finding"
)

// fence picks a code fence longer than any backtick run in s, so untrusted
// text cannot close the block early.
func fence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

// span is a piece of prose: text, or a `command` the text quotes.
type span struct {
	Text string
	Code bool
}

// codeSpans splits prose on backticks, so a rule's `crictl pull IMAGE`
// shows as code. With an odd count of backticks (a stray one, perhaps
// from a bundle value) nothing pairs and all is text.
func codeSpans(s string) []span {
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		return []span{{Text: s}}
	}
	out := make([]span, 0, len(parts))
	for i, p := range parts {
		if p != "" {
			out = append(out, span{Text: p, Code: i%2 == 1})
		}
	}
	return out
}

// mdProse is md for prose: quoted commands become code spans (inert: a
// code span holds no markup, and its text has no backtick to close it).
func mdProse(s string) string {
	var b strings.Builder
	for _, sp := range codeSpans(line(s)) {
		if sp.Code {
			pad := ""
			if strings.HasPrefix(sp.Text, " ") || strings.HasSuffix(sp.Text, " ") {
				pad = " "
			}
			b.WriteString("`" + pad + sp.Text + pad + "`")
		} else {
			b.WriteString(md(sp.Text))
		}
	}
	return b.String()
}

// maxMarkdownEvents bounds the Markdown report's timeline: a ticket wants
// the moments the findings rest on, not the stream.
const maxMarkdownEvents = 20

// Markdown writes the report for pasting into a support ticket: the
// verdict and what is broken first, the diff, each finding, a short
// timeline, then the collection.
func Markdown(w io.Writer, d ReportDoc) error {
	// Every value is escaped with md or line; the stream wrapper is the
	// backstop for anything that reaches the page otherwise.
	sw := safetext.NewWriter(w)
	defer sw.Flush()
	bw := bufio.NewWriter(sw)
	in := d.Inspect
	all, pinned := linkFindings(d)
	v := verdictOf(d)
	fmt.Fprintf(bw, "## rtsnap report: %s\n\n**%s**  \n%s\n\n", md(orDash(in.Node.Hostname)), md(v.Headline), md(v.Detail))
	if in.Unredacted {
		fmt.Fprintf(bw, "**Redaction was OFF: this bundle may hold secrets.**\n\n")
	}
	if top := topFindings(all); len(top) > 0 {
		fmt.Fprintf(bw, "### What is broken now\n\n")
		for _, f := range top {
			fmt.Fprintf(bw, "1. **%s** %s", strings.ToUpper(f.Severity.String()), md(f.Title))
			if s := f.Subject.String(); s != "" {
				fmt.Fprintf(bw, " (%s)", md(finding.Cut(s, 160)))
			}
			if !f.At.IsZero() {
				fmt.Fprintf(bw, ", at %s", stamp(f.At))
			}
			fmt.Fprintln(bw)
		}
		fmt.Fprintln(bw)
	}
	if d.Diff != nil {
		writeMarkdownDiff(bw, d.Diff)
	}

	fmt.Fprintf(bw, "### Findings\n\n")
	if len(all) == 0 {
		fmt.Fprintf(bw, "None.\n\n")
	}
	for _, f := range all {
		fmt.Fprintf(bw, "#### F%d %s (%s) `%s`: %s\n\n", f.N, strings.ToUpper(f.Severity.String()), phaseLabel(f.When), f.ID, md(f.Title))
		if sn := f.Seen; sn != nil {
			fmt.Fprintf(bw, "Seen %d time(s)", sn.Count)
			if !sn.First.IsZero() {
				fmt.Fprintf(bw, ", first %s", stamp(sn.First))
			}
			if !sn.Last.IsZero() {
				fmt.Fprintf(bw, ", last %s", stamp(sn.Last))
			}
			fmt.Fprintf(bw, ".\n\n")
		}
		if s := f.Subject.String(); s != "" {
			fmt.Fprintf(bw, "Subject: %s\n\n", md(s))
		}
		fmt.Fprintf(bw, "%s\n\n", mdProse(f.Explanation))
		for _, e := range f.Evidence {
			fmt.Fprintf(bw, "- evidence: `%s`", strings.ReplaceAll(line(e.Location()), "`", "'"))
			if !e.At.IsZero() {
				fmt.Fprintf(bw, " at %s", stamp(e.At))
			}
			fmt.Fprintln(bw)
			fmt.Fprintf(bw, "  (`%s`)\n", strings.ReplaceAll(line(ShowCommand(in.Bundle, e.Evidence)), "`", "'"))
			if e.Excerpt != "" {
				ex := line(finding.Cut(e.Excerpt, 400))
				fc := fence(ex)
				fmt.Fprintf(bw, "\n  %s\n  %s\n  %s\n\n", fc, ex, fc)
			}
		}
		for _, r := range f.Remediation {
			fmt.Fprintf(bw, "- fix: %s\n", mdProse(r))
		}
		for _, r := range f.References {
			fmt.Fprintf(bw, "- see: %s\n", md(r))
		}
		fmt.Fprintln(bw)
	}
	writeMarkdownTimeline(bw, d, pinned)

	fmt.Fprintf(bw, "### Collection\n\n| field | value |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(bw, "| %s | %s |\n", k, v) }
	row("bundle", md(in.Bundle))
	row("kernel", md(orDash(in.Node.Kernel)))
	row("cgroup mode", md(orDash(in.Node.CgroupMode)))
	row("collector", md(in.Collector.Name+" "+in.Collector.Version))
	row("collected", md(ts(in.StartedAt))+" for "+dur(in.DurationMS))
	if in.CaseID != "" {
		row("case", md(in.CaseID))
	}
	if in.Unredacted {
		row("redaction", "**OFF: may hold secrets**")
	} else {
		row("redaction", fmt.Sprintf("%d value(s), rule set %s", in.Redaction.Total, md(orDash(in.Redaction.RuleSetVersion))))
	}
	row("findings", countsLine(in.FindingCounts))

	fmt.Fprintf(bw, "\n| source | status | time | files | reason |\n|---|---|---|---|---|\n")
	for _, s := range in.Sources {
		fmt.Fprintf(bw, "| %s | %s | %s | %d | %s |\n", md(s.Name), md(s.Status), dur(s.DurationMS), s.Files, md(finding.Cut(s.Reason, 160)))
	}
	return bw.Flush()
}

// writeMarkdownTimeline writes the moments the findings rest on, or
// without any, the last events; at most maxMarkdownEvents either way.
func writeMarkdownTimeline(bw *bufio.Writer, d ReportDoc, pinned map[int][]int) {
	shown, _ := shownEvents(d.Timeline.Events, pinned)
	var pick []tableEvent
	for _, e := range shown {
		if e.Findings != nil {
			pick = append(pick, e)
		}
	}
	what := "the moments the findings point at"
	if len(pick) == 0 {
		pick, what = shown, "the last events"
	}
	if len(pick) > maxMarkdownEvents {
		pick = pick[len(pick)-maxMarkdownEvents:]
	}
	fmt.Fprintf(bw, "### Timeline\n\n")
	if len(pick) == 0 {
		fmt.Fprintf(bw, "No timed events.\n\n")
		return
	}
	fmt.Fprintf(bw, "%d of %d events: %s (all: `rtsnap-analyze timeline BUNDLE`).\n\n| time (UTC) | source | finding | message |\n|---|---|---|---|\n",
		len(pick), len(d.Timeline.Events), what)
	for _, e := range pick {
		var fs []string
		for _, n := range e.Findings {
			fs = append(fs, fmt.Sprintf("F%d", n))
		}
		fmt.Fprintf(bw, "| %s | %s | %s | %s |\n", stamp(e.Time), md(e.Source), strings.Join(fs, " "), md(finding.Cut(e.Message, 160)))
	}
	fmt.Fprintln(bw)
}

func writeMarkdownDiff(bw *bufio.Writer, d *DiffDoc) {
	fmt.Fprintf(bw, "### Changes from %s to %s\n\n", md(d.A.Bundle), md(d.B.Bundle))
	if d.Result.Empty() {
		fmt.Fprintf(bw, "No differences.\n")
		return
	}
	if len(d.Changes) > 0 {
		fmt.Fprintf(bw, "| field | before | after |\n|---|---|---|\n")
		for _, c := range d.Changes {
			fmt.Fprintf(bw, "| %s | %s | %s |\n", md(c.Field), md(finding.Cut(c.Before, 120)), md(finding.Cut(c.After, 120)))
		}
		fmt.Fprintln(bw)
	}
	for _, f := range d.Findings.Appeared {
		fmt.Fprintf(bw, "- appeared: %s `%s` %s\n", f.Severity, f.ID, md(f.Title))
	}
	for _, f := range d.Findings.Cleared {
		fmt.Fprintf(bw, "- cleared: %s `%s` %s\n", f.Severity, f.ID, md(f.Title))
	}
	for _, r := range d.Findings.Recurred {
		before, after := seenParts(r.SeenBefore), seenParts(r.Seen)
		fmt.Fprintf(bw, "- happened again: %s `%s` %s (count %s → %s)\n", r.Severity, r.ID, md(r.Title), before[0], after[0])
	}
	for _, p := range d.Files.Added {
		fmt.Fprintf(bw, "- file added: %s\n", md(p))
	}
	for _, p := range d.Files.Removed {
		fmt.Fprintf(bw, "- file removed: %s\n", md(p))
	}
	for _, td := range d.TextDiffs {
		body := clean(td.Unified, true)
		fc := fence(body)
		fmt.Fprintf(bw, "\n%sdiff\n%s%s\n", fc, body, fc)
		if td.Note != "" {
			fmt.Fprintf(bw, "(%s: %s)\n", md(td.Path), md(td.Note))
		}
	}
	for _, s := range d.Summarized {
		fmt.Fprintf(bw, "\n- summarized (over the diff's limits): %s\n", md(s))
	}
}
