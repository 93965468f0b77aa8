package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/bundle"
)

// Family 15: collection health. Missing data must never be silent: each rule
// says which source is incomplete and what conclusions that hides.

// sourceHides says, per source, what an analyst cannot see when it is missing.
var sourceHides = map[string]string{
	"discovery":  "which runtime sockets and daemons exist, so endpoint and 'runtime down' checks cannot run",
	"cri":        "pod and container states, restart counts, exit codes and image pulls as kubelet sees them (CrashLoopBackOff, ImagePullBackOff, stuck ContainerCreating are invisible)",
	"containerd": "containerd's own view: tasks and shims, snapshots, leases, content and plugin init errors (state desync and leak checks cannot run)",
	"metadb":     "the integrity of containerd's metadata database (meta.db corruption goes undetected)",
	"docker":     "Docker's containers, images and daemon settings such as its cgroup driver",
	"runc":       "runc state files with init pids and start times (a 'running' container whose process is gone cannot be detected)",
	"proc":       "runtime processes, their ages and parents, and pid reuse",
	"cgroup":     "freezer state and memory events (paused/frozen containers and OOM kills per container are invisible)",
	"journal":    "daemon, kubelet and kernel log entries (error signatures, restarts and kernel OOM messages are missing from findings and the timeline)",
	"logs":       "container and daemon log files (log signatures and crash output are missing)",
	"configs":    "runtime and kubelet configuration (cgroup driver, sandbox image and registry mirror checks cannot run; config diffs are empty)",
	"host":       "kernel, OS, disk and inode use of the runtime roots, systemd units and runtime binary versions (disk pressure and known-buggy-version checks cannot run)",
}

// Hides is what is missing when source name is incomplete.
func Hides(name string) string {
	if h, ok := sourceHides[name]; ok {
		return h
	}
	return "whatever the " + name + " source collects"
}

// runtimeSources are the sources whose timeouts often mean a hung runtime.
var runtimeSources = map[string]bool{"cri": true, "containerd": true, "docker": true, "metadb": true}

func collectionHealth() []Rule {
	return []Rule{
		{ID: "RT1501-source-timed-out", Family: 15, Title: "A source timed out", Reads: []string{"manifest.json#/sources"},
			Check: sourcesWithStatus(bundle.StatusTimeout, finding.Warning)},
		{ID: "RT1502-source-failed", Family: 15, Title: "A source failed", Reads: []string{"manifest.json#/sources"},
			Check: sourcesWithStatus(bundle.StatusError, finding.Warning)},
		{ID: "RT1503-source-partial", Family: 15, Title: "A source collected only part of its data", Reads: []string{"manifest.json#/sources"},
			Check: sourcesWithStatus(bundle.StatusPartial, finding.Warning)},
		{ID: "RT1504-source-skipped", Family: 15, Title: "A source was skipped", Reads: []string{"manifest.json#/sources"},
			Check: sourcesWithStatus(bundle.StatusSkipped, finding.Info)},
		{ID: "RT1505-bundle-truncated", Family: 15, Title: "The bundle hit its size budget", Reads: []string{"manifest.json#/truncated"},
			Check: bundleTruncated},
		{ID: "RT1506-files-truncated", Family: 15, Title: "Files were cut at their size limit", Reads: []string{"manifest.json#/files"},
			Check: filesTruncated},
		{ID: "RT1507-unreadable-file", Family: 15, Title: "A file in the bundle could not be parsed", Reads: []string{"every parsed file"},
			Check: unreadableFiles},
		{ID: "RT1508-unredacted-bundle", Family: 15, Title: "The bundle was collected without redaction", Reads: []string{"manifest.json#/unredacted"},
			Check: unredacted},
		{ID: "RT1510-source-deselected", Family: 15, Title: "A source was left out by --only or --skip", Reads: []string{"manifest.json#/options", "manifest.json#/sources"},
			Check: sourcesDeselected},
		{ID: "RT1511-over-analyzer-limits", Family: 15, Title: "Parts of the bundle were left out: over the analyzer's memory limit", Reads: []string{"manifest.json#/files"},
			Check: overLimits},
		{ID: "RT1509-redaction-report-missing", Family: 15, Title: "The redaction report is missing", Reads: []string{"redaction-report.json"},
			Check: redactionReportMissing},
	}
}

// maxEvidence bounds evidence per finding so a hostile manifest with 100k
// entries cannot blow up the output.
const maxEvidence = 10

func sourcesWithStatus(status string, sev finding.Severity) func(*facts.Node) []finding.Finding {
	return func(n *facts.Node) []finding.Finding {
		var out []finding.Finding
		for i, s := range n.Manifest.Sources {
			if s.Status != status {
				continue
			}
			out = append(out, finding.Finding{
				Severity:    sev,
				Title:       sourceTitle(s),
				Subject:     finding.Subject{Source: s.Name},
				Explanation: sourceExplanation(s),
				Evidence: []finding.Evidence{{Path: bundle.ManifestPath, Pointer: fmt.Sprintf("/sources/%d", i),
					Excerpt: finding.ExcerptJSON(struct {
						Name       string `json:"name"`
						Status     string `json:"status"`
						Reason     string `json:"reason,omitempty"`
						DurationMS int64  `json:"duration_ms"`
						Files      int    `json:"files"`
					}{s.Name, s.Status, s.Reason, s.DurationMS, s.Files}, 400)}},
				Remediation: sourceRemediation(s),
			})
		}
		return out
	}
}

func sourceTitle(s bundle.SourceStatus) string {
	switch s.Status {
	case bundle.StatusTimeout:
		return fmt.Sprintf("Source %q timed out after %s", s.Name, ms(s.DurationMS))
	case bundle.StatusError:
		return fmt.Sprintf("Source %q failed", s.Name)
	case bundle.StatusPartial:
		return fmt.Sprintf("Source %q is incomplete", s.Name)
	}
	return fmt.Sprintf("Source %q was skipped", s.Name)
}

func sourceExplanation(s bundle.SourceStatus) string {
	var b strings.Builder
	switch s.Status {
	case bundle.StatusTimeout:
		fmt.Fprintf(&b, "The %s source was stopped at its deadline; whatever it wrote before is kept.", s.Name)
	case bundle.StatusError:
		fmt.Fprintf(&b, "The %s source failed.", s.Name)
	case bundle.StatusPartial:
		fmt.Fprintf(&b, "The %s source finished but some of its calls or files failed.", s.Name)
	default:
		fmt.Fprintf(&b, "The %s source did not run.", s.Name)
	}
	if s.Reason != "" {
		fmt.Fprintf(&b, " Reason: %s.", strings.TrimSuffix(s.Reason, "."))
	}
	fmt.Fprintf(&b, " Missing from this bundle: %s.", Hides(s.Name))
	if s.Status == bundle.StatusTimeout && runtimeSources[s.Name] {
		b.WriteString(" A runtime that does not answer within the deadline is itself a symptom: a hung daemon or shim looks exactly like this.")
	}
	return b.String()
}

func sourceRemediation(s bundle.SourceStatus) []string {
	switch s.Status {
	case bundle.StatusTimeout:
		out := []string{fmt.Sprintf("Collect again with a longer per-source deadline (e.g. rtsnap collect --source-timeout 60s --only %s).", s.Name)}
		if runtimeSources[s.Name] {
			out = append(out, "If it times out again, treat the runtime as hung: check the daemon's log and whether its socket answers (crictl info, ctr version).")
		}
		return out
	case bundle.StatusError, bundle.StatusPartial:
		return []string{"Read the reason above and the source's files in the bundle for the failing calls.",
			fmt.Sprintf("Collect again with rtsnap collect --only %s once the cause is fixed.", s.Name)}
	}
	return []string{fmt.Sprintf("If this data matters for the case, collect again with the source enabled (rtsnap collect --only %s).", s.Name)}
}

func ms(d int64) string {
	if d >= 1000 {
		return fmt.Sprintf("%.1fs", float64(d)/1000)
	}
	return fmt.Sprintf("%dms", d)
}

func bundleTruncated(n *facts.Node) []finding.Finding {
	m := n.Manifest
	if !m.Truncated {
		return nil
	}
	reason := m.TruncatedReason
	if reason == "" {
		reason = "no reason recorded"
	}
	return []finding.Finding{{
		Severity:    finding.Warning,
		Explanation: "The collector stopped adding files when the archive reached its budget (" + reason + "). Files that did not fit are absent: any rule that finds nothing may simply lack its input.",
		Evidence:    []finding.Evidence{{Path: bundle.ManifestPath, Pointer: "/truncated_reason", Excerpt: finding.Cut(reason, 300)}},
		Remediation: []string{"Collect again with a larger budget (rtsnap collect --max-size) or fewer sources (--only), on a tmpfs with room for it."},
	}}
}

func filesTruncated(n *facts.Node) []finding.Finding {
	bySource := map[string][]int{}
	for i, f := range n.Manifest.Files {
		if f.Truncated {
			bySource[f.Source] = append(bySource[f.Source], i)
		}
	}
	names := make([]string, 0, len(bySource))
	for s := range bySource {
		names = append(names, s)
	}
	sort.Strings(names)
	var out []finding.Finding
	for _, src := range names {
		idx := bySource[src]
		var ev []finding.Evidence
		for _, i := range idx[:min(len(idx), maxEvidence)] {
			f := n.Manifest.Files[i]
			ev = append(ev, finding.Evidence{Path: bundle.ManifestPath, Pointer: fmt.Sprintf("/files/%d", i),
				Excerpt: finding.Cut(fmt.Sprintf("%s (%d bytes kept)", f.Path, f.Size), 300)})
		}
		out = append(out, finding.Finding{
			Severity: finding.Info,
			Title:    fmt.Sprintf("%d file(s) of source %q were cut at their size limit", len(idx), src),
			Subject:  finding.Subject{Source: src},
			Explanation: "These files hold only their first bytes; entries past the cut (often the newest log lines) are missing. " +
				"Missing from this bundle: the tail of " + Hides(src) + ".",
			Evidence:    ev,
			Remediation: []string{"If the tail matters, collect again with a larger per-source budget, or copy the file directly."},
		})
	}
	return out
}

func unreadableFiles(n *facts.Node) []finding.Finding {
	var out []finding.Finding
	for i, pe := range n.ParseErrors {
		if i == maxEvidence*5 {
			out = append(out, finding.Finding{Severity: finding.Warning, Title: "More unreadable files",
				Explanation: fmt.Sprintf("%d more files could not be parsed; only the first %d are listed.", len(n.ParseErrors)-i, i),
				Evidence:    []finding.Evidence{{Path: bundle.ManifestPath, Pointer: "/files"}}})
			break
		}
		ev := finding.Evidence{Path: pe.Path, LineStart: pe.Line, Excerpt: finding.Cut(pe.Err, 300)}
		expl := fmt.Sprintf("The %s parser could not read this file: %s.", pe.Parser, finding.Cut(pe.Err, 300))
		if pe.Count > 1 {
			expl += fmt.Sprintf(" %d lines were unreadable; the first is cited.", pe.Count)
		}
		expl += " Rules that need this file saw nothing in it; the file may be damaged, cut mid-line, or not what its name says."
		out = append(out, finding.Finding{
			Severity:    finding.Warning,
			Title:       "Unreadable file " + finding.Cut(pe.Path, 120),
			Subject:     finding.Subject{File: pe.Path},
			Explanation: expl,
			Evidence:    []finding.Evidence{ev},
			Remediation: []string{"Look at the file by hand (rtsnap-analyze inspect lists it); if the collector wrote it this way, report it with the bundle's manifest."},
		})
	}
	return out
}

// overLimits reports, as one finding, what the memory limit cut (facts.Cut):
// an analysis that is missing data must say so, not look complete.
func overLimits(n *facts.Node) []finding.Finding {
	total := len(n.Cuts) + n.CutsMore
	if total == 0 {
		return nil
	}
	var evs []finding.Evidence
	for _, c := range n.Cuts {
		if len(evs) == maxEvidence {
			break
		}
		evs = append(evs, finding.Evidence{Path: c.Path, Excerpt: finding.Cut(c.What+": "+c.Reason, 300)})
	}
	return []finding.Finding{{
		Severity: finding.Warning,
		Title:    fmt.Sprintf("%d parts of the bundle were left out of this analysis (memory limit)", total),
		Explanation: fmt.Sprintf("The bundle holds more than the analyzer keeps in memory (--memory-limit): %d files or log ranges were not read or not decoded; "+
			"the first %d are cited. Rules that need them saw nothing, so absent findings prove nothing about them. "+
			"A bundle the collector wrote stays far below the default; one this large may be crafted.", total, len(evs)),
		Evidence:    evs,
		Remediation: []string{"Analyze again with a larger --memory-limit (for example --memory-limit 2GiB) on a machine with that much free memory.", "If the bundle came from rtsnap collect, report its manifest: the collector's budgets should keep it small."},
	}}
}

func unredacted(n *facts.Node) []finding.Finding {
	if !n.Manifest.Unredacted {
		return nil
	}
	return []finding.Finding{{
		Severity: finding.Warning,
		Explanation: "This bundle was collected with redaction turned off: environment variables, registry credentials, tokens and keys " +
			"may appear verbatim in its files. Anyone who receives it can read them.",
		Evidence:    []finding.Evidence{{Path: bundle.ManifestPath, Pointer: "/unredacted", Excerpt: "true"}},
		Remediation: []string{"Share it only over a channel cleared for secrets, and delete copies when the case closes.", "Collect a redacted bundle for anything that leaves the team."},
	}}
}

func redactionReportMissing(n *facts.Node) []finding.Finding {
	if _, ok := n.Files[facts.RedactionReportPath]; ok {
		return nil
	}
	return []finding.Finding{{
		Severity:    finding.Warning,
		Explanation: "Every rtsnap bundle carries redaction-report.json; this one does not, so what was redacted, and whether anything was, cannot be told. The bundle may have been cut by its budget or made by another tool.",
		Evidence:    []finding.Evidence{{Path: bundle.ManifestPath, Pointer: "/files"}},
		Remediation: []string{"Treat the bundle as possibly unredacted until checked.", "Collect again with the current rtsnap."},
	}}
}

// knownSources are the collector's sources, in the order it lists them.
var knownSources = []string{"discovery", "host", "cri", "containerd", "docker", "runc", "proc", "cgroup", "journal", "logs", "configs", "metadb"}

// sliceOption reads a string-slice flag as the collector records it: "[a,b]".
func sliceOption(v string) []string {
	v = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(v), "["), "]")
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// sourcesDeselected names sources that never ran because the operator left
// them out: they have no status in the manifest, so nothing else would say so.
func sourcesDeselected(n *facts.Node) []finding.Finding {
	opts := n.Manifest.Options
	var out []finding.Finding
	add := func(name, option, why string) {
		if _, ran := n.Sources[name]; ran {
			return
		}
		out = append(out, finding.Finding{
			Severity:    finding.Info,
			Title:       fmt.Sprintf("Source %q was not collected (%s)", name, why),
			Subject:     finding.Subject{Source: name},
			Explanation: fmt.Sprintf("The collection was run with %s, so the %s source did not run. Missing from this bundle: %s.", why, name, Hides(name)),
			Evidence:    []finding.Evidence{{Path: bundle.ManifestPath, Pointer: "/options/" + option, Excerpt: finding.Cut(opts[option], 200)}},
			Remediation: []string{fmt.Sprintf("If this data matters for the case, collect again with it (rtsnap collect --only %s).", name)},
		})
	}
	for _, name := range sliceOption(opts["skip"]) {
		if len(out) == maxEvidence*5 {
			break
		}
		add(name, "skip", "--skip "+name)
	}
	if only := sliceOption(opts["only"]); len(only) > 0 {
		listed := map[string]bool{}
		for _, s := range only {
			listed[s] = true
		}
		for _, name := range knownSources {
			if !listed[name] {
				add(name, "only", "--only "+strings.Join(only, ","))
			}
		}
	}
	return out
}
