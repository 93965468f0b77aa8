// Package analyze wires the analyzer's stages for one bundle: read and verify
// it, build facts once, run the rules. Subpackages hold each stage: facts,
// rules, finding, timeline, diff and render.
package analyze

import (
	"errors"
	"fmt"

	"filippo.io/age"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
	"github.com/rtsnap/rtsnap/analyze/rules"
	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/export"
	"github.com/rtsnap/rtsnap/internal/exitcode"
)

// Exit codes: the names this package and render use for the one table in
// internal/exitcode (documented in docs/cli.md).
const (
	ExitOK         = exitcode.OK       // nothing at warning or above
	ExitWarnings   = exitcode.Warnings // at least one warning
	ExitErrors     = exitcode.Errors   // at least one error or critical finding
	ExitUnreadable = exitcode.Input    // a bundle could not be read, or does not match its manifest
	ExitUsage      = exitcode.Usage    // bad command line
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

// DefaultMemoryLimit bounds the memory one bundle's analysis may take,
// whatever the bundle holds (`--memory-limit` raises it). Of it, a quarter
// may hold file data while the bundle is read (bundle.Limits.MaxHeldBytes;
// released as each file is parsed) and half decoded facts and log records
// (the facts decode budget, an estimate that runs high: a 100,000-pod
// bundle is estimated at 247 MiB and holds 175 MiB); the rest is the join,
// the rules, the timeline and the output. The command also sets the
// garbage collector's soft limit (GCSoftLimit).
const DefaultMemoryLimit int64 = 512 << 20

// MinMemoryLimit is the smallest --memory-limit: below it even a healthy
// bundle's facts would not fit.
const MinMemoryLimit int64 = 64 << 20

// GCSoftLimit is the runtime/debug.SetMemoryLimit value for a memory limit:
// three quarters of it, so the collector reclaims garbage before the
// process reaches the limit (without it the heap may grow to twice what is
// live).
func GCSoftLimit(memoryLimit int64) int64 { return memoryLimit / 4 * 3 }

// DecodeBudget is the facts decode budget for a memory limit.
func DecodeBudget(memoryLimit int64) int64 { return memoryLimit / 2 }

// Options pick the parsers and rules; zero values mean the defaults.
type Options struct {
	// MemoryLimit is the analysis' memory bound (DefaultMemoryLimit when 0).
	// What does not fit is left out and reported (facts.Node.Cuts, RT1511).
	MemoryLimit int64
	Limits      bundle.Limits
	Parsers     []facts.Parser
	Registry    *rules.Registry
	// Identities decrypt age-encrypted bundles (*.tar.zst.age); any one
	// that is a recipient will do. Plain bundles ignore them.
	Identities []age.Identity
}

// Split is the options for one of n bundles held at once (diff, report
// --against): each gets 1/n of the memory limit, so the process as a whole
// stays within it.
func (o Options) Split(n int) Options {
	if o.MemoryLimit <= 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	if n > 1 {
		o.MemoryLimit /= int64(n)
		o.Limits.MaxHeldBytes = 0 // derived again from the share
	}
	return o
}

func (o Options) withDefaults() Options {
	o = o.withReadDefaults()
	if o.Registry == nil {
		o.Registry = rules.Default()
	}
	return o
}

// withReadDefaults is withDefaults but for the rules, which Load makes
// while the bundle is read.
func (o Options) withReadDefaults() Options {
	if o.MemoryLimit <= 0 {
		o.MemoryLimit = DefaultMemoryLimit
	}
	if o.Limits.MaxEntries == 0 && o.Limits.MaxTotalBytes == 0 { // unset (Limits holds a func: no ==)
		o.Limits = bundle.DefaultLimits()
	}
	if o.Limits.MaxHeldBytes == 0 {
		o.Limits.MaxHeldBytes = o.MemoryLimit / 4
	}
	if o.Parsers == nil {
		o.Parsers = facts.DefaultParsers()
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
	case errors.Is(e.Err, export.ErrEncrypted), errors.Is(e.Err, export.ErrWrongIdentity):
		kind = "cannot decrypt"
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

// Load reads and verifies a bundle file, plain or age-encrypted (decrypted
// in memory with opts.Identities), builds its facts and runs the rules. A
// tampered or corrupt bundle, or one the identities cannot decrypt, is
// refused with an *UnreadableError.
func Load(path string, opts Options) (*Analysis, error) {
	opts = opts.withReadDefaults()
	// The default rules are made while the bundle is read: the first
	// makes the log catalog from its documents (about 40 ms, on a core
	// the read leaves idle).
	var registry chan *rules.Registry
	if opts.Registry == nil {
		registry = make(chan *rules.Registry, 1)
		go func() { registry <- rules.Default() }()
	}
	// export.ReadFile is bundle.OpenFile (the same checks, sidecar included)
	// with age decryption in front when the file is an age file.
	b, err := export.ReadFile(path, opts.Identities, opts.Limits)
	if err != nil {
		return nil, &UnreadableError{Path: path, Err: err}
	}
	if registry != nil {
		opts.Registry = <-registry
	}
	return FromBundle(path, b, opts), nil
}

// FromBundle analyzes a bundle already read.
func FromBundle(path string, b *bundle.Bundle, opts Options) *Analysis {
	opts = opts.withDefaults()
	n := facts.FromBundleBounded(path, b, opts.Parsers, DecodeBudget(opts.MemoryLimit))
	return &Analysis{Path: path, Node: n, Findings: opts.Registry.Run(n)}
}
