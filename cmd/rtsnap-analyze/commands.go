package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/diff"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/analyze/timeline"
	"github.com/rtsnap/rtsnap/bundle"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// load analyzes one bundle; an unreadable one is reported on stderr.
func load(path string, stderr io.Writer) (*analyze.Analysis, bool) {
	a, err := analyze.Load(path, analyze.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: %v\n", err)
		var ue *analyze.UnreadableError
		if errors.As(err, &ue) && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "rtsnap-analyze: run 'rtsnap-analyze verify %s' to list every problem\n", path)
		}
		return nil, false
	}
	return a, true
}

func outputErr(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "rtsnap-analyze: writing output: %v\n", err)
	return analyze.ExitUnreadable
}

func cmdVerify(args []string, stdout, stderr io.Writer) int {
	fs, asJSON := newFlags("verify", "BUNDLE", "Check a bundle's integrity: every file against the manifest's hash and size, the archive against its .sha256 sidecar, and every entry for unsafe paths. Prints every problem found.", stderr)
	if code, ok := parse(fs, args, 1, 1); !ok {
		return code
	}
	path := fs.Arg(0)
	rep, err := bundle.VerifyFile(path, bundle.DefaultLimits())
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: %v\n", err)
		return analyze.ExitUnreadable
	}
	d := render.NewVerifyDoc(path, rep)
	if *asJSON {
		if err := writeJSON(stdout, d); err != nil {
			return outputErr(stderr, err)
		}
	} else {
		render.VerifyText(stdout, d)
	}
	if !d.OK {
		return analyze.ExitUnreadable
	}
	return analyze.ExitOK
}

func cmdInspect(args []string, stdout, stderr io.Writer) int {
	fs, asJSON := newFlags("inspect", "BUNDLE", "Verify a bundle, then print a one-screen summary: node, kernel, cgroup mode, collector, source status, redaction and the top findings.", stderr)
	if code, ok := parse(fs, args, 1, 1); !ok {
		return code
	}
	a, ok := load(fs.Arg(0), stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	d := render.NewInspectDoc(a)
	if *asJSON {
		if err := writeJSON(stdout, d); err != nil {
			return outputErr(stderr, err)
		}
	} else {
		render.InspectText(stdout, d)
	}
	return d.ExitCode
}

// expandBundles turns files and directories into bundle paths: a directory
// contributes its *.tar.zst files, sorted, without descending.
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
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".tar.zst") {
				found = append(found, filepath.Join(a, e.Name()))
			}
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

func cmdFindings(args []string, stdout, stderr io.Writer) int {
	fs, asJSON := newFlags("findings", "BUNDLE|DIR...", "Run every rule. One bundle: each finding with its evidence, remediation and references. Several bundles (or a directory of *.tar.zst): a node-by-finding matrix, reading one bundle at a time.", stderr)
	if code, ok := parse(fs, args, 1, -1); !ok {
		return code
	}
	paths, err := expandBundles(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: %v\n", err)
		return analyze.ExitUnreadable
	}
	if len(paths) == 0 {
		fmt.Fprintf(stderr, "rtsnap-analyze: no bundles (*.tar.zst) in %s\n", strings.Join(fs.Args(), " "))
		return analyze.ExitUsage
	}
	multi := len(paths) > 1
	var stream *render.FindingsStream
	if *asJSON {
		stream = render.NewFindingsStream(stdout, multi)
	}
	var matrix render.Matrix
	exit := analyze.ExitOK
	for _, p := range paths {
		// Each analysis is dropped before the next bundle is read: memory
		// stays at one bundle plus one matrix row per node.
		a, err := analyze.Load(p, analyze.Options{})
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
			fmt.Fprintf(stderr, "rtsnap-analyze: run 'rtsnap-analyze verify %s' to list every problem\n", p)
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
	fs, asJSON := newFlags("timeline", "BUNDLE", "One ordered stream of events (collection, sources, journal and log entries), each with its source and clock.", stderr)
	var f timeline.Filter
	fs.StringVar(&f.Pod, "pod", "", "only events about this pod")
	fs.StringVar(&f.Container, "container", "", "only events about this container")
	if code, ok := parse(fs, args, 1, 1); !ok {
		return code
	}
	a, ok := load(fs.Arg(0), stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	d := render.NewTimelineDoc(a, f, timeline.Build(a.Node, timeline.DefaultExtractors(), f))
	if *asJSON {
		if err := writeJSON(stdout, d); err != nil {
			return outputErr(stderr, err)
		}
	} else {
		render.TimelineText(stdout, d)
	}
	return analyze.ExitOK
}

func cmdDiff(args []string, stdout, stderr io.Writer) int {
	fs, asJSON := newFlags("diff", "A B", "What changed from bundle A to bundle B: host, kernel and collector versions, source statuses, findings that appeared or cleared, files added or removed, config files line by line. Exit code follows the findings that appeared.", stderr)
	all := fs.Bool("all", false, "include volatile fields (timestamps, durations, sizes, changed file hashes)")
	if code, ok := parse(fs, args, 2, 2); !ok {
		return code
	}
	a, ok := load(fs.Arg(0), stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	b, ok := load(fs.Arg(1), stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	d := diffDoc(a, b, *all)
	if *asJSON {
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
	fs, asJSON := newFlags("report", "BUNDLE", "A self-contained HTML report (no network, no external assets): summary, findings with evidence, a timeline chart, and with --against the diff from OTHER to BUNDLE. --markdown for a support ticket.", stderr)
	against := fs.String("against", "", "also diff against this bundle (OTHER is the baseline, BUNDLE the one under study)")
	markdown := fs.Bool("markdown", false, "write Markdown instead of HTML")
	out := fs.StringP("output", "o", "", "write to this file instead of stdout")
	if code, ok := parse(fs, args, 1, 1); !ok {
		return code
	}
	if *markdown && *asJSON {
		fmt.Fprintln(stderr, "rtsnap-analyze: --markdown and --json exclude each other")
		return analyze.ExitUsage
	}
	a, ok := load(fs.Arg(0), stderr)
	if !ok {
		return analyze.ExitUnreadable
	}
	var dd *render.DiffDoc
	if *against != "" {
		base, ok := load(*against, stderr)
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
	case *asJSON:
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
