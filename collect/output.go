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
