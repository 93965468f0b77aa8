package redact

// cleanSet remembers string values of one JSON document that the text
// rules left as they were, so that a value repeated from record to record
// (a capability name, a mount's options, the service-account token's path
// in every container's spec, the same image's environment) is scanned
// once per document instead of once per record. It is sound because the
// text rules are a function of the string alone (and of the Redactor's
// configuration, fixed at New): jsonWalker.walk calls r.text on a string
// value with options it derives from the string itself, so a value that
// came out unchanged once comes out unchanged every time. Only values with
// no hits are remembered; a value that had one is redacted again wherever
// it appears, and counted again.
//
// The walk's strings are views of the parser's input, which the streamed
// paths reuse record after record, so a remembered value is a copy, kept
// in chunks of an arena rather than one allocation each. The set is
// bounded: when it holds maxCleanBytes it is emptied and starts again, so
// a document of unique values costs at most that much memory and a copy of
// each short value.
type cleanSet struct {
	seen  map[string]struct{}
	chunk []byte // the arena's current chunk: keys are views of it
	bytes int    // bytes remembered since the set was last emptied
}

const (
	// maxCleanLen is the longest value remembered: longer ones are
	// mostly unique (a command line, a message) and costly to copy.
	maxCleanLen = 256
	// maxCleanBytes bounds what the set holds (keys' bytes).
	maxCleanBytes = 1 << 20
	// cleanChunk is the arena's chunk size.
	cleanChunk = 64 << 10
)

// has reports whether s was remembered. A nil set remembers nothing.
func (c *cleanSet) has(s string) bool {
	if c == nil || c.seen == nil || len(s) > maxCleanLen {
		return false
	}
	_, ok := c.seen[s]
	return ok
}

// add remembers s, a value the text rules left unchanged.
func (c *cleanSet) add(s string) {
	if c == nil || len(s) > maxCleanLen || s == "" {
		return
	}
	if c.seen == nil || c.bytes+len(s) > maxCleanBytes {
		// Emptied rather than kept full: what is repeated now is what
		// the rest of the document repeats.
		c.seen, c.bytes = make(map[string]struct{}, 256), 0
		c.chunk = nil
	}
	if cap(c.chunk)-len(c.chunk) < len(s) {
		c.chunk = make([]byte, 0, cleanChunk)
	}
	start := len(c.chunk)
	c.chunk = append(c.chunk, s...)
	c.seen[view(c.chunk[start:])] = struct{}{}
	c.bytes += len(s)
}
