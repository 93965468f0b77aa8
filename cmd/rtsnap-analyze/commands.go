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

	"github.com/spf13/cobra"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/analyze/timeline"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/cli"
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
	return cli.Failed
}

func newVerifyCmd() *cobra.Command {
	fs := newFlags("verify BUNDLE", "check a bundle's integrity; print every problem", "Check a bundle's integrity: every file against the manifest's hash and size, the archive against its .sha256 sidecar, every entry for unsafe paths, and with --pubkey the detached signature BUNDLE.minisig over the archive's bytes. An encrypted bundle is decrypted in memory (--identity) and its content checked too. Prints every problem found.", cli.ExactArgs("BUNDLE"), cli.OK, cli.Input, cli.Failed)
	pubkey := fs.String("pubkey", "", "check the signature BUNDLE.minisig with this minisign public key `FILE` (rtsnap-minisign.pub); a missing or bad signature, or one by another key than the manifest names, is then a problem")
	return fs.command(func(stdout, stderr io.Writer) int { return cmdVerify(fs, *pubkey, stdout, stderr) })
}

func cmdVerify(fs *cmdFlags, pubkey string, stdout, stderr io.Writer) int {
	ids, ok := fs.identities(stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	path := fs.Arg(0)
	v, err := export.VerifyBundle(path, ids, pubkey, bundle.DefaultLimits())
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

func newInspectCmd() *cobra.Command {
	fs := newFlags("inspect BUNDLE", "one-screen summary: node, sources, redaction, top findings", "Verify a bundle, then print a one-screen summary: node, kernel, cgroup mode, collector, source status, redaction and the top findings, each with the commands that show its evidence.",
		cli.ExactArgs("BUNDLE"), cli.OK, cli.Warnings, cli.Errors, cli.Input, cli.Failed)
	return fs.command(func(stdout, stderr io.Writer) int { return cmdInspect(fs, stdout, stderr) })
}

func cmdInspect(fs *cmdFlags, stdout, stderr io.Writer) int {
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

func newFindingsCmd() *cobra.Command {
	fs := newFlags("findings BUNDLE|DIR...", "run the rules; several bundles give a node-by-finding matrix", "Run every rule. One bundle: each finding with its evidence (and the command that shows it), remediation and references. Several bundles (or a directory of *.tar.zst and *.tar.zst.age): a node-by-finding matrix, reading one bundle at a time.",
		cli.MinArgs("BUNDLE|DIR"), cli.OK, cli.Warnings, cli.Errors, cli.Input, cli.Failed)
	return fs.command(func(stdout, stderr io.Writer) int { return cmdFindings(fs, stdout, stderr) })
}

func cmdFindings(fs *cmdFlags, stdout, stderr io.Writer) int {
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
		return cli.UsageError(stderr, "rtsnap-analyze findings", fmt.Errorf("no bundles (*.tar.zst, *.tar.zst.age) in %s", strings.Join(fs.Args(), " ")))
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

func newTimelineCmd() *cobra.Command {
	fs := newFlags("timeline BUNDLE", "one ordered stream of events", "One ordered stream of events (journal and log entries, CRI, containerd and runc records), each with its source and clock, then a legend of the sources and what the selection left out. The collector's own events are hidden unless --collector or --source rtsnap.",
		cli.ExactArgs("BUNDLE"), cli.OK, cli.Input, cli.Failed)
	var tf timelineFlags
	fs.StringVar(&tf.filter.Pod, "pod", "", "only events about this `POD`")
	fs.StringVar(&tf.filter.Container, "container", "", "only events about this `CONTAINER`")
	fs.Var(&tf.since, "since", "only events at or after this `TIME`: a duration before the collection started (15m), a time (2026-12-01 10:00, RFC 3339) or boot (the node's)")
	fs.Var(&tf.until, "until", "only events at or before this `TIME` (the forms of --since)")
	fs.StringSliceVar(&tf.sel.Sources, "source", nil, "only events from these `SOURCES` (journal, logs, cri, containerd, runc, rtsnap; comma-separated or repeated)")
	fs.StringVar(&tf.grep, "grep", "", "only events whose kind, subject or message matches this RE2 `REGEXP` ((?i) for any case)")
	fs.BoolVar(&tf.sel.Collector, "collector", false, "also show the collector's own events (collection, each source's start and end)")
	fs.IntVar(&tf.width, "width", render.DefaultMessageWidth, "cut messages at this many `BYTES` (0: whole)")
	return fs.command(func(stdout, stderr io.Writer) int { return cmdTimeline(fs, &tf, stdout, stderr) })
}

// timelineFlags are timeline's selection flags; --since and --until take
// the collector's forms (cli.Since), resolved against the bundle.
type timelineFlags struct {
	filter       timeline.Filter
	sel          timeline.Select
	since, until cli.Since
	grep         string
	width        int
}

// bound resolves a --since/--until value against the bundle: a duration
// counts back from the collection's start, boot is the node's boot time as
// host/ recorded it. Unset is the zero time (no bound).
func bound(v cli.Since, a *analyze.Analysis) (time.Time, error) {
	switch {
	case v.Ago > 0:
		return a.Node.Manifest.StartedAt.Add(-v.Ago), nil
	case v.Boot:
		if h := a.Node.Host.Facts; h != nil && !h.BootTime.IsZero() {
			return h.BootTime, nil
		}
		return time.Time{}, errors.New("boot: the bundle does not record the node's boot time (host/)")
	}
	return v.At, nil
}

func cmdTimeline(fs *cmdFlags, tf *timelineFlags, stdout, stderr io.Writer) int {
	if tf.grep != "" {
		re, err := regexp.Compile(tf.grep)
		if err != nil {
			return cli.UsageError(stderr, "rtsnap-analyze timeline", fmt.Errorf("--grep: %w", err))
		}
		tf.sel.Grep = re
	}
	opts, ok := fs.options(stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	a, ok := load(fs.Arg(0), opts, stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	var err error
	if tf.sel.Since, err = bound(tf.since, a); err == nil {
		tf.sel.Until, err = bound(tf.until, a)
	}
	if err != nil {
		return cli.UsageError(stderr, "rtsnap-analyze timeline", err)
	}
	d := render.NewSelectedTimelineDoc(a, tf.filter, timeline.Build(a.Node, timeline.DefaultExtractors(), tf.filter), tf.sel)
	if *fs.json {
		if err := writeJSON(stdout, d); err != nil {
			return outputErr(stderr, err)
		}
	} else {
		render.TimelineText(stdout, d, tf.width)
	}
	return analyze.ExitOK
}

func newDiffCmd() *cobra.Command {
	fs := newFlags("diff A B", "what changed from bundle A to bundle B", "What changed from bundle A to bundle B: host, kernel and collector versions, source statuses, findings that appeared, cleared or happened again (a changed count or last time), files added or removed, config files line by line. The exit code follows the findings that appeared.",
		cli.ExactArgs("A", "B"), cli.OK, cli.Warnings, cli.Errors, cli.Input, cli.Failed)
	all := fs.Bool("all", false, "include volatile fields (timestamps, durations, sizes, changed file hashes)")
	return fs.command(func(stdout, stderr io.Writer) int { return cmdDiff(fs, *all, stdout, stderr) })
}

func cmdDiff(fs *cmdFlags, all bool, stdout, stderr io.Writer) int {
	opts, ok := fs.options(stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	opts = opts.Split(2) // both bundles are held at once
	a, ok := load(fs.Arg(0), opts, stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	b, ok := load(fs.Arg(1), opts, stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	d := diffDoc(a, b, all)
	if *fs.json {
		if err := writeJSON(stdout, d); err != nil {
			return outputErr(stderr, err)
		}
	} else {
		render.DiffText(stdout, d)
	}
	return analyze.ExitFor(d.Findings.Worsened())
}

func diffDoc(a, b *analyze.Analysis, all bool) render.DiffDoc {
	opts := diff.Options{All: all}
	return render.NewDiffDoc(a, b, all, diff.Compare(a.Node, b.Node, a.Findings, b.Findings, diff.DefaultDiffers(), opts))
}

func newReportCmd() *cobra.Command {
	fs := newFlags("report BUNDLE -o FILE", "self-contained HTML (or Markdown) report", "A self-contained HTML report (no network, no external assets): summary, findings with evidence, a timeline chart, and with --against the diff from OTHER to BUNDLE. --markdown for a support ticket. The exit code says whether the report was written, not what it found (inspect and findings judge).\n\nHTML is never written to a terminal: give -o FILE or redirect stdout.",
		cli.ExactArgs("BUNDLE"), cli.OK, cli.Input, cli.Failed)
	var r reportFlags
	fs.StringVar(&r.against, "against", "", "also diff against this bundle: `OTHER` is the baseline, BUNDLE the one under study")
	fs.BoolVar(&r.markdown, "markdown", false, "write Markdown instead of HTML")
	fs.StringVarP(&r.out, "output", "o", "", "write to this `FILE` (mode 0600) instead of stdout")
	fs.cmd.MarkFlagsMutuallyExclusive("markdown", "json")
	return fs.command(func(stdout, stderr io.Writer) int {
		if r.out == "" && !*fs.json && !r.markdown && cli.IsTerminal(stdout) {
			return cli.UsageError(stderr, "rtsnap-analyze report", errors.New("stdout is a terminal: not writing HTML there; give -o FILE (e.g. -o report.html) or redirect stdout"))
		}
		return cmdReport(fs, r, stdout, stderr)
	})
}

// reportFlags are report's own flags.
type reportFlags struct {
	against, out string
	markdown     bool
}

func cmdReport(fs *cmdFlags, r reportFlags, stdout, stderr io.Writer) int {
	opts, ok := fs.options(stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	if r.against != "" {
		opts = opts.Split(2) // both bundles are held at once
	}
	a, ok := load(fs.Arg(0), opts, stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	var dd *render.DiffDoc
	if r.against != "" {
		base, ok := load(r.against, opts, stderr)
		if !ok {
			return analyze.ExitUnreadable
		}
		d := diffDoc(base, a, false)
		dd = &d
	}
	doc := render.NewReportDoc(a, timeline.Build(a.Node, timeline.DefaultExtractors(), timeline.Filter{}), dd)

	w, closeOut, err := openOutput(r.out, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: %v\n", err)
		return cli.Failed
	}
	switch {
	case *fs.json:
		err = writeJSON(w, doc)
	case r.markdown:
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
	if r.out != "" && r.out != "-" {
		fmt.Fprintf(stderr, "rtsnap-analyze: wrote %s\n", r.out)
	}
	return cli.OK
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
