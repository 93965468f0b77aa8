// Package clitools answers the read-only subcommands of crictl, ctr and
// docker from a bundle, in the real tools' output formats, so a playbook
// written in those commands can be followed days later on the bundle. Each
// tool is one file (crictl.go, ctr.go, docker.go); this file holds what
// they share: the errors, the bundle view and the table writer.
package clitools

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/pflag"
	"google.golang.org/protobuf/proto"

	"github.com/rtsnap/rtsnap/bundle"
)

// ErrReadOnly is the answer to a subcommand that would change the node.
var ErrReadOnly = errors.New("read-only: this is a bundle")

// UsageError is a bad command line (the command exits with the usage code).
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// readOnly is the usage error for a mutating subcommand.
func readOnly(tool, sub string) error {
	return &UsageError{Err: fmt.Errorf("%s %s: %w", tool, sub, ErrReadOnly)}
}

// NotCollectedError says the bundle does not hold what a subcommand needs,
// and which source would have collected it with its status.
type NotCollectedError struct {
	Path   string // the file that would hold it
	Source string
	Status string // the source's status in the manifest ("" when it did not run)
	Reason string
}

func (e *NotCollectedError) Error() string {
	msg := fmt.Sprintf("the bundle holds no %s", e.Path)
	switch {
	case e.Status == "":
		return msg + fmt.Sprintf(": source %q did not run in this collection", e.Source)
	case e.Reason != "":
		return msg + fmt.Sprintf(": source %q is %s (%s)", e.Source, e.Status, e.Reason)
	}
	return msg + fmt.Sprintf(": source %q is %s", e.Source, e.Status)
}

// view is a bundle as the tools read it.
type view struct {
	b *bundle.Bundle
	// now is the collection's start: ages ("5 minutes ago") are told as the
	// node would have told them when the bundle was taken.
	now time.Time
	// notes is where the view says what the bundle cut (a log's tail).
	notes io.Writer
}

func newView(b *bundle.Bundle, notes io.Writer) *view {
	v := &view{b: b, now: time.Now(), notes: notes}
	if b.Manifest != nil && !b.Manifest.StartedAt.IsZero() {
		v.now = b.Manifest.StartedAt
	}
	return v
}

// missing is the NotCollectedError for path of source.
func (v *view) missing(source, path string) error {
	e := &NotCollectedError{Path: path, Source: source}
	if v.b.Manifest != nil {
		for _, s := range v.b.Manifest.Sources {
			if s.Name == source {
				e.Status, e.Reason = s.Status, s.Reason
			}
		}
	}
	return e
}

// decode reads a JSON file of source into out.
func (v *view) decode(source, path string, out any) error {
	data, ok := v.b.File(path)
	if !ok {
		if _, held := slices.BinarySearch(v.b.NotHeld, path); held {
			return fmt.Errorf("%s is in the bundle but was not held in memory: raise --memory-limit", path)
		}
		return v.missing(source, path)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// dirs lists the directories right under prefix (cri/, containerd/) that hold name.
func (v *view) dirs(prefix, name string) []string {
	seen := map[string]bool{}
	for _, p := range v.b.Paths() {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		if d, file, ok := strings.Cut(rest, "/"); ok && file == name {
			seen[d] = true
		}
	}
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// table is the tabwriter the tools print tables with; minwidth, padding
// differ per tool.
func table(w io.Writer, minwidth, padding int) *tabwriter.Writer {
	return tabwriter.NewWriter(w, minwidth, 1, padding, ' ', 0)
}

func row(w io.Writer, cols ...string) { fmt.Fprintln(w, strings.Join(cols, "\t")) }

// ago is how the tools print an age.
func ago(now, t time.Time) string { return units.HumanDuration(now.Sub(t)) + " ago" }

// flagSet is a tool's flag set: errors are returned, never printed.
func flagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args and wraps an error as a usage error.
func parse(fs *pflag.FlagSet, args []string) error {
	if err := fs.Parse(args); errors.Is(err, pflag.ErrHelp) {
		return &UsageError{Err: fmt.Errorf("%s takes the real tool's flags; answered from a bundle:\n%s", fs.Name(), fs.FlagUsages())}
	} else if err != nil {
		return &UsageError{Err: fmt.Errorf("%s: %w", fs.Name(), err)}
	}
	return nil
}

// Run answers one tool's command line (args after the tool's name) from b
// on stdout; notes about what the bundle cut go to notes.
func Run(tool string, b *bundle.Bundle, args []string, stdout, notes io.Writer) error {
	return newView(b, notes).run(tool, args, stdout)
}

func (v *view) run(tool string, args []string, stdout io.Writer) error {
	switch tool {
	case "crictl":
		return v.crictl(args, stdout)
	case "docker":
		return v.docker(args, stdout)
	case "ctr":
		return v.ctr(args, stdout)
	}
	return usagef("unknown tool %q", tool)
}

// crictlList is one crictl list command (ps, pods, images, stats, statsp):
// which held items it keeps, in which order, how many, and how an item
// prints with -q, -o json|yaml and as table rows. printList is the one
// path they all take, in crictl's order: -o json|yaml first, then -q,
// then the table (tabwriter 20, 1, 3).
type crictlList[T any] struct {
	keep   func(T) bool     // nil: every item
	order  func(a, b T) int // nil: as held
	limit  int              // 0: every kept item
	id     func(T) string
	proto  func([]T) proto.Message
	header []string
	rows   func(T) [][]string // none: the item is not a row (crictl stats skips stopped containers)
}

func printList[T any](w io.Writer, items []T, l crictlList[T], quiet bool, output string) error {
	var list []T
	for _, it := range items {
		if l.keep == nil || l.keep(it) {
			list = append(list, it)
		}
	}
	if l.order != nil {
		slices.SortStableFunc(list, l.order)
	}
	if l.limit > 0 && l.limit < len(list) {
		list = list[:l.limit]
	}
	if output == "json" || output == "yaml" {
		return printProto(w, l.proto(list), output)
	}
	if quiet {
		bw := bufio.NewWriter(w)
		for _, it := range list {
			bw.WriteString(l.id(it) + "\n")
		}
		return bw.Flush()
	}
	tw := table(w, 20, 3)
	row(tw, l.header...)
	for _, it := range list {
		for _, r := range l.rows(it) {
			row(tw, r...)
		}
	}
	return tw.Flush()
}
