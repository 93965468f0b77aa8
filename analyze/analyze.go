// Package analyze wires the analyzer's stages for one bundle: read and verify
// it, build facts once, run the rules. Subpackages hold each stage: facts,
// rules, finding, timeline, diff and render.
package analyze

import (
	"errors"
	"fmt"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/rules"
	"github.com/rtsnap/rtsnap/bundle"
)

// Exit codes, shared by every command and documented in docs/analyzer.md.
const (
	ExitOK         = 0  // nothing at warning or above
	ExitWarnings   = 1  // at least one warning
	ExitErrors     = 2  // at least one error or critical finding
	ExitUnreadable = 3  // a bundle could not be read, or does not match its manifest
	ExitUsage      = 64 // bad command line
)

// ExitFor maps the worst finding to an exit code.
func ExitFor(fs []finding.Finding) int {
	worst, any := finding.Worst(fs)
	switch {
	case !any || worst < finding.Warning:
		return ExitOK
	case worst == finding.Warning:
		return ExitWarnings
	}
	return ExitErrors
}

// Analysis is one bundle read, parsed and judged.
type Analysis struct {
	Path     string
	Node     *facts.Node
	Findings []finding.Finding
}

// Options pick the parsers and rules; zero values mean the defaults.
type Options struct {
	Limits   bundle.Limits
	Parsers  []facts.Parser
	Registry *rules.Registry
}

func (o Options) withDefaults() Options {
	if o.Limits == (bundle.Limits{}) {
		o.Limits = bundle.DefaultLimits()
	}
	if o.Parsers == nil {
		o.Parsers = facts.DefaultParsers()
	}
	if o.Registry == nil {
		o.Registry = rules.Default()
	}
	return o
}

// UnreadableError is a bundle that cannot be analyzed: corrupt, tampered,
// over the limits, or not openable at all. The command exits ExitUnreadable.
type UnreadableError struct {
	Path string
	Err  error
}

func (e *UnreadableError) Error() string {
	kind := "cannot read"
	switch {
	case errors.Is(e.Err, bundle.ErrTampered):
		kind = "tampered or unsafe bundle"
	case errors.Is(e.Err, bundle.ErrCorrupt):
		kind = "corrupt bundle"
	case errors.Is(e.Err, bundle.ErrLimit):
		kind = "bundle over the analyzer's limits"
	}
	return fmt.Sprintf("%s: %s: %v", e.Path, kind, e.Err)
}

func (e *UnreadableError) Unwrap() error { return e.Err }

// Load reads and verifies a bundle file (a tampered or corrupt one is
// refused with an *UnreadableError), builds its facts and runs the rules.
func Load(path string, opts Options) (*Analysis, error) {
	opts = opts.withDefaults()
	b, err := bundle.OpenFile(path, opts.Limits)
	if err != nil {
		return nil, &UnreadableError{Path: path, Err: err}
	}
	return FromBundle(path, b, opts), nil
}

// FromBundle analyzes a bundle already read.
func FromBundle(path string, b *bundle.Bundle, opts Options) *Analysis {
	opts = opts.withDefaults()
	n := facts.FromBundle(path, b, opts.Parsers)
	return &Analysis{Path: path, Node: n, Findings: opts.Registry.Run(n)}
}
