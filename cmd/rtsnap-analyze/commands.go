package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/analyze/timeline"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/safetext"
)

func writeJSON(w io.Writer, v any) error {
	// encoding/json leaves C1 and bidi controls raw: the writer makes them \u escapes.
	sw := safetext.NewWriter(w)
	defer sw.Flush()
	enc := json.NewEncoder(sw)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// load analyzes one bundle; an unreadable one is reported on stderr.
func load(path string, opts analyze.Options, stderr io.Writer) (*analyze.Analysis, bool) {
	a, err := analyze.Load(path, opts)
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: %v\n", err)
		verifyHint(stderr, path, err, opts)
		return nil, false
	}
	return a, true
}

// verifyHint points at verify, which lists every problem, when the bundle
// was read and found damaged. A missing file, a missing or wrong identity
// say all there is to say in their own message.
func verifyHint(stderr io.Writer, path string, err error, opts analyze.Options) {
	if !errors.Is(err, bundle.ErrTampered) && !errors.Is(err, bundle.ErrCorrupt) && !errors.Is(err, bundle.ErrLimit) {
		return
	}
	flags := ""
	if len(opts.Identities) > 0 {
		flags = "--identity FILE "
	}
	fmt.Fprintf(stderr, "rtsnap-analyze: run 'rtsnap-analyze verify %s%s' to list every problem\n", flags, path)
}

func outputErr(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "rtsnap-analyze: writing output: %v\n", err)
	return analyze.ExitUnreadable
}

func cmdVerify(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("verify", "BUNDLE", "Check a bundle's integrity: every file against the manifest's hash and size, the archive against its .sha256 sidecar, every entry for unsafe paths, and with --pubkey the detached signature BUNDLE.minisig over the archive's bytes. An encrypted bundle is decrypted in memory (--identity) and its content checked too. Prints every problem found.", stderr)
	pubkey := fs.String("pubkey", "", "check the signature BUNDLE.minisig with this minisign public key (rtsnap-minisign.pub); a missing or bad signature, or one by another key than the manifest names, is then a problem")
	if code, ok := parse(fs, args, 1, 1); !ok {
		return code
	}
	ids, ok := fs.identities(stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	path := fs.Arg(0)
	v, err := export.VerifyBundle(path, ids, *pubkey, bundle.DefaultLimits())
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: %v\n", err)
		return analyze.ExitUnreadable
	}
	d := newVerifyDoc(path, v)
	if *fs.json {
		if err := writeJSON(stdout, d); err != nil {
			return outputErr(stderr, err)
		}
	} else {
		verifyText(stdout, d)
	}
	if !d.OK {
		return analyze.ExitUnreadable
	}
	return analyze.ExitOK
}

func cmdInspect(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("inspect", "BUNDLE", "Verify a bundle, then print a one-screen summary: node, kernel, cgroup mode, collector, source status, redaction and the top findings.", stderr)
	if code, ok := parse(fs, args, 1, 1); !ok {
		return code
	}
	opts, ok := fs.options(stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	a, ok := load(fs.Arg(0), opts, stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	d := render.NewInspectDoc(a)
	if *fs.json {
		if err := writeJSON(stdout, d); err != nil {
			return outputErr(stderr, err)
		}
	} else {
		render.InspectText(stdout, d)
	}
	return d.ExitCode
}

// expandBundles turns files and directories into bundle paths: a directory
// contributes its *.tar.zst and *.tar.zst.age files, sorted, without descending.
func expandBundles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		ents, err := os.ReadDir(a)
		if err != nil {
			return nil, err
		}
		var found []string
		for _, e := range ents {
			if !e.IsDir() && export.IsBundleName(e.Name()) {
				found = append(found, filepath.Join(a, e.Name()))
			}
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

func cmdFindings(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("findings", "BUNDLE|DIR...", "Run every rule. One bundle: each finding with its evidence, remediation and references. Several bundles (or a directory of *.tar.zst and *.tar.zst.age): a node-by-finding matrix, reading one bundle at a time.", stderr)
	if code, ok := parse(fs, args, 1, -1); !ok {
		return code
	}
	opts, ok := fs.options(stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	paths, err := expandBundles(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: %v\n", err)
		return analyze.ExitUnreadable
	}
	if len(paths) == 0 {
		fmt.Fprintf(stderr, "rtsnap-analyze: no bundles (*.tar.zst, *.tar.zst.age) in %s\n", strings.Join(fs.Args(), " "))
		return analyze.ExitUsage
	}
	multi := len(paths) > 1
	var stream *render.FindingsStream
	if *fs.json {
		stream = render.NewFindingsStream(stdout, multi)
	}
	var matrix render.Matrix
	exit := analyze.ExitOK
	for _, p := range paths {
		// Each analysis is dropped before the next bundle is read: memory
		// stays at one bundle plus one matrix row per node.
		a, err := analyze.Load(p, opts)
		bf := render.NewBundleFindings(p, a, err)
		exit = max(exit, bf.ExitCode)
		switch {
		case stream != nil:
			stream.Add(bf)
		case multi:
			matrix.Add(bf)
		default:
			render.FindingsText(stdout, bf)
		}
		if err != nil && stream == nil && !multi {
			verifyHint(stderr, p, err, opts)
		}
	}
	if stream != nil {
		if err := stream.Close(); err != nil {
			return outputErr(stderr, err)
		}
	} else if multi {
		render.MatrixText(stdout, &matrix)
	}
	return exit
}

func cmdTimeline(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("timeline", "BUNDLE", "One ordered stream of events (collection, sources, journal and log entries), each with its source and clock.", stderr)
	var f timeline.Filter
	fs.StringVar(&f.Pod, "pod", "", "only events about this pod")
	fs.StringVar(&f.Container, "container", "", "only events about this container")
	var sel timeline.Select
	since := fs.String("since", "", "only events at or after this time: RFC 3339, '2026-11-24 09:30:00' (UTC), or a duration before the collection started (15m)")
	until := fs.String("until", "", "only events at or before this time (same forms as --since)")
	fs.StringSliceVar(&sel.Sources, "source", nil, "only events from these sources (journal, logs, cri, containerd, runc, rtsnap; comma-separated or repeated)")
	grep := fs.String("grep", "", "only events whose kind, subject or message matches this RE2 regular expression ((?i) for any case)")
	fs.BoolVar(&sel.Collector, "collector", false, "also show the collector's own events (collection and source start/end)")
	width := fs.Int("width", render.DefaultMessageWidth, "cut messages at this many bytes (0: whole)")
	if code, ok := parse(fs, args, 1, 1); !ok {
		return code
	}
	if *grep != "" {
		re, err := regexp.Compile(*grep)
		if err != nil {
			fmt.Fprintf(stderr, "rtsnap-analyze: --grep: %v\n", err)
			return analyze.ExitUsage
		}
		sel.Grep = re
	}
	opts, ok := fs.options(stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	a, ok := load(fs.Arg(0), opts, stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	for _, b := range []struct {
		flag, val string
		to        *time.Time
	}{{"since", *since, &sel.Since}, {"until", *until, &sel.Until}} {
		if b.val == "" {
			continue
		}
		t, err := timeline.ParseTime(b.val, a.Node.Manifest.StartedAt)
		if err != nil {
			fmt.Fprintf(stderr, "rtsnap-analyze: --%s: %v\n", b.flag, err)
			return analyze.ExitUsage
		}
		*b.to = t
	}
	d := render.NewSelectedTimelineDoc(a, f, timeline.Build(a.Node, timeline.DefaultExtractors(), f), sel)
	if *fs.json {
		if err := writeJSON(stdout, d); err != nil {
			return outputErr(stderr, err)
		}
	} else {
		render.TimelineText(stdout, d, *width)
	}
	return analyze.ExitOK
}

func cmdDiff(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("diff", "A B", "What changed from bundle A to bundle B: host, kernel and collector versions, source statuses, findings that appeared or cleared, files added or removed, config files line by line. Exit code follows the findings that appeared.", stderr)
	all := fs.Bool("all", false, "include volatile fields (timestamps, durations, sizes, changed file hashes)")
	if code, ok := parse(fs, args, 2, 2); !ok {
		return code
	}
	opts, ok := fs.options(stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	a, ok := load(fs.Arg(0), opts, stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	b, ok := load(fs.Arg(1), opts, stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	d := diffDoc(a, b, *all)
	if *fs.json {
		if err := writeJSON(stdout, d); err != nil {
			return outputErr(stderr, err)
		}
	} else {
		render.DiffText(stdout, d)
	}
	return analyze.ExitFor(d.Findings.Appeared)
}

func diffDoc(a, b *analyze.Analysis, all bool) render.DiffDoc {
	opts := diff.Options{All: all}
	return render.NewDiffDoc(a, b, all, diff.Compare(a.Node, b.Node, a.Findings, b.Findings, diff.DefaultDiffers(), opts))
}

func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("report", "BUNDLE", "A self-contained HTML report (no network, no external assets): summary, findings with evidence, a timeline chart, and with --against the diff from OTHER to BUNDLE. --markdown for a support ticket.", stderr)
	against := fs.String("against", "", "also diff against this bundle (OTHER is the baseline, BUNDLE the one under study)")
	markdown := fs.Bool("markdown", false, "write Markdown instead of HTML")
	out := fs.StringP("output", "o", "", "write to this file instead of stdout")
	if code, ok := parse(fs, args, 1, 1); !ok {
		return code
	}
	if *markdown && *fs.json {
		fmt.Fprintln(stderr, "rtsnap-analyze: --markdown and --json exclude each other")
		return analyze.ExitUsage
	}
	opts, ok := fs.options(stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	a, ok := load(fs.Arg(0), opts, stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	var dd *render.DiffDoc
	if *against != "" {
		base, ok := load(*against, opts, stderr)
		if !ok {
			return analyze.ExitUnreadable
		}
		d := diffDoc(base, a, false)
		dd = &d
	}
	doc := render.NewReportDoc(a, timeline.Build(a.Node, timeline.DefaultExtractors(), timeline.Filter{}), dd)

	w, closeOut, err := openOutput(*out, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: %v\n", err)
		return analyze.ExitUsage
	}
	switch {
	case *fs.json:
		err = writeJSON(w, doc)
	case *markdown:
		err = render.Markdown(w, doc)
	default:
		err = render.HTML(w, doc)
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err != nil {
		return outputErr(stderr, err)
	}
	return doc.Inspect.ExitCode
}

// openOutput opens -o FILE (created 0600: a report quotes the bundle) or stdout.
func openOutput(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("creating %s: %w", path, err)
	}
	return f, f.Close, nil
}
