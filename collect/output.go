package collect

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/redact"
)

// errClosed is returned to a source that keeps writing after the engine
// abandoned it at its deadline: the bundle may already be committed.
var errClosed = errors.New("source abandoned at its deadline; output closed")

// sourceOutput is the Output the engine hands one source: it redacts, counts
// bytes against the source's budget, and appends to the bundle writer.
type sourceOutput struct {
	name    string
	budget  int64
	writer  *bundle.Writer
	red     *redact.Redactor
	onWrite func(n int64) // progress
	// archiveNote is the status reason when the archive's budget, not the
	// source's own, is what cut the source.
	archiveNote string

	mu        sync.Mutex
	closed    bool
	used      int64
	files     int
	truncated bool
	archFull  bool
	skipped   string
	partials  []string
}

func (o *sourceOutput) WriteFile(name string, kind redact.Kind, data []byte) error {
	rel, err := cleanName(name)
	if err != nil {
		return err
	}
	full := o.name + "/" + rel
	// Redact before taking the lock: it is the expensive part and the
	// redactor is safe for concurrent use.
	redacted, redactions := o.red.Bytes(full, kind, data)
	return o.store(full, kind, redacted, redactions)
}

// store appends redacted data to the bundle as full, cut at the source's
// budget.
func (o *sourceOutput) store(full string, kind redact.Kind, redacted []byte, redactions int) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return errClosed
	}
	remaining := o.budget - o.used
	cut := false
	if int64(len(redacted)) > remaining {
		if remaining <= 0 {
			o.truncated = true
			return fmt.Errorf("%s: %w (%d bytes)", full, ErrBudget, o.budget)
		}
		redacted, cut = redacted[:remaining], true
	}
	entry, err := o.writer.Add(full, o.name, kind.String(), redacted)
	if err == nil {
		o.writer.Annotate(full, redactions, cut)
	}
	if entry.Size > 0 || (err == nil && len(redacted) == 0) {
		o.used += entry.Size
		o.files++
		o.onWrite(entry.Size)
	}
	if errors.Is(err, bundle.ErrFull) {
		o.truncated, o.archFull = true, true
		return fmt.Errorf("%s: archive budget: %w", full, ErrBudget)
	}
	if err != nil {
		return fmt.Errorf("storing %s: %w", full, err)
	}
	if cut {
		o.truncated = true
		return fmt.Errorf("%s: %w (%d bytes)", full, ErrBudget, o.budget)
	}
	return nil
}

func (o *sourceOutput) WriteJSON(name string, v any) error {
	// Compact: the redactor parses the document and writes it indented
	// anyway, so indenting here too was work thrown away.
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding %s/%s: %w", o.name, name, err)
	}
	return o.WriteFile(name, redact.JSON, data)
}

// WriteJSONFit stores doc(n) as <source>/<name>. When its redacted form is
// larger than what is left of the source's budget, it stores doc(k) for the
// largest k that fits instead, so the file is a whole JSON document with the
// first k records rather than one cut mid-value, and returns k with ErrBudget
// (wrapped). The search redacts O(log n) candidate documents, only when the
// first does not fit.
func (o *sourceOutput) WriteJSONFit(name string, n int, doc func(k int) any) (int, error) {
	rel, err := cleanName(name)
	if err != nil {
		return 0, err
	}
	full := o.name + "/" + rel
	render := func(k int) ([]byte, int, error) {
		data, err := json.Marshal(doc(k))
		if err != nil {
			return nil, 0, fmt.Errorf("encoding %s: %w", full, err)
		}
		red, count := o.red.Bytes(full, redact.JSON, data)
		return red, count, nil
	}
	redacted, redactions, err := render(n)
	if err != nil {
		return 0, err
	}
	left := o.left()
	if int64(len(redacted)) <= left || n == 0 {
		return n, o.store(full, redact.JSON, redacted, redactions)
	}
	// Largest k in [0, n) whose document fits: sizes grow with k.
	lo, hi := 0, n-1
	var best []byte
	bestCount := 0
	for lo <= hi {
		mid := lo + (hi-lo)/2
		r, c, err := render(mid)
		if err != nil {
			return 0, err
		}
		if int64(len(r)) <= left {
			best, bestCount, lo = r, c, mid+1
		} else {
			hi = mid - 1
		}
	}
	o.mu.Lock()
	o.truncated = true
	o.mu.Unlock()
	if best == nil {
		// Not even the document without records fits: nothing is stored.
		return 0, fmt.Errorf("%s: %w (%d bytes)", full, ErrBudget, o.budget)
	}
	k := lo - 1
	if err := o.store(full, redact.JSON, best, bestCount); err != nil {
		return k, err
	}
	o.writer.Annotate(full, bestCount, true)
	return k, fmt.Errorf("%s: kept %d of %d records: %w (%d bytes)", full, k, n, ErrBudget, o.budget)
}

// left is what remains of the source's budget.
func (o *sourceOutput) left() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.budget - o.used
}

func (o *sourceOutput) Skip(reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.skipped = o.red.String(reason)
}

func (o *sourceOutput) Partial(reason string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.partials) < 50 {
		o.partials = append(o.partials, o.red.String(reason))
	}
}

// close stops further writes and returns what the source produced.
func (o *sourceOutput) close() (bytes int64, files int, truncated, archFull bool, skipped string, partials []string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	return o.used, o.files, o.truncated, o.archFull, o.skipped, append([]string(nil), o.partials...)
}

// cleanName keeps a source inside its own directory in the bundle.
func cleanName(name string) (string, error) {
	c := path.Clean(name)
	if name == "" || strings.HasPrefix(c, "/") || c == "." || c == ".." || strings.HasPrefix(c, "../") || strings.Contains(name, "\\") {
		return "", fmt.Errorf("file name %q: must be relative and stay inside the source's directory", name)
	}
	return c, nil
}

// JSONFitter is an Output that can store a list document cut on a record
// boundary (the engine's does): see WriteJSONFit.
type JSONFitter interface {
	WriteJSONFit(name string, n int, doc func(k int) any) (int, error)
}

// WriteJSONFit stores doc(n), a document of n records, as name; when it does
// not fit the source's budget, doc(k) for the largest k that does, so a cut
// source still leaves a file the analyzer can read. doc(k) must say in the
// document itself that it holds k of n records. It returns k; with k < n the
// error wraps ErrBudget. An Output that is not a JSONFitter gets doc(n).
func WriteJSONFit(out Output, name string, n int, doc func(k int) any) (int, error) {
	if f, ok := out.(JSONFitter); ok {
		return f.WriteJSONFit(name, n, doc)
	}
	return n, out.WriteJSON(name, doc(n))
}
