package collect

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/rtsnap/rtsnap/redact"
)

// Capture is an in-memory Output: it keeps what a source wrote, unredacted and
// unbounded, so a source's tests can run it directly against the lab and look
// at its files without an engine or a bundle.
type Capture struct {
	mu       sync.Mutex
	Files    map[string][]byte
	Kinds    map[string]redact.Kind
	Skipped  string
	Partials []string
}

// NewCapture returns an empty Capture.
func NewCapture() *Capture {
	return &Capture{Files: map[string][]byte{}, Kinds: map[string]redact.Kind{}}
}

// WriteFile implements Output.
func (c *Capture) WriteFile(name string, kind redact.Kind, data []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, dup := c.Files[name]; dup {
		return fmt.Errorf("capture: %s written twice", name)
	}
	c.Files[name] = append([]byte(nil), data...)
	c.Kinds[name] = kind
	return nil
}

// WriteJSON implements Output.
func (c *Capture) WriteJSON(name string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", name, err)
	}
	return c.WriteFile(name, redact.JSON, data)
}

// Skip implements Output.
func (c *Capture) Skip(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Skipped = reason
}

// Partial implements Output.
func (c *Capture) Partial(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Partials = append(c.Partials, reason)
}

// unredacted is the test Env's Redactor: a source's tests look at raw data.
type unredacted struct{}

func (unredacted) String(s string) string { return s }

// NewTestEnv returns an Env with default limits for running one source in a
// test. Its Redactor passes text through unchanged.
func NewTestEnv() *Env {
	return &Env{Now: time.Now().UTC(), Since: time.Hour, ProcRoot: "/proc", SysRoot: "/sys", CallTimeout: 5 * time.Second, limits: newRuntimeLimits(4), cache: &runCache{}, Redactor: unredacted{}}
}
