package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/rtsnap/rtsnap/analyze"
	"github.com/rtsnap/rtsnap/analyze/jsonptr"
	"github.com/rtsnap/rtsnap/analyze/render"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/cli"
)

// defaultShowMax bounds what show prints unless --max-bytes says otherwise:
// a file of the bundle may be tens of MiB of log.
const defaultShowMax = 1 << 20

// SchemaLs is the schema of `ls --json`.
const SchemaLs = "rtsnap-analyze/ls/v1"

// showFlags are show's own flags.
type showFlags struct {
	raw      bool
	maxBytes cli.Size
}

func newShowCmd() *cobra.Command {
	fs := newFlags("show BUNDLE PATH[#POINTER|:LINE[-END]]", "print a file of a bundle, the JSON value at a pointer, or a line range",
		"Print evidence from a verified bundle: a whole file (PATH), the JSON value at an RFC 6901 pointer (PATH#/sources/1), or lines of a text or JSONL file (PATH:12 or PATH:12-14), as findings cite them; inspect and findings print the ready command for each piece of evidence. Output is bounded by --max-bytes, and control characters are escaped on the way to the terminal unless --raw.",
		cli.ExactArgs("BUNDLE", "PATH"), cli.OK, cli.Input, cli.Failed)
	var f showFlags
	f.maxBytes = defaultShowMax
	fs.BoolVar(&f.raw, "raw", false, "write the bytes as stored (no escaping, no JSON indenting); refused on a terminal")
	fs.Var(&f.maxBytes, "max-bytes", "print at most `SIZE` (e.g. 4MiB); the output says when it was cut")
	fs.MarkHidden("json") // show prints evidence itself, not a document about it
	fs.cmd.ValidArgsFunction = completeShow
	return fs.command(func(stdout, stderr io.Writer) int {
		if f.maxBytes <= 0 {
			return cli.UsageError(stderr, "rtsnap-analyze show", errors.New("--max-bytes must be positive"))
		}
		if f.raw && cli.IsTerminal(stdout) {
			return cli.UsageError(stderr, "rtsnap-analyze show", errors.New("--raw to a terminal would let the bundle's bytes drive it; redirect stdout"))
		}
		if f.raw {
			stdout = cli.Unwrap(stdout) // byte-exact, and not a terminal
		}
		return cmdShow(fs, f, stdout, stderr)
	})
}

// completeShow completes the bundle file, then the paths inside it (the
// bundle is read and verified as show would; a bundle that does not open
// completes nothing).
func completeShow(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) == 0 {
		return completeBundles(cmd, args, "")
	}
	if len(args) > 1 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ids, err := export.LoadIdentities(mustStringArray(cmd, "identity")...)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	b, err := export.ReadFile(args[0], ids, bundle.DefaultLimits())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return append([]cobra.Completion{manifestPath}, b.Paths()...), cobra.ShellCompDirectiveNoFileComp
}

func mustStringArray(cmd *cobra.Command, name string) []string {
	v, _ := cmd.Flags().GetStringArray(name)
	return v
}

// location is what show was asked for inside the bundle.
type location struct {
	path             string
	pointer          string
	hasPointer       bool
	lineStart, lines int // 1-based first line and count (0: the whole file)
}

// parseLocation resolves arg against the bundle's files: an exact path
// wins (a file name may hold '#' or ':'), then PATH#POINTER, then PATH:N[-M].
func parseLocation(arg string, has func(string) bool) (location, error) {
	if has(arg) {
		return location{path: arg}, nil
	}
	if p, ptr, ok := strings.Cut(arg, "#"); ok && has(p) {
		return location{path: p, pointer: ptr, hasPointer: true}, nil
	}
	if i := strings.LastIndexByte(arg, ':'); i > 0 && has(arg[:i]) {
		a, b, isRange := strings.Cut(arg[i+1:], "-")
		start, err1 := strconv.Atoi(a)
		end := start
		var err2 error
		if isRange {
			end, err2 = strconv.Atoi(b)
		}
		if err1 != nil || err2 != nil || start < 1 || end < start {
			return location{}, fmt.Errorf("%q: want PATH:LINE or PATH:FIRST-LAST with 1 <= FIRST <= LAST", arg)
		}
		return location{path: arg[:i], lineStart: start, lines: end - start + 1}, nil
	}
	return location{}, fmt.Errorf("no file %q in the bundle ('rtsnap-analyze ls BUNDLE' lists them)", arg)
}

// isLocationOf reports whether arg can name file p as parseLocation reads
// it: p itself, p#POINTER or p:LINES.
func isLocationOf(arg, p string) bool {
	return arg == p || (strings.HasPrefix(arg, p) && (arg[len(p)] == '#' || arg[len(p)] == ':'))
}

// readBundle reads and verifies one bundle for show and ls, holding only
// the files hold accepts (bundle.Limits.Hold; ls holds none).
func readBundle(fs *cmdFlags, stderr io.Writer, hold func(string) bool) (*bundle.Bundle, bool) {
	ids, ok := fs.identities(stderr)
	if !ok {
		return nil, false
	}
	lim := bundle.DefaultLimits()
	lim.Hold = hold
	b, err := export.ReadFile(fs.Arg(0), ids, lim)
	if err != nil {
		fmt.Fprintf(stderr, "rtsnap-analyze: %s: %v\n", fs.Arg(0), err)
		verifyHint(stderr, fs.Arg(0), err, analyze.Options{Identities: ids})
		return nil, false
	}
	return b, true
}

func cmdShow(fs *cmdFlags, f showFlags, stdout, stderr io.Writer) int {
	// Only the files the argument can name are held (PATH, PATH#PTR, PATH:N):
	// parseLocation picks among them once the manifest is known.
	b, ok := readBundle(fs, stderr, func(p string) bool { return isLocationOf(fs.Arg(1), p) })
	if !ok {
		return cli.Input
	}
	loc, err := parseLocation(fs.Arg(1), func(p string) bool { _, ok := bundleFile(b, p); return ok })
	if err != nil {
		return cli.UsageError(stderr, "rtsnap-analyze show", err)
	}
	data, _ := bundleFile(b, loc.path)
	switch {
	case loc.hasPointer:
		raw, err := jsonptr.Extract(data, loc.pointer)
		if err != nil {
			err = fmt.Errorf("%s#%s: %w", loc.path, loc.pointer, err)
			if errors.Is(err, jsonptr.ErrNotFound) || errors.Is(err, jsonptr.ErrSyntax) {
				return cli.UsageError(stderr, "rtsnap-analyze show", err)
			}
			fmt.Fprintf(stderr, "rtsnap-analyze show: %s\n", render.TerminalLine(err.Error()))
			return cli.Input
		}
		data = raw
		if !f.raw {
			var buf bytes.Buffer
			if json.Indent(&buf, raw, "", "  ") == nil {
				data = buf.Bytes()
			}
		}
	case loc.lines > 0:
		var found bool
		data, found = lineRange(data, loc.lineStart, loc.lines)
		if !found {
			return cli.UsageError(stderr, "rtsnap-analyze show", fmt.Errorf("%s has fewer than %d lines", loc.path, loc.lineStart))
		}
	}
	return writeBounded(stdout, stderr, data, int64(f.maxBytes), f.raw)
}

// manifestPath is the manifest's name in the archive. The reader keeps
// the parsed manifest, not its bytes: show re-encodes it, with the same
// field names and order of elements, so evidence pointers into it hold.
const manifestPath = "manifest.json"

// bundleFile is a data file of b, or the manifest.
func bundleFile(b *bundle.Bundle, p string) ([]byte, bool) {
	if d, ok := b.File(p); ok {
		return d, true
	}
	if p != manifestPath {
		return nil, false
	}
	d, err := json.MarshalIndent(b.Manifest, "", "  ")
	return d, err == nil
}

// lineRange returns n lines from the 1-based line start, in one pass.
func lineRange(data []byte, start, n int) ([]byte, bool) {
	for i := 1; i < start; i++ {
		j := bytes.IndexByte(data, '\n')
		if j < 0 {
			return nil, false
		}
		data = data[j+1:]
	}
	if len(data) == 0 {
		return nil, false
	}
	end := 0
	for i := 0; i < n && end < len(data); i++ {
		j := bytes.IndexByte(data[end:], '\n')
		if j < 0 {
			end = len(data)
			break
		}
		end += j + 1
	}
	return data[:end], true
}

// writeBounded prints at most max bytes of data, escaped for a terminal
// unless raw, and says on stderr when it cut.
func writeBounded(stdout, stderr io.Writer, data []byte, max int64, raw bool) int {
	total := int64(len(data))
	if total > max {
		data = data[:max]
	}
	var err error
	if raw {
		_, err = stdout.Write(data)
	} else {
		text := render.TerminalText(string(data))
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		_, err = io.WriteString(stdout, text)
	}
	if err != nil {
		return outputErr(stderr, err)
	}
	if total > max {
		fmt.Fprintf(stderr, "rtsnap-analyze show: cut at %s of %s; --max-bytes %s shows all\n", render.Size(max), render.Size(total), cli.FormatSize(total))
	}
	return cli.OK
}

// lsDoc is `ls --json`.
type lsDoc struct {
	Schema string             `json:"schema"`
	Bundle string             `json:"bundle"`
	Files  []bundle.FileEntry `json:"files"`
}

func newLsCmd() *cobra.Command {
	fs := newFlags("ls BUNDLE", "list the files of a bundle", "List the files of a verified bundle in manifest order: path, source, size, and whether it was truncated or had values redacted. Each path can be given to show.",
		cli.ExactArgs("BUNDLE"), cli.OK, cli.Input, cli.Failed)
	return fs.command(func(stdout, stderr io.Writer) int { return cmdLs(fs, stdout, stderr) })
}

func cmdLs(fs *cmdFlags, stdout, stderr io.Writer) int {
	b, ok := readBundle(fs, stderr, func(string) bool { return false })
	if !ok {
		return cli.Input
	}
	files := b.Manifest.Files
	if files == nil {
		files = []bundle.FileEntry{}
	}
	if *fs.json {
		if err := writeJSON(stdout, lsDoc{Schema: SchemaLs, Bundle: fs.Arg(0), Files: files}); err != nil {
			return outputErr(stderr, err)
		}
		return cli.OK
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATH\tSOURCE\tSIZE\tNOTES")
	for _, fe := range files {
		var notes []string
		if fe.Truncated {
			notes = append(notes, "truncated")
		}
		if fe.Redactions > 0 {
			notes = append(notes, fmt.Sprintf("%d redacted", fe.Redactions))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", render.TerminalLine(fe.Path), render.TerminalLine(fe.Source), render.Size(fe.Size), strings.Join(notes, ", "))
	}
	if err := tw.Flush(); err != nil {
		return outputErr(stderr, err)
	}
	return cli.OK
}
