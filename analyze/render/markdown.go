package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/finding"
)

// mdEscaper neutralises Markdown and HTML in untrusted text so a bundle
// cannot inject links, images or markup into a ticket.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "(", `\(`, ")", `\)`,
	"#", `\#`, "|", `\|`, "!", `\!`, "~", `\~`, "<", "&lt;", ">", "&gt;", "&", "&amp;",
)

func md(s string) string { return mdEscaper.Replace(line(s)) }

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

// Markdown writes the report for pasting into a support ticket.
func Markdown(w io.Writer, d ReportDoc) error {
	bw := bufio.NewWriter(w)
	in := d.Inspect
	fmt.Fprintf(bw, "## rtsnap report: %s\n\n", md(orDash(in.Node.Hostname)))
	fmt.Fprintf(bw, "| | |\n|---|---|\n")
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

	fmt.Fprintf(bw, "\n### Sources\n\n| source | status | time | files | reason |\n|---|---|---|---|---|\n")
	for _, s := range in.Sources {
		fmt.Fprintf(bw, "| %s | %s | %s | %d | %s |\n", md(s.Name), md(s.Status), dur(s.DurationMS), s.Files, md(finding.Cut(s.Reason, 160)))
	}

	fmt.Fprintf(bw, "\n### Findings\n\n")
	if len(d.Findings) == 0 {
		fmt.Fprintf(bw, "None.\n")
	}
	for _, f := range d.Findings {
		fmt.Fprintf(bw, "#### %s `%s`: %s\n\n", strings.ToUpper(f.Severity.String()), f.ID, md(f.Title))
		if s := f.Subject.String(); s != "" {
			fmt.Fprintf(bw, "Subject: %s\n\n", md(s))
		}
		fmt.Fprintf(bw, "%s\n\n", md(f.Explanation))
		for _, e := range f.Evidence {
			fmt.Fprintf(bw, "- evidence: %s\n", md(e.Location()))
			if e.Excerpt != "" {
				ex := line(finding.Cut(e.Excerpt, 400))
				fc := fence(ex)
				fmt.Fprintf(bw, "\n  %s\n  %s\n  %s\n", fc, ex, fc)
			}
		}
		for _, r := range f.Remediation {
			fmt.Fprintf(bw, "- fix: %s\n", md(r))
		}
		for _, r := range f.References {
			fmt.Fprintf(bw, "- see: %s\n", md(r))
		}
		fmt.Fprintln(bw)
	}
	if d.Diff != nil {
		writeMarkdownDiff(bw, d.Diff)
	}
	return bw.Flush()
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
		fmt.Fprintf(bw, "- happened again: %s `%s` %s (count %d → %d)\n", r.Severity, r.ID, md(r.Title), r.CountBefore, r.Count)
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
}
