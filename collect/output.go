package collect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	return o.addedLocked(full, entry, err, redactions, cut)
}

// addedLocked accounts for a file the writer stored (or refused with err),
// cut at the source's budget when cut.
func (o *sourceOutput) addedLocked(full string, entry bundle.FileEntry, err error, redactions int, cut bool) error {
	if err == nil {
		o.writer.Annotate(full, redactions, cut)
	}
	if entry.Size > 0 || err == nil {
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
	rel, err := cleanName(name)
	if err != nil {
		return err
	}
	full := o.name + "/" + rel
	stored, data, err := o.streamValue(full, v)
	if stored || err != nil {
		return err
	}
	redacted, redactions := o.red.Bytes(full, redact.JSON, data)
	return o.store(full, redact.JSON, redacted, redactions)
}

// streamValue stores v as full when it can go to the archive without being
// whole in memory: in parts (splitJSON), or redacted record by record from
// its compact form when that is at least streamMin. Otherwise it returns
// v's compact form, unstored, for the whole-document path.
func (o *sourceOutput) streamValue(full string, v any) (bool, []byte, error) {
	overBudget := false
	if parts, ok := splitJSON(v, minRecords); ok {
		stored, err := o.stream(full, func(w io.Writer) (int, error) { return parts.redact(w, o.red, full) })
		if stored {
			return true, nil, err
		}
		overBudget = errors.Is(err, errOverBudget)
	}
	// Compact: the redactor parses the document and writes it indented
	// anyway, so indenting here too was work thrown away.
	data, err := json.Marshal(v)
	if err != nil {
		return false, nil, fmt.Errorf("encoding %s: %w", full, err)
	}
	// A document over the budget in parts is over it compact too: the
	// whole path cuts it.
	if len(data) >= streamMin && !overBudget {
		stored, err := o.stream(full, func(w io.Writer) (int, error) { return o.red.WriteJSON(w, full, data) })
		if stored {
			return true, nil, err
		}
	}
	return false, data, nil
}

// streamMin is the compact size from which a JSON document is redacted
// record by record into the archive (stream): below it one parse tree
// and one redacted copy are small, and the whole path packs the file with
// its neighbours into one compressed batch.
const streamMin = 256 << 10

// stream stores what produce writes to it as full, straight into the archive
// (bundle.FileWriter), so neither the document's parse tree nor its
// redacted copy is ever whole in memory: at 2,000 containers the CRI
// containers document is 22 MB compact and 30 MB redacted. It reports
// false, with nothing stored, when produce fails (a document the redactor
// does not stream, a part that does not marshal) or the document does not
// fit what is left of the source's budget: the caller then takes the
// whole-document path, which cuts such a file. When another file of the
// source took the budget in the meantime, this document's hits stay
// counted and the fallback counts them again: an over-count, never an
// under-count. Unstored, the error says why (errOverBudget for the budget).
func (o *sourceOutput) stream(full string, produce func(io.Writer) (int, error)) (bool, error) {
	f := o.writer.Create(full, o.name, redact.JSON.String())
	capped := &capWriter{w: f, left: o.left()}
	redactions, err := produce(capped)
	if err != nil {
		f.Abort()
		return false, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		f.Abort()
		return true, errClosed
	}
	if f.Size() > o.budget-o.used {
		f.Abort()
		return false, errOverBudget
	}
	entry, err := f.Close()
	return true, o.addedLocked(full, entry, err, redactions, false)
}

// errOverBudget stops a streamed document at the source's budget.
var errOverBudget = errors.New("over the source's budget")

// capWriter passes at most left bytes on.
type capWriter struct {
	w    *bundle.FileWriter
	left int64
}

func (c *capWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > c.left {
		return 0, errOverBudget
	}
	c.left -= int64(len(p))
	return c.w.Write(p)
}

// WriteJSONFit stores doc(n) as <source>/<name>. When its redacted form is
// larger than what is left of the source's budget, it stores doc(k) for the
// largest k that fits instead, so the file is a whole JSON document with the
// first k records rather than one cut mid-value, and returns k with ErrBudget
// (wrapped). k is searched on the unredacted, indented size (the redacted
// size but for replacements), with 1/64 of the budget kept for those, so
// usually only the stored document goes through the redactor. When
// replacements push it over the budget, a smaller k is redacted again and
// that pass's hits are counted in the report again: an over-count, never an
// under-count (a redactor pass that records nothing would end it; the
// redactor has none today). O(log n) marshals, only when the first does not fit.
func (o *sourceOutput) WriteJSONFit(name string, n int, doc func(k int) any) (int, error) {
	rel, err := cleanName(name)
	if err != nil {
		return 0, err
	}
	full := o.name + "/" + rel
	stored, data, err := o.streamValue(full, doc(n))
	if err != nil && !stored {
		return 0, err
	}
	if stored {
		return n, err
	}
	left := o.left()
	if n == 0 || indentedSize(data) <= left {
		redacted, redactions := o.red.Bytes(full, redact.JSON, data)
		if int64(len(redacted)) <= left {
			return n, o.store(full, redact.JSON, redacted, redactions)
		}
		// Replacements made it larger than the budget: cut below (the
		// hits of this pass stay counted).
	}
	o.mu.Lock()
	o.truncated = true
	o.mu.Unlock()
	target := left - left/64
	for target > 0 {
		// Largest k in [0, n) whose document fits target: sizes grow with k.
		k, best := -1, []byte(nil)
		lo, hi := 0, n-1
		for lo <= hi {
			mid := lo + (hi-lo)/2
			d, err := json.Marshal(doc(mid))
			if err != nil {
				return 0, fmt.Errorf("encoding %s: %w", full, err)
			}
			if indentedSize(d) <= target {
				k, best, lo = mid, d, mid+1
			} else {
				hi = mid - 1
			}
		}
		if best == nil {
			break
		}
		redacted, redactions := o.red.Bytes(full, redact.JSON, best)
		if int64(len(redacted)) <= left {
			if err := o.store(full, redact.JSON, redacted, redactions); err != nil {
				return k, err
			}
			o.writer.Annotate(full, redactions, true)
			return k, fmt.Errorf("%s: kept %d of %d records: %w (%d bytes)", full, k, n, ErrBudget, o.budget)
		}
		target -= int64(len(redacted)) - left + left/64
	}
	// Not even the document without records fits: nothing is stored.
	return 0, fmt.Errorf("%s: %w (%d bytes)", full, ErrBudget, o.budget)
}

// indentedSize is the size of compact JSON indented as the redactor writes
// it (two spaces).
func indentedSize(compact []byte) int64 {
	var buf bytes.Buffer
	if err := json.Indent(&buf, compact, "", "  "); err != nil {
		return int64(len(compact))
	}
	return int64(buf.Len())
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
